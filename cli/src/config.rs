//! Where to upload and with which key, from flags or the same environment variables the
//! migration endpoint (server/) reads: `AUTHGEAR_ENDPOINT`, `AUTHGEAR_PROJECT_ID` (default: the
//! endpoint's first label), `AUTHGEAR_ADMIN_KEY_ID`, and `AUTHGEAR_ADMIN_KEY_FILE` or
//! `AUTHGEAR_ADMIN_KEY_PEM`. An empty value counts as unset. The endpoint must be https, as
//! the server's upstreams must: plain http only to a loopback host, or with
//! `ALLOW_INSECURE_UPSTREAMS=true` (`--allow-insecure-upstreams`) for development.

use std::path::Path;

use authgear_migrate_admin::AdminKey;
use url::{Host, Url};

/// What the upload needs, checked.
#[derive(Debug)]
pub struct Connection {
    /// The project's origin (with any path prefix), e.g. `https://myapp.authgear.cloud`.
    pub endpoint: Url,
    pub project_id: String,
    pub key: AdminKey,
}

/// The raw settings, as clap gathered them from flags and the environment.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub endpoint: Option<String>,
    pub project_id: Option<String>,
    pub admin_key_id: Option<String>,
    pub admin_key_file: Option<String>,
    pub admin_key_pem: Option<String>,
    /// Plain http to a host off this machine is accepted (development only).
    pub allow_insecure: bool,
}

impl Settings {
    pub fn connection(&self) -> Result<Connection, String> {
        let set = |value: &Option<String>| value.clone().filter(|text| !text.trim().is_empty());
        let endpoint = set(&self.endpoint).ok_or(
            "AUTHGEAR_ENDPOINT (or --endpoint) is required to upload: the project's URL, e.g. https://myapp.authgear.cloud",
        )?;
        let endpoint = parse_endpoint(&endpoint)?;
        if endpoint.scheme() != "https" && !self.allow_insecure && !is_loopback(&endpoint) {
            return Err(format!(
                "AUTHGEAR_ENDPOINT: `{}` is plain http to a host off this machine, which would \
                 carry the admin JWT and the users' password hashes in clear text; use https \
                 (or --allow-insecure-upstreams for development)",
                endpoint.origin().ascii_serialization()
            ));
        }
        let project_id = match set(&self.project_id) {
            Some(id) => id,
            None => match endpoint.host() {
                Some(Host::Domain(domain)) => domain.split('.').next().unwrap_or(domain).to_owned(),
                _ => {
                    return Err("AUTHGEAR_PROJECT_ID (or --project-id) is required: AUTHGEAR_ENDPOINT is an IP address and has no first label".into());
                }
            },
        };
        let key_id = set(&self.admin_key_id).ok_or(
            "AUTHGEAR_ADMIN_KEY_ID (or --admin-key-id) is required: the key ID the portal shows beside the Admin API key",
        )?;
        let key_id = key_id.trim().to_owned();
        let (variable, key) = match (set(&self.admin_key_file), set(&self.admin_key_pem)) {
            (Some(_), Some(_)) => {
                return Err(
                    "set AUTHGEAR_ADMIN_KEY_FILE or AUTHGEAR_ADMIN_KEY_PEM, not both".into(),
                );
            }
            (None, None) => {
                return Err("AUTHGEAR_ADMIN_KEY_FILE (or --admin-key-file) is required: the Admin API private key, the PEM file the portal downloads (PKCS#1, or PKCS#8), or its text in AUTHGEAR_ADMIN_KEY_PEM".into());
            }
            (Some(path), None) => (
                "AUTHGEAR_ADMIN_KEY_FILE",
                AdminKey::from_file(key_id, Path::new(&path)),
            ),
            (None, Some(pem)) => ("AUTHGEAR_ADMIN_KEY_PEM", AdminKey::from_pem(key_id, &pem)),
        };
        let key = key.map_err(|problem| format!("{variable}: {problem}"))?;
        Ok(Connection {
            endpoint,
            project_id,
            key,
        })
    }
}

fn parse_endpoint(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim())
        .map_err(|error| format!("AUTHGEAR_ENDPOINT: `{text}` is not a URL ({error})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("AUTHGEAR_ENDPOINT: `{text}` is not an http(s) URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "AUTHGEAR_ENDPOINT: `{text}` has a query or a fragment"
        ));
    }
    Ok(url)
}

/// The endpoint's rule too (server/src/config/safety.rs): plain http only to this machine. The
/// URL is http(s), so an IP host is parsed as one.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

impl Connection {
    /// `<endpoint>/_api/admin/users/import`, keeping any path prefix of the endpoint.
    pub fn import_url(&self) -> Url {
        let mut url = self.endpoint.clone();
        let path = format!(
            "{}/_api/admin/users/import",
            url.path().trim_end_matches('/')
        );
        url.set_path(&path);
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = include_str!("../../devstack/keys/authgear-admin.pem");

    fn settings() -> Settings {
        Settings {
            endpoint: Some("https://myapp.authgear.cloud".into()),
            admin_key_id: Some("kid".into()),
            admin_key_pem: Some(PEM.into()),
            ..Settings::default()
        }
    }

    #[test]
    fn defaults_the_project_id_to_the_first_label() {
        let connection = settings().connection().unwrap();
        assert_eq!(connection.project_id, "myapp");
        assert_eq!(
            connection.import_url().as_str(),
            "https://myapp.authgear.cloud/_api/admin/users/import"
        );
    }

    #[test]
    fn reads_the_portal_pkcs1_key_and_a_pkcs8_key() {
        assert!(PEM.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
        assert_eq!(settings().connection().unwrap().key.id(), "kid");
        let mut pkcs8 = settings();
        pkcs8.admin_key_pem =
            Some(include_str!("../../admin/tests/authgear-admin.pkcs8.pem").into());
        assert_eq!(pkcs8.connection().unwrap().key.id(), "kid");
        let mut missing = settings();
        missing.admin_key_pem = None;
        missing.admin_key_file = Some("/no/such/key.pem".into());
        let error = missing.connection().unwrap_err();
        assert!(
            error.starts_with("AUTHGEAR_ADMIN_KEY_FILE: cannot read /no/such/key.pem"),
            "{error}"
        );
    }

    #[test]
    fn names_what_is_missing_or_wrong() {
        let mut missing = settings();
        missing.endpoint = Some(" ".into());
        assert!(
            missing
                .connection()
                .unwrap_err()
                .starts_with("AUTHGEAR_ENDPOINT")
        );
        let mut ip = settings();
        ip.endpoint = Some("http://127.0.0.1:8001".into());
        assert!(
            ip.connection()
                .unwrap_err()
                .starts_with("AUTHGEAR_PROJECT_ID")
        );
        let mut both = settings();
        both.admin_key_file = Some("key.pem".into());
        assert!(both.connection().unwrap_err().contains("not both"));
    }

    #[test]
    fn the_endpoint_is_https_unless_loopback_or_allowed() {
        let mut plain = settings();
        plain.endpoint = Some("http://myapp.authgear.cloud".into());
        let error = plain.connection().unwrap_err();
        assert!(error.contains("plain http"), "{error}");
        assert!(error.contains("--allow-insecure-upstreams"), "{error}");
        plain.allow_insecure = true;
        assert!(plain.connection().is_ok());
        let mut local = settings();
        local.endpoint = Some("http://localhost:3001".into());
        assert!(local.connection().is_ok());
    }
}
