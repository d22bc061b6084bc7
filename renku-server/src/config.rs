//! Server configuration: a YAML file, then `RENKU_SERVER_*` environment variables, then
//! command-line flags, each overriding the one before.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Errors reading the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The configuration file is not valid YAML of the expected shape.
    #[error("invalid configuration file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// A value (from the file or the environment) is not acceptable.
    #[error("invalid configuration value for {key}: {message}")]
    Invalid {
        /// The setting.
        key: String,
        /// Why it was refused.
        message: String,
    },
}

/// Everything the server needs to run.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Directory holding the server's state (SQLite file, repositories, LFS objects).
    pub data_dir: PathBuf,
    /// Address to listen on.
    pub bind: SocketAddr,
    /// The URL users reach the server at (used in clone URLs and links). Defaults to
    /// `http://<bind>`.
    pub public_url: Option<String>,
    /// The identity provider whose tokens are accepted; `None` = anonymous access only.
    pub oidc: Option<OidcConfig>,
    /// The `git` executable that provides `http-backend`.
    pub git: PathBuf,
    /// Serve HTTPS with this certificate chain and key (PEM files).
    pub tls: Option<TlsConfig>,
    /// Forward requests under `/auth/` to this URL's `/auth/` (the identity provider), for
    /// clients that expect Keycloak under the platform's own host, as renku-python does.
    pub auth_proxy: Option<String>,
    /// Knowledge graph and SPARQL settings.
    pub kg: KgConfig,
}

/// Knowledge graph, indexing and SPARQL settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KgConfig {
    /// The indexer looks for queued jobs this often even when nothing woke it (seconds).
    pub index_poll_seconds: u64,
    /// How often a job that failed for a passing reason (I/O, the database) is tried again.
    pub index_retries: u64,
    /// Seconds before the first retry; each further retry waits twice as long.
    pub index_retry_seconds: u64,
    /// A SPARQL query is stopped after this many seconds.
    pub sparql_timeout_seconds: u64,
    /// A SPARQL answer holds at most this many solutions or triples.
    pub sparql_max_results: usize,
}

impl Default for KgConfig {
    fn default() -> Self {
        KgConfig {
            index_poll_seconds: 5,
            index_retries: 3,
            index_retry_seconds: 10,
            sparql_timeout_seconds: 10,
            sparql_max_results: 10_000,
        }
    }
}

/// Certificate and key for HTTPS.
#[derive(Debug, Clone)]
pub struct TlsConfig {
    /// PEM file with the certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM file with the private key.
    pub key: PathBuf,
}

/// How access tokens are validated.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// Issuer URL (the `iss` claim; discovery at `<issuer>/.well-known/openid-configuration`).
    pub issuer: String,
    /// Accepted audiences (`aud` must contain one of them).
    pub audiences: Vec<String>,
    /// The public client CLIs log in with (device authorization grant).
    pub cli_client_id: String,
    /// Dotted path of the claim that lists the caller's roles.
    pub admin_claim: String,
    /// The role in that claim that makes a caller an administrator.
    pub admin_role: String,
    /// Seconds of clock skew tolerated for `exp` and `nbf`.
    pub leeway_seconds: u64,
}

/// The file's shape (every field optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    bind: Option<String>,
    public_url: Option<String>,
    git: Option<PathBuf>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    auth_proxy: Option<String>,
    oidc: Option<FileOidc>,
    kg: Option<FileKg>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileKg {
    index_poll_seconds: Option<u64>,
    index_retries: Option<u64>,
    index_retry_seconds: Option<u64>,
    sparql_timeout_seconds: Option<u64>,
    sparql_max_results: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOidc {
    issuer: Option<String>,
    audiences: Option<Vec<String>>,
    cli_client_id: Option<String>,
    admin_claim: Option<String>,
    admin_role: Option<String>,
    leeway_seconds: Option<u64>,
}

/// Values given on the command line.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `--bind`.
    pub bind: Option<String>,
    /// `--config`.
    pub config_file: Option<PathBuf>,
}

