//! Authgear's session records, kept in memory: offline grants (what a refresh token names),
//! access grants (what an access token names) and authorizations (user × client consent).

use std::collections::HashMap;

use ring::digest;
use ring::rand::{SecureRandom as _, SystemRandom};
use serde_json::{Map, Value};

/// pkg/lib/oauth/token.go: GenerateToken, 32 characters of this alphabet.
const TOKEN_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

pub fn generate_token() -> String {
    let rng = SystemRandom::new();
    let mut token = String::with_capacity(32);
    while token.len() < 32 {
        let mut byte = [0u8; 1];
        rng.fill(&mut byte).expect("the system RNG works");
        // Rejection sampling keeps every character equally likely (62 * 4 = 248).
        if usize::from(byte[0]) < TOKEN_ALPHABET.len() * 4 {
            token.push(char::from(
                TOKEN_ALPHABET[usize::from(byte[0]) % TOKEN_ALPHABET.len()],
            ));
        }
    }
    token
}

/// pkg/lib/oauth/token.go: HashToken, hex SHA-256. Tokens are stored only as hashes.
pub fn hash_token(token: &str) -> String {
    digest::digest(&digest::SHA256, token.as_bytes())
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// pkg/lib/oauth/token_encoding.go: EncodeRefreshToken, `<offline grant ID>.<token>`.
fn encode_refresh_token(token: &str, grant_id: &str) -> String {
    format!("{grant_id}.{token}")
}

/// pkg/lib/oauth/token_encoding.go: DecodeRefreshToken, split at the first `.`.
pub fn decode_refresh_token(encoded: &str) -> Option<(&str, &str)> {
    let (grant_id, token) = encoded.split_once('.')?;
    Some((token, grant_id))
}

/// pkg/lib/oauth/grant_offline.go: OfflineGrant with its one refresh token (createSession
/// issues one per grant).
#[derive(Clone)]
pub struct OfflineGrant {
    pub id: String,
    pub user_id: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub authorization_id: String,
    pub authenticated_at: i64,
    pub device_info: Option<Map<String, Value>>,
    initial_token_hash: String,
    /// Set by rotation; from then on only the newest token works.
    rotated_token_hash: Option<String>,
}

impl OfflineGrant {
    /// pkg/lib/oauth/grant_offline.go: OfflineGrantRefreshToken.MatchCurrentHash.
    fn matches_current_hash(&self, hash: &str) -> bool {
        self.rotated_token_hash
            .as_deref()
            .unwrap_or(&self.initial_token_hash)
            == hash
    }
}

/// pkg/lib/oauth/grant_access.go: AccessGrant; Authgear keeps it in Redis until it expires.
pub struct AccessGrant {
    pub grant_id: String,
    pub expire_at: i64,
}

#[derive(Default)]
pub struct Grants {
    offline: HashMap<String, OfflineGrant>,
    access: HashMap<String, AccessGrant>,
    /// (user ID, client ID) → authorization ID.
    authorizations: HashMap<(String, String), String>,
}

pub struct NewOfflineGrant<'a> {
    pub user_id: &'a str,
    pub client_id: &'a str,
    pub scopes: &'a [&'a str],
    pub authenticated_at: i64,
    pub device_info: Option<Map<String, Value>>,
}

impl Grants {
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    pub fn offline_grant_count(&self) -> usize {
        self.offline.len()
    }

    /// pkg/lib/oauth/authz_service.go: CheckAndGrant, one authorization per user and client.
    fn authorize(&mut self, user_id: &str, client_id: &str) -> String {
        self.authorizations
            .entry((user_id.to_owned(), client_id.to_owned()))
            .or_insert_with(|| uuid::Uuid::new_v4().to_string())
            .clone()
    }

    /// pkg/lib/oauth/handler/service_token.go: IssueOfflineGrant. Returns the grant and the
    /// encoded refresh token.
    pub fn issue_offline_grant(&mut self, new: NewOfflineGrant<'_>) -> (OfflineGrant, String) {
        let authorization_id = self.authorize(new.user_id, new.client_id);
        let token = generate_token();
        let grant = OfflineGrant {
            id: uuid::Uuid::new_v4().to_string(),
            user_id: new.user_id.to_owned(),
            client_id: new.client_id.to_owned(),
            scopes: new.scopes.iter().map(|scope| (*scope).to_owned()).collect(),
            authorization_id,
            authenticated_at: new.authenticated_at,
            device_info: new.device_info,
            initial_token_hash: hash_token(&token),
            rotated_token_hash: None,
        };
        let refresh_token = encode_refresh_token(&token, &grant.id);
        self.offline.insert(grant.id.clone(), grant.clone());
        (grant, refresh_token)
    }

