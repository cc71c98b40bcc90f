//! Who a verified credential speaks for, and for which application it was issued: only what
//! the legacy IdP vouched for counts.
//!
//! - The login ID: the first configured source whose claim is present and, for `email` and
//!   `phone_number`, marked verified by the IdP (`email_verified` / `phone_number_verified`
//!   true, or the string `"true"` some IdPs such as Cognito send). Anyone can put an unverified
//!   address in their own token; that address is never looked up.
//! - The client: with `LEGACY_ALLOWED_CLIENT_IDS`, the token's `azp`, else `client_id`, else
//!   `cid` (Okta), else a single-valued `aud`, must be one of them.

use std::fmt;

use serde_json::{Map, Value};

use super::{IssuedTo, Verified};
use crate::authgear::LoginIdKey;
use crate::config::{LegacyConfig, LoginIdSource, SubjectBinding};
use crate::legacy_jwt::Claims;

/// The login ID a credential is exchanged under.
#[derive(Debug)]
pub(crate) struct LoginId<'a> {
    pub(crate) key: LoginIdKey,
    pub(crate) value: &'a str,
    /// The IdP vouched for it (a verified flag), or its kind has none to give (a username).
    /// False only when `LEGACY_REQUIRE_VERIFIED=false` let an unverified one through: such a
    /// login ID may find an imported user, but never creates one.
    pub(crate) vouched: bool,
}

pub(crate) struct IdentityRules {
    sources: Vec<LoginIdSource>,
    require_verified: bool,
    allowed_clients: Vec<String>,
    binding: Option<SubjectBinding>,
}

impl IdentityRules {
    pub(crate) fn new(config: &LegacyConfig) -> Self {
        Self {
            sources: config.login_ids.clone(),
            require_verified: config.require_verified,
            allowed_clients: config.allowed_client_ids.clone(),
            binding: config.subject_binding.clone(),
        }
    }

    /// The custom attribute that binds users to their legacy subject, when configured.
    pub(crate) fn subject_attribute(&self) -> Option<&str> {
        self.binding
            .as_ref()
            .map(|binding| binding.attribute.as_str())
    }

    /// The found user's custom attributes must name the credential's `sub`. A user without
    /// the attribute passes only with `LEGACY_SUBJECT_BINDING=when-present`.
    pub(crate) fn check_subject(
        &self,
        subject: Option<&str>,
        custom_attributes: &Map<String, Value>,
    ) -> Result<(), IdentityError> {
        let Some(binding) = &self.binding else {
            return Ok(());
        };
        let subject = subject.ok_or(IdentityError::NoSubject)?;
        match custom_attributes.get(&binding.attribute) {
            Some(Value::String(bound)) if !bound.is_empty() => {
                if bound == subject {
                    Ok(())
                } else {
                    Err(IdentityError::SubjectMismatch)
                }
            }
            None | Some(Value::Null) | Some(Value::String(_)) if binding.when_present => Ok(()),
            _ => Err(IdentityError::Unbound(binding.attribute.clone())),
        }
    }

    /// The first usable login ID of `claims`.
    pub(crate) fn login_id<'a>(&self, claims: &'a Claims) -> Result<LoginId<'a>, IdentityError> {
        let mut unverified = None;
        for source in &self.sources {
            let Some(value) = claims
                .string(&source.claim)
                .filter(|value| !value.is_empty())
            else {
                continue;
            };
            let vouched = source
                .verified_claim()
                .is_none_or(|flag| is_true(claims.get(flag)));
            if vouched || !self.require_verified {
                return Ok(LoginId {
                    key: source.key,
                    value,
                    vouched,
                });
            }
            unverified.get_or_insert(source.claim.clone());
        }
        Err(match unverified {
            Some(claim) => IdentityError::Unverified(claim),
            None => IdentityError::NoLoginId(self.claim_names()),
        })
    }

    /// Whether the credential was issued to one of the allowed legacy applications.
    pub(crate) fn check_client(&self, verified: &Verified) -> Result<(), IdentityError> {
        if self.allowed_clients.is_empty() {
            return Ok(());
        }
        let claims = &verified.claims;
        let client = match verified.issued_to {
            // Userinfo was opted into as "any client"; a session check has no client.
            IssuedTo::Unknown => return Ok(()),
            // RFC 7662 §2.2: the client the token was issued to.
            IssuedTo::Introspection => claims.string("client_id"),
            IssuedTo::Jwt => ["azp", "client_id", "cid"]
                .into_iter()
                .find_map(|name| claims.string(name))
                .or_else(|| match claims.get("aud") {
                    Some(Value::String(aud)) => Some(aud.as_str()),
                    Some(Value::Array(auds)) if auds.len() == 1 => auds[0].as_str(),
                    _ => None,
                }),
        };
        match client {
            Some(client) if self.allowed_clients.iter().any(|id| id == client) => Ok(()),
            Some(_) => Err(IdentityError::OtherClient),
            None => Err(IdentityError::NoClient),
        }
    }

    fn claim_names(&self) -> String {
        let names: Vec<&str> = self.sources.iter().map(|s| s.claim.as_str()).collect();
        names.join("`, `")
    }
}

