//! Database URLs: parsing (ving's own parameters taken out, the driver's checked), the
//! pool settings they carry, TLS modes as each ecosystem spells them, and a password
//! never shown.

use super::*;

/// The URL parameters ving reads itself.
const VING_PARAMETERS: &[&str] = &[
    "log",
    "max_connections",
    "min_connections",
    "acquire_timeout",
    "idle_timeout",
];

/// The URL parameters sqlx reads for MySQL/MariaDB.
const MYSQL_PARAMETERS: &[&str] = &[
    "ssl-mode",
    "sslmode",
    "ssl-ca",
    "sslca",
    "ssl-cert",
    "sslcert",
    "ssl-key",
    "sslkey",
    "charset",
    "collation",
    "statement-cache-capacity",
    "socket",
    "timezone",
    "time-zone",
];

/// The URL parameters sqlx reads for PostgreSQL.
const POSTGRES_PARAMETERS: &[&str] = &[
    "sslmode",
    "ssl-mode",
    "sslrootcert",
    "ssl-root-cert",
    "ssl-ca",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
    "statement-cache-capacity",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "application_name",
    "options",
];

/// The URL parameters sqlx reads for SQLite.
const SQLITE_PARAMETERS: &[&str] = &["mode", "cache", "immutable", "vfs"];

/// The TLS modes, as PostgreSQL's `sslmode` and MySQL's `ssl-mode` spell each.
const SSL_MODES: &[(&str, &str)] = &[
    ("disable", "DISABLED"),
    ("prefer", "PREFERRED"),
    ("require", "REQUIRED"),
    ("verify-ca", "VERIFY_CA"),
    ("verify-full", "VERIFY_IDENTITY"),
];

/// `mode` as `backend` spells it, or why it is not a TLS mode.
fn ssl_mode_for(backend: Backend, mode: &str) -> Result<&'static str, String> {
    let found = SSL_MODES
        .iter()
        .find(|(pg, my)| mode.eq_ignore_ascii_case(pg) || mode.eq_ignore_ascii_case(my))
        .ok_or_else(|| {
            let known: Vec<String> = SSL_MODES
                .iter()
                .map(|(pg, my)| format!("{pg} ({my})"))
                .collect();
            format!("{mode:?} is not a TLS mode: one of {}", known.join(", "))
        })?;
    Ok(if backend == Backend::MySql {
        found.1
    } else {
        found.0
    })
}

/// The connection pool's settings: from the URL's parameters (`?max_connections=20&
/// acquire_timeout=2`), else from `ving.toml [database]`, else the defaults below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolSettings {
    /// The most connections open at once (default [`PoolSettings::DEFAULT_MAX`]).
    pub max_connections: Option<u32>,
    /// Connections kept open when idle (default 0).
    pub min_connections: Option<u32>,
    /// How long to wait for a free connection or a server (default 5 s).
    pub acquire_timeout: Option<std::time::Duration>,
    /// How long an idle connection is kept; `Some(None)` keeps them (default 10 min).
    pub idle_timeout: Option<Option<std::time::Duration>>,
}

impl PoolSettings {
    /// The default most connections.
    pub const DEFAULT_MAX: u32 = 10;
    /// The default wait for a connection.
    pub const DEFAULT_ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
    /// The default idle time before a connection closes.
    pub const DEFAULT_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

    /// Each setting of `self`, or of `fallback` where `self` has none.
    pub fn or(self, fallback: PoolSettings) -> PoolSettings {
        PoolSettings {
            max_connections: self.max_connections.or(fallback.max_connections),
            min_connections: self.min_connections.or(fallback.min_connections),
            acquire_timeout: self.acquire_timeout.or(fallback.acquire_timeout),
            idle_timeout: self.idle_timeout.or(fallback.idle_timeout),
        }
    }

    /// The most connections, with the default.
    pub fn max(&self) -> u32 {
        self.max_connections.unwrap_or(Self::DEFAULT_MAX)
    }

    /// The connections kept open, with the default.
    pub fn min(&self) -> u32 {
        self.min_connections.unwrap_or(0)
    }

    /// The wait for a connection, with the default.
    pub fn acquire(&self) -> std::time::Duration {
        self.acquire_timeout
            .unwrap_or(Self::DEFAULT_ACQUIRE_TIMEOUT)
    }

    /// The idle time before a connection closes (`None`: never), with the default.
    pub fn idle(&self) -> Option<std::time::Duration> {
        self.idle_timeout
            .unwrap_or(Some(Self::DEFAULT_IDLE_TIMEOUT))
    }