/// Default listening address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// Default audience of access tokens (Keycloak's `renku` client).
pub const DEFAULT_AUDIENCE: &str = "renku";
/// Default public client of CLIs.
pub const DEFAULT_CLI_CLIENT: &str = "renku-cli";
/// Default claim path for roles (Keycloak's realm roles).
pub const DEFAULT_ADMIN_CLAIM: &str = "realm_access.roles";
/// Default administrator role.
pub const DEFAULT_ADMIN_ROLE: &str = "renku-admin";

impl ServerConfig {
    /// Builds the configuration from the optional file, the process environment and the
    /// command-line overrides.
    pub fn load(overrides: &Overrides) -> Result<Self, ConfigError> {
        Self::load_with_env(overrides, |key| std::env::var(key).ok())
    }

    /// As [`ServerConfig::load`], with the environment given as a lookup function.
    pub fn load_with_env(
        overrides: &Overrides,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let file_path = overrides
            .config_file
            .clone()
            .or_else(|| env("RENKU_SERVER_CONFIG").map(PathBuf::from));
        let file = match &file_path {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let file_oidc = file.oidc.unwrap_or_default();

        let data_dir = overrides
            .data_dir
            .clone()
            .or_else(|| env("RENKU_SERVER_DATA_DIR").map(PathBuf::from))
            .or(file.data_dir)
            .ok_or_else(|| ConfigError::Invalid {
                key: "data_dir".into(),
                message: "no data directory given (--data-dir, RENKU_SERVER_DATA_DIR or `data_dir:` in the configuration file)".into(),
            })?;
        let bind_text = overrides
            .bind
            .clone()
            .or_else(|| env("RENKU_SERVER_BIND"))
            .or(file.bind)
            .unwrap_or_else(|| DEFAULT_BIND.to_string());
        let bind: SocketAddr = bind_text.parse().map_err(|_| ConfigError::Invalid {
            key: "bind".into(),
            message: format!(
                "'{bind_text}' is not an address of the form HOST:PORT (e.g. 127.0.0.1:8080)"
            ),
        })?;
        let public_url = env("RENKU_SERVER_PUBLIC_URL")
            .or(file.public_url)
            .map(|url| url.trim_end_matches('/').to_string());
        if let Some(url) = &public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::Invalid {
                key: "public_url".into(),
                message: format!("'{url}' must start with http:// or https://"),
            });
        }
        let git = env("RENKU_SERVER_GIT")
            .map(PathBuf::from)
            .or(file.git)
            .unwrap_or_else(|| PathBuf::from("git"));
        let tls_cert = env("RENKU_SERVER_TLS_CERT")
            .map(PathBuf::from)
            .or(file.tls_cert);
        let tls_key = env("RENKU_SERVER_TLS_KEY")
            .map(PathBuf::from)
            .or(file.tls_key);
        let tls = match (tls_cert, tls_key) {
            (Some(cert), Some(key)) => Some(TlsConfig { cert, key }),
            (None, None) => None,
            _ => {
                return Err(ConfigError::Invalid {
                    key: "tls_cert/tls_key".into(),
                    message: "give both the certificate and the key, or neither".into(),
                });
            }
        };
        let auth_proxy = env("RENKU_SERVER_AUTH_PROXY")
            .or(file.auth_proxy)
            .map(|url| url.trim_end_matches('/').to_string());
        if let Some(url) = &auth_proxy
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::Invalid {
                key: "auth_proxy".into(),
                message: format!("'{url}' must be an http(s) URL"),
            });
        }

        let issuer = env("RENKU_SERVER_OIDC_ISSUER").or(file_oidc.issuer);
        let oidc = match issuer {
            None => None,
            Some(issuer) => {
                let issuer = issuer.trim_end_matches('/').to_string();
                if !(issuer.starts_with("http://") || issuer.starts_with("https://")) {
                    return Err(ConfigError::Invalid {
                        key: "oidc.issuer".into(),
                        message: format!("'{issuer}' must be an http(s) URL"),
                    });
                }
                let audiences = env("RENKU_SERVER_OIDC_AUDIENCES")
                    .map(|list| {
                        list.split(',')
                            .map(|a| a.trim().to_string())
                            .filter(|a| !a.is_empty())
                            .collect::<Vec<_>>()
                    })
                    .or(file_oidc.audiences)
                    .unwrap_or_else(|| vec![DEFAULT_AUDIENCE.to_string()]);
                if audiences.is_empty() {
                    return Err(ConfigError::Invalid {
                        key: "oidc.audiences".into(),
                        message: "at least one audience is needed".into(),
                    });
                }
                let leeway_seconds = match env("RENKU_SERVER_OIDC_LEEWAY_SECONDS") {
                    Some(text) => text.parse().map_err(|_| ConfigError::Invalid {
                        key: "oidc.leeway_seconds".into(),
                        message: format!("'{text}' is not a number of seconds"),
                    })?,
                    None => file_oidc.leeway_seconds.unwrap_or(30),
                };
                Some(OidcConfig {
                    issuer,
                    audiences,
                    cli_client_id: env("RENKU_SERVER_OIDC_CLI_CLIENT_ID")
                        .or(file_oidc.cli_client_id)
                        .unwrap_or_else(|| DEFAULT_CLI_CLIENT.to_string()),
                    admin_claim: env("RENKU_SERVER_OIDC_ADMIN_CLAIM")
                        .or(file_oidc.admin_claim)
                        .unwrap_or_else(|| DEFAULT_ADMIN_CLAIM.to_string()),
                    admin_role: env("RENKU_SERVER_OIDC_ADMIN_ROLE")
                        .or(file_oidc.admin_role)
                        .unwrap_or_else(|| DEFAULT_ADMIN_ROLE.to_string()),
                    leeway_seconds,
                })
            }
        };
        let file_kg = file.kg.unwrap_or_default();
        let defaults = KgConfig::default();
        let number = |key: &str, env_key: &str, from_file: Option<u64>, default: u64| {
            let value = match env(env_key) {
                Some(text) => text
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| ConfigError::Invalid {
                        key: key.into(),
                        message: format!("'{text}' is not a positive number"),
                    })?,
                None => from_file.unwrap_or(default),
            };
            if value == 0 {
                return Err(ConfigError::Invalid {
                    key: key.into(),
                    message: "must be at least 1".into(),
                });
            }
            Ok(value)
        };
        let kg = KgConfig {
            index_poll_seconds: number(
                "kg.index_poll_seconds",
                "RENKU_SERVER_KG_INDEX_POLL_SECONDS",
                file_kg.index_poll_seconds,
                defaults.index_poll_seconds,
            )?,
            index_retries: number(
                "kg.index_retries",
                "RENKU_SERVER_KG_INDEX_RETRIES",
                file_kg.index_retries,
                defaults.index_retries,
            )?,
            index_retry_seconds: number(
                "kg.index_retry_seconds",
                "RENKU_SERVER_KG_INDEX_RETRY_SECONDS",
                file_kg.index_retry_seconds,
                defaults.index_retry_seconds,
            )?,
            sparql_timeout_seconds: number(
                "kg.sparql_timeout_seconds",
                "RENKU_SERVER_KG_SPARQL_TIMEOUT_SECONDS",
                file_kg.sparql_timeout_seconds,
                defaults.sparql_timeout_seconds,
            )?,
            sparql_max_results: number(
                "kg.sparql_max_results",
                "RENKU_SERVER_KG_SPARQL_MAX_RESULTS",
                file_kg.sparql_max_results.map(|n| n as u64),
                defaults.sparql_max_results as u64,
            )? as usize,
        };
        Ok(ServerConfig {
            data_dir,
            bind,
            public_url,
            oidc,
            git,
            tls,
            auth_proxy,
            kg,
        })
    }

    /// A configuration for `data_dir` with every other setting at its default.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        ServerConfig {
            data_dir: data_dir.into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            oidc: None,
            git: PathBuf::from("git"),
            tls: None,
            auth_proxy: None,
            kg: KgConfig::default(),
        }
    }

    /// The SQLite file of the server state.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("renku-server.sqlite")
    }

    /// The directory of bare repositories.
    pub fn repositories_dir(&self) -> PathBuf {
        self.data_dir.join("repositories")
    }

    /// The directory of Git LFS objects.
    pub fn lfs_dir(&self) -> PathBuf {
        self.data_dir.join("lfs")
    }

    /// The URL the server is reached at, without a trailing slash: `public_url`, else
    /// `http(s)://<bind>`.
    pub fn effective_public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.clone(),
            None => {
                let scheme = if self.tls.is_some() { "https" } else { "http" };
                format!("{scheme}://{}", self.bind)
            }
        }
    }

    /// The directory of persisted knowledge-graph graphs.
    pub fn graphs_dir(&self) -> PathBuf {
        self.data_dir.join("graphs")
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if text.trim().is_empty() {
        return Ok(FileConfig::default());
    }
    serde_saphyr::from_str(&text).map_err(|error| ConfigError::Parse {
        path: path.to_path_buf(),
        message: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |key| map.get(key).cloned()
    }

    #[test]
    fn file_then_environment_then_flags() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("server.yaml");
        std::fs::write(
            &file,
            "data_dir: /from/file\nbind: 127.0.0.1:9000\noidc:\n  issuer: http://idp/realms/x/\n  audiences: [renku, renku-cli]\n",
        )
        .expect("write");
        let overrides = Overrides {
            config_file: Some(file.clone()),
            ..Overrides::default()
        };
        let config = ServerConfig::load_with_env(&overrides, env_of(&[])).expect("config");
        assert_eq!(config.data_dir, PathBuf::from("/from/file"));
        assert_eq!(config.bind.port(), 9000);
        let oidc = config.oidc.expect("oidc");
        assert_eq!(oidc.issuer, "http://idp/realms/x");
        assert_eq!(oidc.audiences, vec!["renku", "renku-cli"]);
        assert_eq!(oidc.admin_claim, "realm_access.roles");

        let config = ServerConfig::load_with_env(
            &overrides,
            env_of(&[
                ("RENKU_SERVER_DATA_DIR", "/from/env"),
                ("RENKU_SERVER_OIDC_ADMIN_ROLE", "boss"),
            ]),
        )
        .expect("config");
        assert_eq!(config.data_dir, PathBuf::from("/from/env"));
        assert_eq!(config.oidc.expect("oidc").admin_role, "boss");

        let flags = Overrides {
            data_dir: Some(PathBuf::from("/from/flag")),
            bind: Some("0.0.0.0:1".into()),
            config_file: Some(file),
        };
        let config =
            ServerConfig::load_with_env(&flags, env_of(&[("RENKU_SERVER_DATA_DIR", "/from/env")]))
                .expect("config");
        assert_eq!(config.data_dir, PathBuf::from("/from/flag"));
        assert_eq!(config.bind.port(), 1);
    }

    #[test]
    fn bad_values_are_refused_with_their_key() {
        let overrides = Overrides {
            data_dir: Some(PathBuf::from("/d")),
            bind: Some("nonsense".into()),
            config_file: None,
        };
        let error = ServerConfig::load_with_env(&overrides, env_of(&[])).expect_err("bad bind");
        assert!(error.to_string().contains("bind"), "{error}");

        let error =
            ServerConfig::load_with_env(&Overrides::default(), env_of(&[])).expect_err("no dir");
        assert!(error.to_string().contains("data directory"), "{error}");

        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("bad.yaml");
        std::fs::write(&file, "data_dir: [1, 2\n").expect("write");
        let error = ServerConfig::load_with_env(
            &Overrides {
                config_file: Some(file.clone()),
                ..Overrides::default()
            },
            env_of(&[]),
        )
        .expect_err("bad yaml");
        assert!(matches!(error, ConfigError::Parse { .. }), "{error}");

        std::fs::write(&file, "data_dir: /x\nunknown_key: 1\n").expect("write");
        let error = ServerConfig::load_with_env(
            &Overrides {
                config_file: Some(file),
                ..Overrides::default()
            },
            env_of(&[]),
        )
        .expect_err("unknown key");
        assert!(error.to_string().contains("unknown_key"), "{error}");

        let error = ServerConfig::load_with_env(
            &Overrides {
                data_dir: Some("/d".into()),
                ..Overrides::default()
            },
            env_of(&[("RENKU_SERVER_TLS_CERT", "/cert.pem")]),
        )
        .expect_err("cert without key");
        assert!(error.to_string().contains("tls_cert"), "{error}");

        let error = ServerConfig::load_with_env(
            &Overrides {
                data_dir: Some("/d".into()),
                ..Overrides::default()
            },
            env_of(&[("RENKU_SERVER_OIDC_ISSUER", "idp.example")]),
        )
        .expect_err("bad issuer");
        assert!(error.to_string().contains("oidc.issuer"), "{error}");
    }
}
