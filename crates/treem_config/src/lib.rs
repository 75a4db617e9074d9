//! Settings of treem, layered: command-line flags, then `TREEM_*` environment
//! variables (a secret may come from the file named by `TREEM_*_FILE`), then an
//! optional TOML file, then defaults. `Debug` never prints secrets.

use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Values as given by one source; `None` means "not set here".
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PartialSettings {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub log: Option<String>,
    pub max_body_bytes: Option<String>,
    pub session_idle_minutes: Option<String>,
    pub session_absolute_hours: Option<String>,
    pub require_mfa: Option<String>,
    pub secure_cookies: Option<String>,
    pub case_deadlines: Option<String>,
}

/// The settings in force.
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    pub listen: SocketAddr,
    pub database_url: DatabaseUrl,
    /// Log level: error, warn, info, debug or trace.
    pub log: String,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// A session ends after this many minutes without a request.
    pub session_idle_minutes: i64,
    /// A session ends this many hours after sign-in, whatever happens.
    pub session_absolute_hours: i64,
    /// Roles that see case data must use a second factor (TOTP).
    pub require_mfa: bool,
    /// Mark cookies `Secure`: set when users reach treem over HTTPS (behind a TLS proxy).
    pub secure_cookies: bool,
    /// Changes to the configurable case deadlines (`key = n, …`; checked by
    /// `treem_domain::case::Deadlines::with_overrides` at start-up); empty: the defaults.
    pub case_deadlines: String,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("database_url", &self.database_url)
            .field("log", &self.log)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("session_idle_minutes", &self.session_idle_minutes)
            .field("session_absolute_hours", &self.session_absolute_hours)
            .field("require_mfa", &self.require_mfa)
            .field("secure_cookies", &self.secure_cookies)
            .field("case_deadlines", &self.case_deadlines)
            .finish()
    }
}

