//! How Authgear presents an imported user: global node ID, standard attributes, the
//! `https://authgear.com/claims/user/*` claims, and the userinfo document.

use serde_json::{Map, Value, json};

use crate::jose::{b64, unb64};
use crate::time::rfc3339;
use crate::users::UserRecord;

/// pkg/admin/graphql/user.go: `const typeUser = "User"`.
const TYPE_USER: &str = "User";

/// pkg/graphqlgo/relay/node.go: ToGlobalID, base64url without padding of `User:<id>`.
pub fn node_id(user: &UserRecord) -> String {
    b64(format!("{TYPE_USER}:{}", user.authgear_id))
}

/// pkg/graphqlgo/relay/node.go: FromGlobalID, then the `typeUser` check of
/// pkg/admin/graphql/session_mutation.go. Anything that does not decode to `User:<id>` is `None`.
pub fn user_id_from_node_id(global_id: &str) -> Option<String> {
    // FromGlobalID: a decoding error leaves the string empty, which has fewer than two tokens.
    let decoded = String::from_utf8(unb64(global_id)?).ok()?;
    let mut tokens = decoded.split(':');
    let (kind, id) = (tokens.next()?, tokens.next()?);
    (kind == TYPE_USER).then(|| id.to_owned())
}

/// pkg/lib/feature/stdattrs/service_noevent.go: DeriveStandardAttributesForUsersWithClaims —
/// the stored attributes, `email_verified` derived from the verified claims, and `updated_at`
/// in Unix seconds.
pub fn standard_attributes(user: &UserRecord) -> Map<String, Value> {
    let mut attributes = user.seed.standard_attributes.clone();
    attributes.insert("email_verified".into(), user.seed.email_verified.into());
    attributes.insert("updated_at".into(), user.created_at.into());
    attributes
}

/// pkg/lib/feature/verification/service.go: with the default criteria `any`, a user is
/// verified when one verifiable identity (here the email login ID) is verified.
pub fn is_verified(user: &UserRecord) -> bool {
    user.seed.email_verified
}

/// pkg/lib/authn/user/model.go: newUserModel — true when the user has a primary (here: the
/// imported password) or secondary authenticator.
pub fn can_reauthenticate(user: &UserRecord) -> bool {
    user.seed.password_hash.is_some()
}

/// The claims pkg/lib/oauth/oidc/id_token.go: PopulateUserClaimsInIDToken puts in every ID
/// token and JWT access token. No standard attributes: pkg/lib/config/oauth.go allows PII in
/// tokens only for `confidential` and `third_party_app` clients, and only the SPA client ever
/// holds a session here (createSession refuses third-party clients).
pub fn token_claims(user: &UserRecord) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("sub".into(), user.authgear_id.clone().into());
    claims.insert(
        "https://authgear.com/claims/user/is_anonymous".into(),
        false.into(),
    );
    claims.insert(
        "https://authgear.com/claims/user/is_verified".into(),
        is_verified(user).into(),
    );
    claims.insert(
        "https://authgear.com/claims/user/can_reauthenticate".into(),
        can_reauthenticate(user).into(),
    );
    claims.insert(
        "https://authgear.com/claims/user/roles".into(),
        json!(user.seed.roles),
    );
    claims
}

/// pkg/lib/oauth/oidc/id_token.go: GetUserInfo for the only sessions the stand-in has: made by
/// createSession, so full-access scope (every claim allowed) and a first-party client (all
/// standard attributes, `custom_attributes` and `x_web3`).
pub fn userinfo(user: &UserRecord) -> Map<String, Value> {
    let mut out = token_claims(user);
    let at = rfc3339(user.created_at);
    // pkg/lib/userinfo/userinfo.go: the authenticators and identities lists, and
    // pkg/api/model/userinfo.go for their shape.
    let authenticators: Vec<Value> = user
        .seed
        .password_hash
        .iter()
        .map(|_| json!({"created_at": at, "updated_at": at, "type": "password", "kind": "primary"}))
        .collect();
    out.insert(
        "https://authgear.com/claims/user/authenticators".into(),
        authenticators.into(),
    );
    out.insert(
        "https://authgear.com/claims/user/identities".into(),
        json!([{
            "created_at": at,
            "updated_at": at,
            "type": "login_id",
            "login_id_key": "email",
            "login_id_type": "email",
        }]),
    );
    out.insert(
        "https://authgear.com/claims/user/recovery_code_enabled".into(),
        false.into(),
    );
    out.extend(standard_attributes(user));
    out.insert(
        "custom_attributes".into(),
        user.seed.custom_attributes.clone().into(),
    );
    out.insert("x_web3".into(), json!({}));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_round_trip_and_refuse_other_types() {
        let id = "3f1c2a8e-0000-4000-8000-000000000001";
        let encoded = b64(format!("User:{id}"));
        assert!(!encoded.contains('='));
        assert_eq!(user_id_from_node_id(&encoded).as_deref(), Some(id));
        assert_eq!(user_id_from_node_id(&b64("Session:x")), None);
        assert_eq!(user_id_from_node_id("not base64!"), None);
        assert_eq!(user_id_from_node_id(&b64("User")), None);
    }
}