    /// pkg/lib/oauth/handler/service_token.go: ParseRefreshToken, up to the hash match.
    pub fn find_by_refresh_token(&self, refresh_token: &str) -> Option<OfflineGrant> {
        let (token, grant_id) = decode_refresh_token(refresh_token)?;
        let grant = self.offline.get(grant_id)?;
        let authorized = self
            .authorizations
            .values()
            .any(|id| *id == grant.authorization_id);
        (authorized && grant.matches_current_hash(&hash_token(token))).then(|| grant.clone())
    }

    /// pkg/lib/oauth/grant_offline_service.go: RotateRefreshToken. Returns the new encoded token.
    pub fn rotate(&mut self, grant_id: &str) -> Option<String> {
        let grant = self.offline.get_mut(grant_id)?;
        let token = generate_token();
        grant.rotated_token_hash = Some(hash_token(&token));
        Some(encode_refresh_token(&token, grant_id))
    }

    /// pkg/lib/oauth/redis/store.go: UpdateOfflineGrantDeviceInfo, which replaces the device info
    /// on every refresh (with nothing, when the request carries no `x_device_info`).
    pub fn set_device_info(&mut self, grant_id: &str, device_info: Option<Map<String, Value>>) {
        if let Some(grant) = self.offline.get_mut(grant_id) {
            grant.device_info = device_info;
        }
    }

    /// pkg/lib/oauth/grant_access_service.go: PrepareUserAccessGrant. Returns the raw token and
    /// its hash (the `jti` of a JWT access token).
    pub fn issue_access_grant(&mut self, grant_id: &str, expire_at: i64) -> (String, String) {
        let token = generate_token();
        let hash = hash_token(&token);
        self.access.insert(
            hash.clone(),
            AccessGrant {
                grant_id: grant_id.to_owned(),
                expire_at,
            },
        );
        (token, hash)
    }

    /// pkg/lib/oauth/resolver.go: resolveAccessToken, from the token hash to a live offline grant.
    pub fn resolve_access_grant(&self, token_hash: &str, now: i64) -> Option<&OfflineGrant> {
        let access = self
            .access
            .get(token_hash)
            .filter(|access| access.expire_at > now)?;
        let grant = self.offline.get(&access.grant_id)?;
        self.authorizations
            .values()
            .any(|id| *id == grant.authorization_id)
            .then_some(grant)
    }

    /// pkg/lib/oauth/handler/handler_revoke.go: a refresh token revokes its whole offline grant
    /// (and with it every access token issued from it); an access token revokes only itself.
    /// Unknown tokens are ignored.
    pub fn revoke(&mut self, token: &str) {
        if let Some((raw, grant_id)) = decode_refresh_token(token) {
            let current = self
                .offline
                .get(grant_id)
                .is_some_and(|grant| grant.matches_current_hash(&hash_token(raw)));
            if current {
                self.offline.remove(grant_id);
                self.access.retain(|_, access| access.grant_id != grant_id);
            }
            return;
        }
        self.access.remove(&hash_token(token));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(grants: &mut Grants) -> (OfflineGrant, String) {
        grants.issue_offline_grant(NewOfflineGrant {
            user_id: "u1",
            client_id: "c1",
            scopes: &["openid"],
            authenticated_at: 0,
            device_info: None,
        })
    }

    #[test]
    fn tokens_look_like_authgear_tokens() {
        let token = generate_token();
        assert_eq!(token.len(), 32);
        assert!(token.bytes().all(|byte| byte.is_ascii_alphanumeric()));
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn rotation_retires_the_previous_token() {
        let mut grants = Grants::default();
        let (issued, first) = grant(&mut grants);
        assert!(first.starts_with(&format!("{}.", issued.id)));
        assert!(grants.find_by_refresh_token(&first).is_some());
        let second = grants.rotate(&issued.id).unwrap();
        assert!(grants.find_by_refresh_token(&first).is_none());
        assert!(grants.find_by_refresh_token(&second).is_some());
        let third = grants.rotate(&issued.id).unwrap();
        assert!(grants.find_by_refresh_token(&second).is_none());
        assert!(grants.find_by_refresh_token(&third).is_some());
    }

    #[test]
    fn revoking_a_refresh_token_ends_its_access_tokens() {
        let mut grants = Grants::default();
        let (issued, refresh) = grant(&mut grants);
        let (_, hash) = grants.issue_access_grant(&issued.id, 100);
        assert!(grants.resolve_access_grant(&hash, 50).is_some());
        assert!(grants.resolve_access_grant(&hash, 100).is_none(), "expired");
        grants.revoke("not-a-token");
        grants.revoke(&refresh);
        assert!(grants.resolve_access_grant(&hash, 50).is_none());
        assert!(grants.find_by_refresh_token(&refresh).is_none());
    }
}