/// A database URL; its `Debug` and `Display` hide any password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The real URL, to hand to the driver and nowhere else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn redacted(&self) -> String {
        let s = &self.0;
        let Some(scheme_end) = s.find("://").map(|i| i + 3) else {
            return s.clone();
        };
        let rest = s.get(scheme_end..).unwrap_or_default();
        let authority_end = rest.find('/').unwrap_or(rest.len());
        match rest.get(..authority_end).and_then(|a| a.rfind('@')) {
            Some(at) => {
                let userinfo = rest.get(..at).unwrap_or_default();
                let user = userinfo.split(':').next().unwrap_or_default();
                let masked = if userinfo.contains(':') { format!("{user}:***") } else { user.to_owned() };
                format!("{}{masked}{}", s.get(..scheme_end).unwrap_or_default(), rest.get(at..).unwrap_or_default())
            }
            None => s.clone(),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {message}")]
    File { path: String, message: String },
    #[error("setting `{key}` (from {origin}): {message}")]
    Invalid { key: &'static str, origin: String, message: String },
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://treem.db";
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Where a value came from, for error messages.
struct Found {
    value: String,
    source: String,
}

impl Settings {
    /// Layers `flags`, the environment (read through `env`), and the TOML file
    /// named by `config_file` (a flag) or `TREEM_CONFIG`.
    pub fn load(
        flags: &PartialSettings,
        config_file: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let file_path: Option<PathBuf> = config_file.map(Path::to_path_buf).or_else(|| env("TREEM_CONFIG").map(PathBuf::from));
        let file = match &file_path {
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| ConfigError::File { path: p.display().to_string(), message: e.to_string() })?;
                toml::from_str::<PartialSettings>(&text)
                    .map_err(|e| ConfigError::File { path: p.display().to_string(), message: e.to_string() })?
            }
            None => PartialSettings::default(),
        };
        let file_name = file_path.map(|p| p.display().to_string()).unwrap_or_default();
        let pick = |key: &'static str, flag: &Option<String>, from_file: &Option<String>| -> Result<Option<Found>, ConfigError> {
            let var = format!("TREEM_{}", key.to_ascii_uppercase());
            if let Some(v) = flag {
                return Ok(Some(Found { value: v.clone(), source: format!("--{}", key.replace('_', "-")) }));
            }
            if let Some(v) = env(&var) {
                return Ok(Some(Found { value: v, source: var }));
            }
            let file_var = format!("{var}_FILE");
            if let Some(path) = env(&file_var) {
                let v = std::fs::read_to_string(&path).map_err(|e| ConfigError::Invalid {
                    key,
                    origin: file_var.clone(),
                    message: format!("cannot read {path}: {e}"),
                })?;
                return Ok(Some(Found { value: v.trim_end_matches(['\n', '\r']).to_owned(), source: file_var }));
            }
            Ok(from_file.clone().map(|v| Found { value: v, source: file_name.clone() }))
        };
        let listen = match pick("listen", &flags.listen, &file.listen)? {
            Some(f) => f.value.parse().map_err(|_| ConfigError::Invalid {
                key: "listen",
                origin: f.source,
                message: format!("`{}` is not an address such as 127.0.0.1:8080", f.value),
            })?,
            None => DEFAULT_LISTEN.parse().map_err(|_| ConfigError::Invalid {
                key: "listen",
                origin: "default".into(),
                message: "bad default".into(),
            })?,
        };
        let database_url =
            pick("database_url", &flags.database_url, &file.database_url)?.map_or_else(|| DEFAULT_DATABASE_URL.to_owned(), |f| f.value);
        let log = match pick("log", &flags.log, &file.log)? {
            Some(f) if ["error", "warn", "info", "debug", "trace"].contains(&f.value.as_str()) => f.value,
            Some(f) => {
                return Err(ConfigError::Invalid {
                    key: "log",
                    origin: f.source,
                    message: format!("`{}` is not one of error, warn, info, debug, trace", f.value),
                })
            }
            None => "info".to_owned(),
        };
        let max_body_bytes = match pick("max_body_bytes", &flags.max_body_bytes, &file.max_body_bytes)? {
            Some(f) => match f.value.parse::<usize>() {
                Ok(n) if (1024..=64 * 1024 * 1024).contains(&n) => n,
                _ => {
                    return Err(ConfigError::Invalid {
                        key: "max_body_bytes",
                        origin: f.source,
                        message: "must be a whole number of bytes from 1024 to 67108864".into(),
                    })
                }
            },
            None => DEFAULT_MAX_BODY_BYTES,
        };
        let number =
            |key: &'static str, found: Option<Found>, default: i64, range: std::ops::RangeInclusive<i64>| -> Result<i64, ConfigError> {
                match found {
                    None => Ok(default),
                    Some(f) => match f.value.trim().parse::<i64>() {
                        Ok(n) if range.contains(&n) => Ok(n),
                        _ => Err(ConfigError::Invalid {
                            key,
                            origin: f.source,
                            message: format!("must be a whole number from {} to {}", range.start(), range.end()),
                        }),
                    },
                }
            };
        let flag = |key: &'static str, found: Option<Found>, default: bool| -> Result<bool, ConfigError> {
            match found {
                None => Ok(default),
                Some(f) => match f.value.trim() {
                    "true" | "1" | "yes" | "on" => Ok(true),
                    "false" | "0" | "no" | "off" => Ok(false),
                    _ => Err(ConfigError::Invalid { key, origin: f.source, message: "must be true or false".into() }),
                },
            }
        };
        let session_idle_minutes = number(
            "session_idle_minutes",
            pick("session_idle_minutes", &flags.session_idle_minutes, &file.session_idle_minutes)?,
            15,
            1..=720,
        )?;
        let session_absolute_hours = number(
            "session_absolute_hours",
            pick("session_absolute_hours", &flags.session_absolute_hours, &file.session_absolute_hours)?,
            8,
            1..=72,
        )?;
        let require_mfa = flag("require_mfa", pick("require_mfa", &flags.require_mfa, &file.require_mfa)?, true)?;
        let secure_cookies = flag("secure_cookies", pick("secure_cookies", &flags.secure_cookies, &file.secure_cookies)?, false)?;
        let case_deadlines = pick("case_deadlines", &flags.case_deadlines, &file.case_deadlines)?.map(|f| f.value).unwrap_or_default();
        Ok(Settings {
            listen,
            database_url: DatabaseUrl::new(database_url),
            log,
            max_body_bytes,
            session_idle_minutes,
            session_absolute_hours,
            require_mfa,
            secure_cookies,
            case_deadlines,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn flags_beat_env_beat_file_beat_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("treem.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:9000\"\nlog = \"debug\"\ndatabase_url = \"sqlite://file.db\"\n").unwrap();
        let env = env_of(&[("TREEM_DATABASE_URL", "sqlite://env.db")]);
        let flags = PartialSettings { listen: Some("127.0.0.1:7000".into()), ..Default::default() };
        let s = Settings::load(&flags, Some(&file), &env).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:7000");
        assert_eq!(s.database_url.expose(), "sqlite://env.db");
        assert_eq!(s.log, "debug");
        assert_eq!(s.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
        let d = Settings::load(&PartialSettings::default(), None, &env_of(&[])).unwrap();
        assert_eq!(d.database_url.expose(), DEFAULT_DATABASE_URL);
        assert_eq!(d.case_deadlines, "", "no change to the case deadlines by default");
        std::fs::write(&file, "case_deadlines = \"verify_working_days = 2\"\n").unwrap();
        let from_file = Settings::load(&PartialSettings::default(), Some(&file), &env_of(&[])).unwrap();
        assert_eq!(from_file.case_deadlines, "verify_working_days = 2");
        let from_env =
            Settings::load(&PartialSettings::default(), Some(&file), &env_of(&[("TREEM_CASE_DEADLINES", "close_working_days = 4")]));
        assert_eq!(from_env.unwrap().case_deadlines, "close_working_days = 4");
    }

    #[test]
    fn secrets_from_files_and_redaction() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("db");
        std::fs::write(&secret, "postgres://treem:s3cret@db/treem\n").unwrap();
        let env = env_of(&[("TREEM_DATABASE_URL_FILE", secret.to_str().unwrap())]);
        let s = Settings::load(&PartialSettings::default(), None, &env).unwrap();
        assert_eq!(s.database_url.expose(), "postgres://treem:s3cret@db/treem");
        let shown = format!("{s:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("treem:***@db"), "{shown}");
    }

    #[test]
    fn bad_values_name_key_and_source() {
        let e = Settings::load(&PartialSettings::default(), None, &env_of(&[("TREEM_LISTEN", "here")])).unwrap_err();
        assert!(e.to_string().contains("TREEM_LISTEN"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.toml");
        std::fs::write(&file, "lisen = \"x\"\n").unwrap();
        let e = Settings::load(&PartialSettings::default(), Some(&file), &env_of(&[])).unwrap_err();
        assert!(e.to_string().contains("lisen"), "{e}");
    }
}