    /// Sets one setting from its name and text; `Ok(false)` for a name that is not a pool
    /// setting.
    fn set(&mut self, name: &str, value: &str) -> Result<bool, String> {
        let count = |value: &str| {
            value
                .parse::<u32>()
                .map_err(|_| format!("{name}={value} must be a whole number"))
        };
        match name {
            "max_connections" => {
                let max = count(value)?;
                if max == 0 {
                    return Err("max_connections must be at least 1".into());
                }
                self.max_connections = Some(max);
            }
            "min_connections" => self.min_connections = Some(count(value)?),
            "acquire_timeout" => self.acquire_timeout = Some(seconds(name, value)?),
            "idle_timeout" => {
                let idle = seconds(name, value)?;
                self.idle_timeout = Some((!idle.is_zero()).then_some(idle));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    pub(super) fn from_section(section: &DatabaseSection) -> Result<PoolSettings, String> {
        let mut settings = PoolSettings::default();
        let numbers = [
            ("max_connections", section.max_connections.map(f64::from)),
            ("min_connections", section.min_connections.map(f64::from)),
            ("acquire_timeout", section.acquire_timeout),
            ("idle_timeout", section.idle_timeout),
        ];
        for (name, value) in numbers {
            if let Some(value) = value {
                settings.set(name, &value.to_string())?;
            }
        }
        Ok(settings)
    }
}

/// A duration given in seconds (`5`, `0.5`).
fn seconds(name: &str, value: &str) -> Result<std::time::Duration, String> {
    value
        .parse::<f64>()
        .ok()
        .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("{name}={value} must be a number of seconds"))
}

/// A parsed database URL: the backend, the URL to hand to the driver (without ving's own
/// parameters) and ving's `?log=yes` flag.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    backend: Backend,
    url: String,
    log: bool,
    pool: PoolSettings,
    source: String,
}

impl DatabaseUrl {
    /// Parses a URL given directly (by a test or an embedding app).
    pub fn parse(url: &str) -> Result<DatabaseUrl, ConfigError> {
        DatabaseUrl::parse_from(url, "the caller")
    }

