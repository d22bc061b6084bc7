//! The OAuth 2.0 device authorization grant (RFC 8628).
//!
//! 1. [`request_authorization`]: `POST` the client id to the device authorization endpoint;
//!    the answer has a user code and the page where the user approves it.
//! 2. The caller shows that page (and may open a browser).
//! 3. [`poll_for_token`]: `POST` the device code to the token endpoint every `interval`
//!    seconds until it answers with a token. `authorization_pending` means "ask again",
//!    `slow_down` adds 5 s to the interval, `access_denied` and `expired_token` end the
//!    login, and so does the code's lifetime (`expires_in`) running out.
//!
//! The polling rules live in [`Poller`], a state machine without I/O; the interval can be
//! overridden with `RENKU_LOGIN_POLL_INTERVAL` (seconds) for tests.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::auth_config::AuthConfig;
use super::http::{Answer, Http};
use super::{PlatformError, Result};

/// The grant type of the token requests.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Environment variable overriding the polling interval, in seconds (fractions allowed).
pub const POLL_INTERVAL_ENV: &str = "RENKU_LOGIN_POLL_INTERVAL";
/// The interval RFC 8628 prescribes when the server names none.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// What `slow_down` adds to the interval.
pub const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);
/// The lifetime assumed for a device code whose answer names none.
pub const DEFAULT_EXPIRES_IN: u64 = 600;

/// The device authorization endpoint's answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct DeviceAuthorization {
    /// The code the token requests carry (secret).
    pub device_code: String,
    /// The code the user confirms in the browser.
    pub user_code: String,
    /// The page where the user enters the code.
    #[serde(alias = "verification_url")]
    pub verification_uri: String,
    /// The page with the code filled in, when the server offers one.
    #[serde(default)]
    pub verification_uri_complete: Option<String>,
    /// Lifetime of the codes, in seconds.
    #[serde(default = "default_expires_in")]
    pub expires_in: u64,
    /// The minimum time between token requests, in seconds.
    #[serde(default)]
    pub interval: Option<u64>,
}

fn default_expires_in() -> u64 {
    DEFAULT_EXPIRES_IN
}

impl DeviceAuthorization {
    /// The page to send the user to: `verification_uri_complete`, else
    /// `verification_uri?user_code=<code>`.
    pub fn verification_url(&self) -> String {
        if let Some(complete) = self
            .verification_uri_complete
            .as_deref()
            .filter(|c| !c.trim().is_empty())
        {
            return complete.to_string();
        }
        match reqwest::Url::parse(&self.verification_uri) {
            Ok(mut url) => {
                url.query_pairs_mut()
                    .append_pair("user_code", &self.user_code);
                url.to_string()
            }
            Err(_) => format!("{}?user_code={}", self.verification_uri, self.user_code),
        }
    }
}

/// A successful token response.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct TokenResponse {
    /// The access token (a JWT on Renku deployments).
    pub access_token: String,
    /// Usually `Bearer`.
    #[serde(default)]
    pub token_type: Option<String>,
    /// Lifetime of the access token, in seconds.
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// A refresh token, when the server issues one.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// The granted scopes.
    #[serde(default)]
    pub scope: Option<String>,
}

/// Options of the polling loop.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollOptions {
    /// Poll this often instead of the server's `interval` (tests).
    pub interval: Option<Duration>,
}

impl PollOptions {
    /// The options from the environment: `RENKU_LOGIN_POLL_INTERVAL` seconds, if set to a
    /// positive number.
    pub fn from_env() -> PollOptions {
        let interval = std::env::var(POLL_INTERVAL_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s > 0.0 && *s < 3600.0)
            .map(Duration::from_secs_f64);
        PollOptions { interval }
    }
}

/// What one token request answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollAnswer {
    /// The token: the user approved.
    Token(TokenResponse),
    /// `authorization_pending`: not approved yet.
    Pending,
    /// `slow_down`: polling too fast.
    SlowDown,
    /// `access_denied`, with the server's description.
    Denied(Option<String>),
    /// `expired_token`.
    Expired,
    /// Any other OAuth error.
    Error {
        /// The `error` code.
        error: String,
        /// The `error_description`.
        description: Option<String>,
    },
}