/// Why a verified credential does not speak for the user it names. Messages never quote a
/// login ID.
#[derive(Debug)]
#[non_exhaustive]
pub(crate) enum IdentityError {
    /// None of the configured claims is there (their names).
    NoLoginId(String),
    /// The claim is there, but the IdP did not mark it verified (its name).
    Unverified(String),
    /// A just-in-time creation from a login ID the IdP did not vouch for.
    UnverifiedCreation,
    /// The token was issued to a legacy application outside `LEGACY_ALLOWED_CLIENT_IDS`.
    OtherClient,
    /// The token names no single client (`azp`, `client_id`, `cid`, or one `aud`).
    NoClient,
    /// Subject binding is on and the credential has no `sub`.
    NoSubject,
    /// The user's subject attribute names another legacy subject.
    SubjectMismatch,
    /// The user's subject attribute (its name) is empty and binding is `required`.
    Unbound(String),
}

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoLoginId(claims) => write!(
                f,
                "the legacy credential has no `{claims}` claim to find the user by"
            ),
            Self::Unverified(claim) => write!(
                f,
                "the legacy IdP did not mark the credential's `{claim}` verified"
            ),
            Self::UnverifiedCreation => f.write_str(
                "no user is created from a login ID the legacy IdP did not mark verified",
            ),
            Self::OtherClient => {
                f.write_str("the legacy token was issued to another legacy application")
            }
            Self::NoClient => f.write_str(
                "the legacy token names no client (`azp`, `client_id`, `cid` or a single `aud`)",
            ),
            Self::NoSubject => f.write_str("the legacy credential has no `sub` to bind"),
            Self::SubjectMismatch => f.write_str(
                "the Authgear user with this login ID belongs to another legacy subject",
            ),
            Self::Unbound(attribute) => write!(
                f,
                "the Authgear user with this login ID has no `{attribute}` custom attribute to bind"
            ),
        }
    }
}

impl std::error::Error for IdentityError {}