    pub(super) fn parse_from(url: &str, source: &str) -> Result<DatabaseUrl, ConfigError> {
        let fail = |message: String| ConfigError::DatabaseUrl {
            url: redact(url),
            source_name: source.to_owned(),
            message,
        };
        let scheme = url
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let backend = match scheme.as_str() {
            "mysql" | "mariadb" => Backend::MySql,
            "postgres" | "postgresql" => Backend::Postgres,
            "sqlite" => Backend::Sqlite,
            _ => {
                return Err(fail(
                    "the scheme must be mysql://, mariadb://, postgres:// or sqlite://".into(),
                ))
            }
        };
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut log = false;
        let mut pool = PoolSettings::default();
        let mut kept: Vec<String> = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("log", value)) => {
                    log = match value {
                        "yes" | "true" | "1" => true,
                        "no" | "false" | "0" => false,
                        other => return Err(fail(format!("log={other} must be yes or no"))),
                    }
                }
                Some((name @ ("sslmode" | "ssl-mode"), value)) if backend != Backend::Sqlite => {
                    let decoded = url::form_urlencoded::parse(value.as_bytes())
                        .next()
                        .map(|(k, _)| k.into_owned())
                        .unwrap_or_default();
                    let mode = ssl_mode_for(backend, &decoded)
                        .map_err(|message| fail(format!("{name}: {message}")))?;
                    kept.push(format!(
                        "{}={mode}",
                        if backend == Backend::MySql {
                            "ssl-mode"
                        } else {
                            "sslmode"
                        }
                    ));
                }
                Some((name @ ("timezone" | "time-zone"), _)) if backend == Backend::MySql => {
                    return Err(fail(format!(
                        "{name}: ving keeps every date in UTC (each connection's time zone is +00:00); another one would shift every date read and written"
                    )));
                }
                Some((name @ ("charset" | "collation"), value))
                    if backend == Backend::MySql
                        && !value.to_ascii_lowercase().starts_with("utf8mb4") =>
                {
                    return Err(fail(format!(
                        "{name}={value}: ving needs utf8mb4 (another character set stores the characters it cannot hold as `?`)"
                    )));
                }
                Some((name, value)) => {
                    if !pool.set(name, value).map_err(&fail)? {
                        kept.push(pair.to_owned());
                    }
                }
                None => kept.push(pair.to_owned()),
            }
        }
        let known = match backend {
            Backend::MySql => MYSQL_PARAMETERS,
            Backend::Postgres => POSTGRES_PARAMETERS,
            Backend::Sqlite => SQLITE_PARAMETERS,
        };
        for pair in &kept {
            let name = pair.split_once('=').map_or(pair.as_str(), |(name, _)| name);
            if !known.contains(&name) {
                return Err(fail(format!(
                    "unknown parameter {name:?}: ving's are {}; the driver's for this database are {}",
                    VING_PARAMETERS.join(", "),
                    known.join(", ")
                )));
            }
        }
        let mut clean = base.to_owned();
        if !kept.is_empty() {
            clean.push('?');
            clean.push_str(&kept.join("&"));
        }
        if backend != Backend::Sqlite {
            let parsed = url::Url::parse(&clean).map_err(|e| fail(e.to_string()))?;
            if parsed.host_str().is_none_or(str::is_empty) {
                return Err(fail("the URL names no host".into()));
            }
            let dbname_given = kept.iter().any(|pair| pair.starts_with("dbname="));
            if parsed.path().trim_start_matches('/').is_empty() && !dbname_given {
                return Err(fail(
                    "the URL names no database: add it after the host (…/app)".into(),
                ));
            }
        } else if clean
            .trim_start_matches("sqlite:")
            .trim_start_matches("//")
            .is_empty()
        {
            return Err(fail("the URL names no database file".into()));
        }
        Ok(DatabaseUrl {
            backend,
            url: clean,
            log,
            pool,
            source: source.to_owned(),
        })
    }

    /// The pool settings the URL gives (`?max_connections=…`); [`Config::database_url`]
    /// fills the rest from `ving.toml`.
    pub fn pool(&self) -> PoolSettings {
        self.pool
    }

    /// The same URL with `fallback` filling the pool settings it does not give.
    pub fn with_pool_fallback(mut self, fallback: PoolSettings) -> DatabaseUrl {
        self.pool = self.pool.or(fallback);
        self
    }

    /// The same URL with TLS `mode` and certificate authority `ca` where it does not
    /// give its own (`sslmode`/`sslrootcert` on PostgreSQL, `ssl-mode`/`ssl-ca` on
    /// MySQL/MariaDB); SQLite has no TLS and is returned as it is.
    pub fn with_tls(
        mut self,
        mode: Option<&str>,
        ca: Option<&Path>,
    ) -> Result<DatabaseUrl, String> {
        let (mode_name, ca_name) = match self.backend {
            Backend::Sqlite => return Ok(self),
            Backend::MySql => ("ssl-mode", "ssl-ca"),
            Backend::Postgres => ("sslmode", "sslrootcert"),
        };
        let mut parsed = url::Url::parse(&self.url).map_err(|e| e.to_string())?;
        let given: Vec<String> = parsed.query_pairs().map(|(k, _)| k.into_owned()).collect();
        let has = |names: &[&str]| given.iter().any(|k| names.contains(&k.as_str()));
        let mut added = Vec::new();
        if let Some(mode) = mode {
            if !has(&["sslmode", "ssl-mode"]) {
                added.push((mode_name, ssl_mode_for(self.backend, mode)?.to_owned()));
            }
        }
        if let Some(ca) = ca {
            if !has(&["sslrootcert", "sslca", "ssl-ca"]) {
                added.push((ca_name, ca.display().to_string()));
            }
        }
        if !added.is_empty() {
            parsed.query_pairs_mut().extend_pairs(added);
            self.url = parsed.to_string();
        }
        Ok(self)
    }

    /// Where the URL came from (`VING_DATABASE_URL`, `ving.toml [database] url`, `the
    /// caller` …), for messages.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Which database family the URL is for.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL for the driver, without ving's own parameters. It may hold a password:
    /// display the `DatabaseUrl` itself to show it to people.
    pub fn driver_url(&self) -> &str {
        &self.url
    }

    /// The file of a file-backed SQLite database, relative paths taken from `root` (as
    /// [`crate::db::Db::connect`] takes them); `None` for an in-memory database or
    /// another backend.
    pub fn sqlite_file(&self, root: &Path) -> Option<PathBuf> {
        if self.backend != Backend::Sqlite
            || self.url.contains(":memory:")
            || self.url.contains("mode=memory")
        {
            return None;
        }
        let path = self
            .url
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:");
        let path = Path::new(path.split('?').next().unwrap_or_default());
        Some(if path.is_relative() {
            root.join(path)
        } else {
            path.to_path_buf()
        })
    }

    /// Whether `?log=yes` asked for every query to be logged.
    pub fn log(&self) -> bool {
        self.log
    }
}

impl fmt::Display for DatabaseUrl {
    /// The URL with any password replaced by `***`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.url))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseUrl")
            .field("backend", &self.backend)
            .field("url", &redact(&self.url))
            .field("log", &self.log)
            .field("pool", &self.pool)
            .finish()
    }
}

/// The URL with its password (if any) replaced by `***`, in its user part or as a query
/// parameter (`?password=…`, `sslpassword=…`). Works on text, so that even a URL too
/// broken to parse never shows its password in an error.
fn redact(url: &str) -> String {
    let url = redact_authority(url);
    let Some(query_start) = url.find('?') else {
        return url;
    };
    let (head, query) = url.split_at(query_start + 1);
    let (query, fragment) = query.split_at(query.find('#').unwrap_or(query.len()));
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.to_ascii_lowercase().contains("password") => {
                format!("{key}=***")
            }
            _ => pair.to_owned(),
        })
        .collect();
    format!("{head}{}{fragment}", pairs.join("&"))
}

/// [`redact`] of the user part: everything between the user's `:` and the URL's last
/// `@`, since a password not percent-encoded may hold `/`, `?`, `#` or `@` itself (a URL
/// whose query holds an `@` loses more than its password from view, never less).
fn redact_authority(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let Some(at) = rest.rfind('@') else {
        return url.to_owned();
    };
    match rest[..at].find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end],
            &rest[..colon],
            &rest[at..]
        ),
        None => url.to_owned(),
    }
}