/// What to do after an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Wait this long, then ask again.
    Wait(Duration),
    /// Finished: the token.
    Done(TokenResponse),
}

/// The polling rules of RFC 8628 §3.5, without I/O or clocks of its own.
#[derive(Debug, Clone)]
pub struct Poller {
    interval: Duration,
    deadline: Instant,
    expires_in: u64,
    token_url: String,
}

impl Poller {
    /// Starts polling for `auth` at time `now`.
    pub fn new(
        auth: &DeviceAuthorization,
        options: &PollOptions,
        token_url: &str,
        now: Instant,
    ) -> Poller {
        let interval = options.interval.unwrap_or_else(|| {
            auth.interval
                .filter(|i| *i > 0)
                .map(Duration::from_secs)
                .unwrap_or(DEFAULT_INTERVAL)
        });
        Poller {
            interval,
            deadline: now + Duration::from_secs(auth.expires_in),
            expires_in: auth.expires_in,
            token_url: token_url.to_string(),
        }
    }

    /// The current interval between token requests.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// When the device code runs out.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the device code ran out at `now`.
    pub fn expired(&self, now: Instant) -> bool {
        now >= self.deadline
    }

    /// The next step after `answer` arrived at `now`.
    pub fn on_answer(&mut self, answer: PollAnswer, now: Instant) -> Result<Step> {
        match answer {
            PollAnswer::Token(token) => Ok(Step::Done(token)),
            PollAnswer::Pending | PollAnswer::SlowDown if self.expired(now) => {
                Err(PlatformError::Expired {
                    expires_in: self.expires_in,
                })
            }
            PollAnswer::Pending => Ok(Step::Wait(self.interval)),
            PollAnswer::SlowDown => {
                self.interval += SLOW_DOWN_STEP;
                tracing::debug!(interval = ?self.interval, "slow_down: polling less often");
                Ok(Step::Wait(self.interval))
            }
            PollAnswer::Denied(description) => Err(PlatformError::AccessDenied { description }),
            PollAnswer::Expired => Err(PlatformError::Expired {
                expires_in: self.expires_in,
            }),
            PollAnswer::Error { error, description } => Err(PlatformError::OAuth {
                url: self.token_url.clone(),
                error,
                description,
            }),
        }
    }
}

#[derive(Debug, Deserialize)]
struct OAuthError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// Reads a token endpoint answer.
pub(crate) fn classify(answer: &Answer) -> Result<PollAnswer> {
    if answer.status == 200 {
        let token: TokenResponse = answer.json()?;
        if token.access_token.trim().is_empty() {
            return Err(PlatformError::InvalidResponse {
                url: answer.url.clone(),
                detail: "the access token is empty".into(),
            });
        }
        return Ok(PollAnswer::Token(token));
    }
    if (400..500).contains(&answer.status)
        && let Ok(err) = serde_json::from_slice::<OAuthError>(&answer.body)
    {
        return Ok(match err.error.as_str() {
            "authorization_pending" => PollAnswer::Pending,
            "slow_down" => PollAnswer::SlowDown,
            "access_denied" => PollAnswer::Denied(err.error_description),
            "expired_token" => PollAnswer::Expired,
            _ => PollAnswer::Error {
                error: err.error,
                description: err.error_description,
            },
        });
    }
    Err(answer.status_error())
}

/// Step 1: asks the device authorization endpoint of `config` for a user code.
pub fn request_authorization(config: &AuthConfig) -> Result<DeviceAuthorization> {
    request_authorization_with(&Http::from_env()?, config)
}

pub(crate) fn request_authorization_with(
    http: &Http,
    config: &AuthConfig,
) -> Result<DeviceAuthorization> {
    let url = &config.device_authorization_endpoint;
    let answer = http.post_form(url, &[("client_id", config.client_id.as_str())])?;
    if answer.status == 200 {
        let auth: DeviceAuthorization = answer.json()?;
        if auth.device_code.is_empty() || auth.user_code.is_empty() {
            return Err(PlatformError::InvalidResponse {
                url: url.clone(),
                detail: "the device or user code is empty".into(),
            });
        }
        return Ok(auth);
    }
    if (400..500).contains(&answer.status)
        && let Ok(err) = serde_json::from_slice::<OAuthError>(&answer.body)
    {
        return Err(PlatformError::OAuth {
            url: url.clone(),
            error: err.error,
            description: err.error_description,
        });
    }
    Err(answer.status_error())
}

