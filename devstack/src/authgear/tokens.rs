//! The tokens Authgear signs: JWT access tokens and ID tokens.

use serde_json::{Map, Value, json};

use super::Authgear;
use super::clients::OAuthClient;
use super::grants::{Grants, OfflineGrant};
use super::users::token_claims;
use crate::jose::{self, Signer, b64};
use crate::users::UserRecord;

/// pkg/admin/facade/oauth.go: CreateSession grants exactly these scopes.
pub const CREATE_SESSION_SCOPES: [&str; 3] = [
    "openid",
    "offline_access",
    "https://authgear.com/scopes/full-access",
];

/// pkg/lib/oauth/oidc/id_token.go: IDTokenValidDuration = duration.Short (5 minutes).
const ID_TOKEN_VALID_SECONDS: i64 = 5 * 60;

pub struct AccessToken {
    pub token: String,
    pub expires_in: u64,
}

impl Authgear {
    /// pkg/lib/oauth/grant_access_service.go: PrepareUserAccessGrant, then
    /// pkg/lib/oauth/token_encoding.go: PrepareUserAccessToken / MakeUserAccessTokenFromPreparationResult.
    /// `origin` is the host the request was made at: the token's `iss` and `aud`.
    pub(super) fn issue_access_token(
        &self,
        origin: &str,
        grants: &mut Grants,
        client: &OAuthClient,
        grant: &OfflineGrant,
        user: &UserRecord,
        now: i64,
    ) -> AccessToken {
        let settings = self.settings();
        let lifetime = settings.access_token_lifetime_seconds;
        let expire_at = now + lifetime as i64;
        let (raw, hash) = grants.issue_access_grant(&grant.id, expire_at);
        // ExpiresIn is the client's AccessTokenLifetime whatever the token's form.
        if !settings.issue_jwt_access_token {
            return AccessToken {
                token: raw,
                expires_in: lifetime,
            };
        }
        let mut claims = Map::new();
        claims.insert("iss".into(), origin.into());
        // jwx serializes a single audience as an array.
        claims.insert("aud".into(), json!([origin]));
        claims.insert("iat".into(), now.into());
        claims.insert("exp".into(), expire_at.into());
        claims.insert("client_id".into(), client.client_id.clone().into());
        claims.insert("scope".into(), grant.scopes.join(" ").into());
        claims.insert("auth_time".into(), grant.authenticated_at.into());
        // "Do not put raw token in JWT access token … Put token hash to allow looking up access
        // grant from verified JWT."
        claims.insert("jti".into(), hash.into());
        // `amr` only when the authentication recorded one; createSession records none.
        claims.extend(token_claims(user));
        let token = self.sign("at+jwt", &Value::Object(claims));
        AccessToken {
            token,
            expires_in: lifetime,
        }
    }

    /// pkg/lib/oauth/oidc/id_token.go: PrepareIDToken, as the refresh_token grant asks for it
    /// (pkg/lib/oauth/handler/handler_token.go: issueTokensForRefreshToken).
    pub(super) fn issue_id_token(
        &self,
        origin: &str,
        client: &OAuthClient,
        grant: &OfflineGrant,
        user: &UserRecord,
        now: i64,
    ) -> String {
        let mut claims = Map::new();
        claims.insert("iss".into(), origin.into());
        claims.insert("aud".into(), json!([client.client_id]));
        claims.insert("iat".into(), now.into());
        claims.insert("exp".into(), (now + ID_TOKEN_VALID_SECONDS).into());
        claims.insert("auth_time".into(), grant.authenticated_at.into());
        // pkg/lib/oauth/sid.go: EncodeSID, base64url of `offline_grant:<grant ID>`.
        claims.insert(
            "sid".into(),
            b64(format!("offline_grant:{}", grant.id)).into(),
        );
        claims.extend(token_claims(user));
        self.sign("JWT", &Value::Object(claims))
    }

    /// pkg/util/jwtutil/jwtutil.go: SignWithHeader, with `kid` from the key and RS256.
    fn sign(&self, typ: &str, claims: &Value) -> String {
        let mut header = Map::new();
        header.insert("kid".into(), self.keys.signing.kid().into());
        header.insert("typ".into(), typ.into());
        jose::encode(header, claims, &Signer::Rs256(&self.keys.signing))
    }
}