/// OpenID Connect Core §5.1 makes `*_verified` a boolean; Cognito sends the string "true".
/// Anything else (false, "false", "yes", absent) is not a verification.
fn is_true(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(flag)) => *flag,
        Some(Value::String(text)) => text == "true",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(sources: &[(&str, LoginIdKey)], require_verified: bool) -> IdentityRules {
        IdentityRules {
            sources: sources
                .iter()
                .map(|(claim, key)| LoginIdSource {
                    claim: (*claim).to_owned(),
                    key: *key,
                })
                .collect(),
            require_verified,
            allowed_clients: vec!["spa".to_owned()],
            binding: Some(SubjectBinding {
                attribute: "legacy_user_id".to_owned(),
                when_present: false,
            }),
        }
    }

    fn claims(value: Value) -> Claims {
        let Value::Object(object) = value else {
            unreachable!()
        };
        Claims::from_object(object)
    }

    #[test]
    fn only_a_verified_email_counts() {
        let email = rules(&[("email", LoginIdKey::Email)], true);
        for verified in [json!(true), json!("true")] {
            let c = claims(json!({"email": "a@example.com", "email_verified": verified}));
            assert_eq!(email.login_id(&c).unwrap().value, "a@example.com");
        }
        for unverified in [
            json!(false),
            json!("false"),
            json!("TRUE"),
            json!(1),
            json!(null),
        ] {
            let c = claims(json!({"email": "a@example.com", "email_verified": unverified}));
            assert!(matches!(
                email.login_id(&c),
                Err(IdentityError::Unverified(claim)) if claim == "email"
            ));
        }
        let c = claims(json!({"email": "a@example.com"}));
        assert!(matches!(
            email.login_id(&c),
            Err(IdentityError::Unverified(_))
        ));
    }

    #[test]
    fn the_opt_out_lets_an_unverified_email_find_but_not_create() {
        let email = rules(&[("email", LoginIdKey::Email)], false);
        let c = claims(json!({"email": "a@example.com", "email_verified": false}));
        let id = email.login_id(&c).unwrap();
        assert!(!id.vouched);
    }

    #[test]
    fn sources_are_tried_in_order() {
        let mixed = rules(
            &[
                ("email", LoginIdKey::Email),
                ("phone_number", LoginIdKey::Phone),
                ("preferred_username", LoginIdKey::Username),
            ],
            true,
        );
        let phone = claims(json!({
            "email": "a@example.com", "email_verified": false,
            "phone_number": "+14155550100", "phone_number_verified": true,
        }));
        let id = mixed.login_id(&phone).unwrap();
        assert_eq!((id.key, id.value), (LoginIdKey::Phone, "+14155550100"));
        let username = claims(json!({"preferred_username": "alice"}));
        let id = mixed.login_id(&username).unwrap();
        assert_eq!(
            (id.key, id.value, id.vouched),
            (LoginIdKey::Username, "alice", true)
        );
        assert!(matches!(
            mixed.login_id(&claims(json!({"sub": "x"}))),
            Err(IdentityError::NoLoginId(_))
        ));
    }

    #[test]
    fn the_subject_attribute_must_name_the_credentials_sub() {
        let mut r = rules(&[("email", LoginIdKey::Email)], true);
        let bound = json!({"legacy_user_id": "auth0|1"});
        let bound = bound.as_object().unwrap();
        let empty = Map::new();
        assert!(r.check_subject(Some("auth0|1"), bound).is_ok());
        assert!(matches!(
            r.check_subject(Some("auth0|2"), bound),
            Err(IdentityError::SubjectMismatch)
        ));
        assert!(matches!(
            r.check_subject(Some("auth0|1"), &empty),
            Err(IdentityError::Unbound(_))
        ));
        assert!(matches!(
            r.check_subject(None, bound),
            Err(IdentityError::NoSubject)
        ));
        r.binding.as_mut().unwrap().when_present = true;
        assert!(r.check_subject(Some("auth0|1"), &empty).is_ok());
        assert!(r.check_subject(Some("auth0|2"), bound).is_err());
    }

    fn issued(issued_to: IssuedTo, value: Value) -> Verified {
        Verified {
            claims: claims(value),
            expires_at: None,
            replay_id: String::new(),
            issued_to,
        }
    }

    #[test]
    fn the_client_is_azp_then_client_id_then_cid_then_a_single_aud() {
        let r = rules(&[("email", LoginIdKey::Email)], true);
        let jwt = |value| r.check_client(&issued(IssuedTo::Jwt, value));
        assert!(jwt(json!({"azp": "spa", "client_id": "other"})).is_ok());
        assert!(jwt(json!({"azp": "other", "client_id": "spa"})).is_err());
        assert!(jwt(json!({"cid": "spa"})).is_ok());
        assert!(jwt(json!({"aud": ["spa"]})).is_ok());
        assert!(matches!(
            jwt(json!({"aud": ["spa", "api"]})),
            Err(IdentityError::NoClient)
        ));
        assert!(matches!(
            jwt(json!({"aud": "other"})),
            Err(IdentityError::OtherClient)
        ));
        let introspected = |value| r.check_client(&issued(IssuedTo::Introspection, value));
        assert!(introspected(json!({"client_id": "spa"})).is_ok());
        assert!(matches!(
            introspected(json!({"aud": "spa"})),
            Err(IdentityError::NoClient)
        ));
    }
}
