//! Reading variables: the lookup, the parsers shared by every setting, and [`ConfigError`].

use std::fmt;
use std::time::Duration;

use url::Url;

use super::Origin;

/// The environment, as `lookup` answers it. An empty or blank value counts as unset.
pub(super) struct Vars<F>(pub(super) F);

impl<F: Fn(&str) -> Option<String>> Vars<F> {
    pub(super) fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    pub(super) fn is_set(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The parsed value, or `None` when the variable is unset.
    pub(super) fn parsed<T>(
        &self,
        variable: &'static str,
        expected: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        self.get(variable)
            .map(|value| {
                parse(&value).map_err(|problem| ConfigError::Invalid {
                    variable,
                    expected,
                    problem,
                })
            })
            .transpose()
    }

    pub(super) fn required<T>(
        &self,
        variable: &'static str,
        expected: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        self.parsed(variable, expected, parse)?
            .ok_or(ConfigError::Missing { variable, expected })
    }

    /// Required only because another setting asks for it; the error says which.
    pub(super) fn required_by<T>(
        &self,
        variable: &'static str,
        expected: &'static str,
        because: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        self.parsed(variable, expected, parse)?
            .ok_or_else(|| ConfigError::Needed {
                variable,
                expected,
                because: because.to_owned(),
            })
    }

    pub(super) fn flag(&self, variable: &'static str) -> Result<Option<bool>, ConfigError> {
        self.parsed(variable, "true or false", parse_bool)
    }

    pub(super) fn seconds(
        &self,
        variable: &'static str,
        expected: &'static str,
        range: (u64, u64),
    ) -> Result<Option<Duration>, ConfigError> {
        self.parsed(variable, expected, |text| match text.parse::<u64>() {
            Ok(n) if (range.0..=range.1).contains(&n) => Ok(Duration::from_secs(n)),
            _ => Err(format!("got `{text}`")),
        })
    }
}

pub(super) fn parse_bool(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("got `{text}`")),
    }
}

pub(super) fn parse_http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|error| format!("got `{text}` ({error})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("got `{text}`"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("it has credentials in it; give them in their own variables".to_owned());
    }
    Ok(url)
}

pub(super) fn parse_origin(text: &str) -> Result<Origin, String> {
    let url = parse_http_url(text)?;
    // An origin is scheme, host and port: a path, a query or credentials mean a typo.
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    if !bare {
        return Err(format!("got `{text}`, which is more than an origin"));
    }
    Ok(Origin(url.origin().ascii_serialization()))
}

pub(super) fn split_list(list: &str) -> impl Iterator<Item = &str> {
    list.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

/// `30s`, `5m`, `1h`, `1d`, or a bare number of seconds.
pub(super) fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let n: u64 = number.parse().ok()?;
    let seconds = match unit.trim() {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    Some(Duration::from_secs(seconds))
}

/// A setting that is missing or unusable. The message names the variable and what it should be,
/// and never repeats a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required variable is unset or empty.
    Missing {
        variable: &'static str,
        expected: &'static str,
    },
    /// A variable is unset that another setting needs.
    Needed {
        variable: &'static str,
        expected: &'static str,
        because: String,
    },
    /// A variable's value cannot be used.
    Invalid {
        variable: &'static str,
        expected: &'static str,
        problem: String,
    },
    /// Two variables that exclude each other are both set.
    Conflict {
        variable: &'static str,
        other: &'static str,
    },
    /// A variable asks for a check that the configured verifier cannot make.
    Uncheckable {
        variable: &'static str,
        because: String,
    },
}

impl ConfigError {
    /// The variable to fix.
    pub fn variable(&self) -> &'static str {
        match self {
            Self::Missing { variable, .. }
            | Self::Needed { variable, .. }
            | Self::Invalid { variable, .. }
            | Self::Conflict { variable, .. }
            | Self::Uncheckable { variable, .. } => variable,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing { variable, expected } => {
                write!(f, "{variable} is not set: expected {expected}")
            }
            Self::Needed {
                variable,
                expected,
                because,
            } => write!(
                f,
                "{variable} is not set: expected {expected}, because {because}"
            ),
            Self::Invalid {
                variable,
                expected,
                problem,
            } => write!(f, "{variable} is invalid: expected {expected}; {problem}"),
            Self::Conflict { variable, other } => {
                write!(f, "{variable} and {other} are both set: set exactly one")
            }
            Self::Uncheckable { variable, because } => {
                write!(f, "{variable} is set but cannot be checked: {because}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_a_unit_or_seconds() {
        assert_eq!(parse_duration("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("2d"), Some(Duration::from_secs(172_800)));
        for bad in ["", "m", "5w", "-1", "1.5m"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