/// Step 3: polls the token endpoint of `config` until `auth` is approved, denied or runs
/// out. `sleep` waits (the real one is [`interruptible_sleep`]).
pub fn poll_for_token(
    config: &AuthConfig,
    auth: &DeviceAuthorization,
    options: &PollOptions,
    sleep: &mut dyn FnMut(Duration) -> Result<()>,
) -> Result<TokenResponse> {
    poll_for_token_with(&Http::from_env()?, config, auth, options, sleep)
}

pub(crate) fn poll_for_token_with(
    http: &Http,
    config: &AuthConfig,
    auth: &DeviceAuthorization,
    options: &PollOptions,
    sleep: &mut dyn FnMut(Duration) -> Result<()>,
) -> Result<TokenResponse> {
    let url = &config.token_endpoint;
    let mut poller = Poller::new(auth, options, url, Instant::now());
    let mut wait = poller.interval();
    loop {
        sleep(wait)?;
        let answer = http.post_form(
            url,
            &[
                ("grant_type", DEVICE_CODE_GRANT),
                ("device_code", auth.device_code.as_str()),
                ("client_id", config.client_id.as_str()),
            ],
        )?;
        match poller.on_answer(classify(&answer)?, Instant::now())? {
            Step::Done(token) => return Ok(token),
            Step::Wait(next) => wait = next,
        }
    }
}

/// Sleeps for `duration`, returning early with [`PlatformError::Interrupted`] when Ctrl-C
/// was pressed.
pub fn interruptible_sleep(duration: Duration) -> Result<()> {
    let end = Instant::now() + duration;
    loop {
        if crate::interrupt::is_requested() {
            return Err(PlatformError::Interrupted);
        }
        let now = Instant::now();
        if now >= end {
            return Ok(());
        }
        std::thread::sleep((end - now).min(Duration::from_millis(100)));
    }
}

