//! The command line, the fixed identities of the stand-ins, and the JSON that tells a test or the
//! demo page where everything is.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The Authgear project ID (the `aud` of Admin API JWTs).
pub const PROJECT_ID: &str = "devstack";
/// The first-party SPA client the demo and the engine use.
pub const CLIENT_ID: &str = "devstack-spa-client";
/// A third-party client, so that createSession's refusal of such clients can be seen.
pub const THIRD_PARTY_CLIENT_ID: &str = "devstack-third-party-client";
/// The legacy IdP's client (the `aud` of its ID tokens).
pub const LEGACY_CLIENT_ID: &str = "legacy-web-app";
/// The `aud` of the legacy IdP's access tokens.
pub const LEGACY_AUDIENCE: &str = "https://api.legacy.example";

pub const USAGE: &str = "usage: devstack [--port-base N] [--seed FILE] [--www DIR] [--pkg DIR]

  --port-base N  app = N, authgear = N+1, legacy = N+2, endpoint = N+3, authgear admin
                 = N+4 (default 8000); 0 gives every listener an ephemeral port
  --seed FILE    users in Authgear's User Import format (default devstack/seed/users.json)
  --www DIR      served at / on the app origin (default www)
  --pkg DIR      served at /pkg/ on the app origin (default pkg)

Paths are relative to the current directory (the repository root). Prints one JSON line with
the origins when ready, then logs to stderr; stops on SIGINT, SIGTERM, or when stdin (a pipe)
closes.";

#[derive(Clone, Debug)]
pub struct Options {
    pub port_base: u16,
    pub seed: PathBuf,
    pub www: PathBuf,
    pub pkg: PathBuf,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            port_base: 8000,
            seed: PathBuf::from("devstack/seed/users.json"),
            www: PathBuf::from("www"),
            pkg: PathBuf::from("pkg"),
        }
    }
}

/// What the command line asks for.
pub enum Command {
    Run(Options),
    Help,
}

impl Options {
    /// Parses the arguments after the program name. `--flag value` and `--flag=value` both work.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
        let mut options = Self::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
                None => (arg, None),
            };
            if flag == "-h" || flag == "--help" {
                return Ok(Command::Help);
            }
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| format!("{flag} needs a value"))
            };
            match flag.as_str() {
                "--port-base" => {
                    let text = value()?;
                    options.port_base = text
                        .parse()
                        .ok()
                        .filter(|base: &u16| *base <= u16::MAX - 4)
                        .ok_or_else(|| {
                            format!("--port-base: `{text}` is not a port from 0 to 65531")
                        })?;
                }
                "--seed" => options.seed = value()?.into(),
                "--www" => options.www = value()?.into(),
                "--pkg" => options.pkg = value()?.into(),
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        Ok(Command::Run(options))
    }
}

/// The line printed on stdout when every listener is ready, also served as `/config.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicConfig {
    pub app: String,
    /// The Authgear project's origin as the apps' SDK has it (`authgear.endpoint`): its custom
    /// domain.
    pub authgear: String,
    /// The same project at the origin the migration endpoint calls its Admin API at (as
    /// `<project>.authgear.cloud` beside a custom domain). The `iss` of a JWT access token from
    /// `createSession`.
    pub authgear_admin: String,
    pub legacy: String,
    pub endpoint: String,
    #[serde(rename = "exchangeURL")]
    pub exchange_url: String,
    #[serde(rename = "clientID")]
    pub client_id: String,
    #[serde(rename = "legacyClientID")]
    pub legacy_client_id: String,
    pub legacy_audience: String,
    #[serde(rename = "projectID")]
    pub project_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        match Options::parse(args.iter().map(|arg| (*arg).to_owned()))? {
            Command::Run(options) => Ok(options),
            Command::Help => Err("help".into()),
        }
    }

    #[test]
    fn parses_flags_both_ways() {
        let options = parse(&["--port-base", "0", "--seed=s.json", "--www", "w"]).unwrap();
        assert_eq!(options.port_base, 0);
        assert_eq!(options.seed, PathBuf::from("s.json"));
        assert_eq!(options.www, PathBuf::from("w"));
        assert_eq!(options.pkg, PathBuf::from("pkg"));
        assert_eq!(parse(&["--help"]).unwrap_err(), "help");
        assert!(
            parse(&["--port-base", "65532"])
                .unwrap_err()
                .contains("65531")
        );
        assert_eq!(parse(&["--seed"]).unwrap_err(), "--seed needs a value");
        assert_eq!(parse(&["--nope"]).unwrap_err(), "unknown argument `--nope`");
    }
}