/// The whole grant: asks for a code, hands it to `on_verification` (which shows it), polls
/// until approved and returns the token.
pub fn run(
    config: &AuthConfig,
    options: &PollOptions,
    on_verification: &mut dyn FnMut(&DeviceAuthorization),
) -> Result<TokenResponse> {
    let http = Http::from_env()?;
    let auth = request_authorization_with(&http, config)?;
    on_verification(&auth);
    poll_for_token_with(&http, config, &auth, options, &mut interruptible_sleep)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(interval: Option<u64>, expires_in: u64) -> DeviceAuthorization {
        DeviceAuthorization {
            device_code: "dc".into(),
            user_code: "ABCD-EFGH".into(),
            verification_uri: "https://id.example.org/device".into(),
            verification_uri_complete: None,
            expires_in,
            interval,
        }
    }

    fn token() -> TokenResponse {
        TokenResponse {
            access_token: "t".into(),
            token_type: Some("Bearer".into()),
            expires_in: Some(60),
            refresh_token: None,
            scope: None,
        }
    }

    #[test]
    fn verification_url_falls_back_to_the_user_code_query() {
        let mut a = auth(None, 600);
        assert_eq!(
            a.verification_url(),
            "https://id.example.org/device?user_code=ABCD-EFGH"
        );
        a.verification_uri = "https://id.example.org/device?lang=en".into();
        assert_eq!(
            a.verification_url(),
            "https://id.example.org/device?lang=en&user_code=ABCD-EFGH"
        );
        a.verification_uri_complete = Some("https://id.example.org/d?c=1".into());
        assert_eq!(a.verification_url(), "https://id.example.org/d?c=1");
    }

    #[test]
    fn interval_comes_from_the_server_the_override_or_the_default() {
        let now = Instant::now();
        let p = Poller::new(&auth(Some(7), 600), &PollOptions::default(), "u", now);
        assert_eq!(p.interval(), Duration::from_secs(7));
        let p = Poller::new(&auth(None, 600), &PollOptions::default(), "u", now);
        assert_eq!(p.interval(), DEFAULT_INTERVAL);
        let fast = PollOptions {
            interval: Some(Duration::from_millis(50)),
        };
        let p = Poller::new(&auth(Some(7), 600), &fast, "u", now);
        assert_eq!(p.interval(), Duration::from_millis(50));
    }

    #[test]
    fn pending_waits_and_slow_down_adds_five_seconds_each_time() {
        let now = Instant::now();
        let mut p = Poller::new(&auth(Some(2), 600), &PollOptions::default(), "u", now);
        assert_eq!(
            p.on_answer(PollAnswer::Pending, now).unwrap(),
            Step::Wait(Duration::from_secs(2))
        );
        assert_eq!(
            p.on_answer(PollAnswer::SlowDown, now).unwrap(),
            Step::Wait(Duration::from_secs(7))
        );
        assert_eq!(
            p.on_answer(PollAnswer::SlowDown, now).unwrap(),
            Step::Wait(Duration::from_secs(12))
        );
        // The slower pace stays.
        assert_eq!(
            p.on_answer(PollAnswer::Pending, now).unwrap(),
            Step::Wait(Duration::from_secs(12))
        );
        assert_eq!(
            p.on_answer(PollAnswer::Token(token()), now).unwrap(),
            Step::Done(token())
        );
    }

    #[test]
    fn the_deadline_ends_pending_polls() {
        let now = Instant::now();
        let mut p = Poller::new(&auth(Some(1), 10), &PollOptions::default(), "u", now);
        assert!(matches!(
            p.on_answer(PollAnswer::Pending, now + Duration::from_secs(9)),
            Ok(Step::Wait(_))
        ));
        assert!(matches!(
            p.on_answer(PollAnswer::Pending, now + Duration::from_secs(10)),
            Err(PlatformError::Expired { expires_in: 10 })
        ));
        assert!(matches!(
            p.on_answer(PollAnswer::SlowDown, now + Duration::from_secs(11)),
            Err(PlatformError::Expired { .. })
        ));
        // A token that arrives late is still a token.
        assert!(matches!(
            p.on_answer(PollAnswer::Token(token()), now + Duration::from_secs(11)),
            Ok(Step::Done(_))
        ));
    }

    #[test]
    fn denial_expiry_and_other_errors_end_the_login() {
        let now = Instant::now();
        let mut p = Poller::new(&auth(None, 600), &PollOptions::default(), "tok", now);
        let denied = p
            .on_answer(PollAnswer::Denied(Some("no".into())), now)
            .unwrap_err();
        assert!(matches!(denied, PlatformError::AccessDenied { .. }));
        assert!(denied.to_string().contains("(no)"), "{denied}");
        assert!(matches!(
            p.on_answer(PollAnswer::Expired, now),
            Err(PlatformError::Expired { .. })
        ));
        let other = p
            .on_answer(
                PollAnswer::Error {
                    error: "invalid_grant".into(),
                    description: None,
                },
                now,
            )
            .unwrap_err();
        assert!(other.to_string().contains("invalid_grant"), "{other}");
        assert!(other.to_string().contains("tok"), "{other}");
    }

    fn answer(status: u16, content_type: &str, body: &str) -> Answer {
        Answer {
            url: "http://x/token".into(),
            status,
            status_text: format!("{status}"),
            content_type: content_type.into(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn token_endpoint_answers_are_classified() {
        let json = "application/json";
        assert_eq!(
            classify(&answer(400, json, r#"{"error":"authorization_pending"}"#)).unwrap(),
            PollAnswer::Pending
        );
        assert_eq!(
            classify(&answer(400, json, r#"{"error":"slow_down"}"#)).unwrap(),
            PollAnswer::SlowDown
        );
        assert_eq!(
            classify(&answer(
                400,
                json,
                r#"{"error":"access_denied","error_description":"d"}"#
            ))
            .unwrap(),
            PollAnswer::Denied(Some("d".into()))
        );
        assert_eq!(
            classify(&answer(400, json, r#"{"error":"expired_token"}"#)).unwrap(),
            PollAnswer::Expired
        );
        assert!(matches!(
            classify(&answer(200, json, r#"{"access_token":"abc","token_type":"Bearer"}"#))
                .unwrap(),
            PollAnswer::Token(t) if t.access_token == "abc"
        ));
        assert!(matches!(
            classify(&answer(200, json, r#"{"access_token":""}"#)),
            Err(PlatformError::InvalidResponse { .. })
        ));
        assert!(matches!(
            classify(&answer(200, json, "{not json")),
            Err(PlatformError::InvalidResponse { .. })
        ));
        assert!(matches!(
            classify(&answer(502, "text/html", "<html>bad gateway</html>")),
            Err(PlatformError::HttpStatus { .. })
        ));
        assert!(matches!(
            classify(&answer(400, "text/html", "<html>?</html>")),
            Err(PlatformError::HttpStatus { .. })
        ));
    }

    /// A token endpoint on a local server that answers `answers` in turn (and records the
    /// forms it got).
    fn token_server(
        answers: Vec<(u16, &'static str)>,
    ) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let port = server.server_addr().to_ip().unwrap().port();
        let forms = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = forms.clone();
        std::thread::spawn(move || {
            for (status, body) in answers {
                let Ok(mut request) = server.recv() else {
                    return;
                };
                let mut form = String::new();
                let _ = std::io::Read::read_to_string(request.as_reader(), &mut form);
                seen.lock().unwrap().push(form);
                let header =
                    tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap();
                let _ = request.respond(
                    tiny_http::Response::from_string(body)
                        .with_status_code(status)
                        .with_header(header),
                );
            }
        });
        (format!("http://127.0.0.1:{port}/token"), forms)
    }

    fn config(token_url: &str) -> AuthConfig {
        AuthConfig {
            issuer: "http://127.0.0.1/".into(),
            client_id: "renku-cli".into(),
            device_authorization_endpoint: "http://127.0.0.1/device".into(),
            token_endpoint: token_url.into(),
            source: super::super::auth_config::ConfigSource::Discovered,
        }
    }

    #[test]
    fn polling_over_http_waits_through_pending_answers() {
        let (url, forms) = token_server(vec![
            (400, r#"{"error":"authorization_pending"}"#),
            (400, r#"{"error":"authorization_pending"}"#),
            (200, r#"{"access_token":"the-token","token_type":"Bearer"}"#),
        ]);
        let fast = PollOptions {
            interval: Some(Duration::from_millis(10)),
        };
        let mut waits = Vec::new();
        let http = Http::new(Duration::from_secs(5), "test").unwrap();
        let token =
            poll_for_token_with(&http, &config(&url), &auth(Some(5), 600), &fast, &mut |d| {
                waits.push(d);
                Ok(())
            })
            .unwrap();
        assert_eq!(token.access_token, "the-token");
        assert_eq!(waits, vec![Duration::from_millis(10); 3]);
        let forms = forms.lock().unwrap();
        assert_eq!(forms.len(), 3);
        for form in forms.iter() {
            assert!(
                form.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"),
                "{form}"
            );
            assert!(form.contains("device_code=dc"), "{form}");
            assert!(form.contains("client_id=renku-cli"), "{form}");
        }
    }

    #[test]
    fn polling_over_http_stops_at_a_denial_or_a_broken_answer() {
        let fast = PollOptions {
            interval: Some(Duration::from_millis(1)),
        };
        let http = Http::new(Duration::from_secs(5), "test").unwrap();
        let (url, _) = token_server(vec![
            (400, r#"{"error":"authorization_pending"}"#),
            (400, r#"{"error":"access_denied"}"#),
        ]);
        let err = poll_for_token_with(&http, &config(&url), &auth(None, 600), &fast, &mut |_| {
            Ok(())
        })
        .unwrap_err();
        assert!(matches!(err, PlatformError::AccessDenied { .. }), "{err}");
        let (url, _) = token_server(vec![(200, "<html>")]);
        let err = poll_for_token_with(&http, &config(&url), &auth(None, 600), &fast, &mut |_| {
            Ok(())
        })
        .unwrap_err();
        assert!(
            matches!(err, PlatformError::InvalidResponse { .. }),
            "{err}"
        );
        // An interrupted wait ends the loop before any request.
        let (url, forms) = token_server(vec![]);
        let err = poll_for_token_with(&http, &config(&url), &auth(None, 600), &fast, &mut |_| {
            Err(PlatformError::Interrupted)
        })
        .unwrap_err();
        assert!(matches!(err, PlatformError::Interrupted));
        assert!(forms.lock().unwrap().is_empty());
    }
}
