//! Typed settings: an optional TOML file, then `FERROTUBE_*` environment variables, which win.
//! Defaults describe the small instance (SQLite and local files under the data directory).
//! Names follow PeerTube's `config/default.yaml` where they fit.

use serde::Deserialize;
use std::path::{Path, PathBuf};

pub use ferrotube_model::proxy::TrustedProxies;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("invalid value for {name}: {reason}")]
    Invalid { name: &'static str, reason: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address the HTTP server binds.
    pub listen: String,
    /// The URL the world sees (may differ from `listen` behind a proxy).
    pub public_url: String,
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`; default: `sqlite://<data_dir>/ferrotube.db`.
    pub database_url: Option<String>,
    pub initial_root_password: Option<String>,
    pub instance: Instance,
    pub signup: Signup,
    pub user: UserDefaults,
    pub transcoding: Transcoding,
    pub upload: Upload,
    pub oauth: OAuth,
    pub rates_limit: RatesLimit,
    pub jobs: Jobs,
    pub cache: Cache,
    pub federation: Federation,
    pub tracker: Tracker,
    pub redundancy: Redundancy,
    pub remote_redundancy: RemoteRedundancy,
    pub secrets: Secrets,
    pub smtp: Smtp,
    pub redis: Redis,
    pub object_storage: ObjectStorage,
    /// Peers whose `X-Forwarded-For` names the client (PeerTube's `trust_proxy`): addresses,
    /// ranges, `loopback`, `linklocal`, `uniquelocal` (`FERROTUBE_TRUST_PROXY`, comma-separated).
    /// The client's address is what rate limits, view counting and the audit log go by.
    pub trust_proxy: Vec<String>,
    /// `trust_proxy`, parsed (by [`Settings::load`]).
    #[serde(skip)]
    pub trusted_proxies: TrustedProxies,
}

/// Redis, for what the nodes of one instance must tell each other at once (several web nodes):
/// without it, each node keeps to itself, as a single node does.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Redis {
    /// `redis://host:port/db` (`FERROTUBE_REDIS_URL`).
    pub url: Option<String>,
}

/// Secrets of the instance (PeerTube's `secrets`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Secrets {
    /// Encrypts two-factor secrets at rest (PeerTube's `secrets.peertube`). Without it they are
    /// stored as is (and never shown again). Changing it makes the stored ones unreadable: their
    /// users must sign in with an admin's help to set two-factor again.
    pub peertube: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Instance {
    pub name: String,
    pub short_description: String,
    pub description: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Signup {
    pub enabled: bool,
    /// -1: unlimited.
    pub limit: i64,
    pub minimum_age: i64,
    /// Sign-ups are requests a moderator accepts or rejects (`/users/registrations/request`);
    /// `/users/register` is then refused, as in PeerTube.
    pub requires_approval: bool,
    /// New users must follow the link of a mail before they can sign in (needs `[smtp]`).
    pub requires_email_verification: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserDefaults {
    /// Bytes; -1: unlimited.
    pub video_quota: i64,
    pub video_quota_daily: i64,
    /// How long the link of a password-reset mail works (PeerTube: 1 hour).
    pub reset_password_lifetime_secs: u64,
    /// How long the link of an e-mail verification mail works (PeerTube: 1 hour).
    pub verify_email_lifetime_secs: u64,
}

/// How the instance's mail leaves: an SMTP server. Nothing is sent while `host` is unset, and
/// `/api/v1/config` then says e-mail is disabled. `FERROTUBE_SMTP_URL`
/// (`smtp://`, `smtp+starttls://` or `smtps://`, credentials in the userinfo) and
/// `FERROTUBE_SMTP_FROM` override the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Smtp {
    pub host: Option<String>,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The `From` of every mail; `noreply@<public host>` when unset.
    pub from_address: Option<String>,
}

impl Default for Smtp {
    fn default() -> Self {
        Smtp {
            host: None,
            port: 25,
            tls: SmtpTls::None,
            username: None,
            password: None,
            from_address: None,
        }
    }
}

impl Smtp {
    pub fn enabled(&self) -> bool {
        self.host.as_deref().is_some_and(|h| !h.is_empty())
    }

    /// Reads `smtp://host:port` (plain), `smtp+starttls://…` or `smtps://…` (TLS from the
    /// first byte), with `user:password@` (percent-encoded) when the server wants a login.
    pub fn from_url(raw: &str) -> Result<Smtp, String> {
        let u = url::Url::parse(raw).map_err(|e| e.to_string())?;
        let (tls, default_port) = match u.scheme() {
            "smtp" => (SmtpTls::None, 25),
            "smtp+starttls" => (SmtpTls::Starttls, 587),
            "smtps" => (SmtpTls::Tls, 465),
            other => return Err(format!("unknown scheme {other:?}")),
        };
        let host = u
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("no host")?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let username = (!u.username().is_empty()).then(|| decode(u.username()));
        let password = u.password().map(decode);
        Ok(Smtp {
            host: Some(host),
            port: u.port().unwrap_or(default_port),
            tls,
            username,
            password,
            from_address: None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text (a relay on the same machine or a closed network).
    None,
    /// Plain, then upgraded with STARTTLS (refused when the server does not offer it).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Transcoding {
    pub enabled: bool,
    /// Heights of the ladder; only those at or below the input's are produced.
    pub resolutions: Vec<u32>,
    /// Also produce plain MP4 files (PeerTube's "web videos").
    pub web_videos: bool,
    /// Transcoding jobs run at once on this node.
    pub concurrency: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Upload {
    /// Largest video file accepted, bytes.
    pub max_file_size: u64,
    /// Unfinished resumable uploads are removed after this many seconds without a chunk.
    pub resumable_expiry_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OAuth {
    pub access_token_lifetime_secs: i64,
    pub refresh_token_lifetime_secs: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RatesLimit {
    /// Login attempts per address per window (PeerTube: 15 per 5 minutes).
    pub login_max: u32,
    pub login_window_secs: u64,
    /// Wrong video passwords per address per window before 429.
    pub video_password_max: u32,
    pub video_password_window_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Jobs {
    /// A running job whose worker stops heart-beating for this long is given to another worker.
    pub lease_secs: u64,
    pub max_attempts: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Cache {
    /// How long an anonymous video list or video answer may be served from memory (0: never).
    /// This node's writes clear it at once; other nodes' writes show after at most this long.
    pub public_api_ttl_ms: u64,
}

impl Default for Cache {
    fn default() -> Self {
        Cache {
            public_api_ttl_ms: 1000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Federation {
    /// Lets remote fetches and deliveries reach loopback and private addresses: only for test
    /// federations on 127.0.0.x or a closed LAN (FERROTUBE_ALLOW_PRIVATE_NETWORK=1).
    pub allow_private_network: bool,
    /// Instance followers wait for an administrator's accept (PeerTube's
    /// `followers.instance.manual_approval`).
    pub manual_approval: bool,
    /// Deliveries in flight at once, and at most this many to one host.
    pub delivery_concurrency: usize,
    pub per_host_concurrency: usize,
    /// Inbox activities processed at once.
    pub inbox_concurrency: usize,
    /// Allowed difference between a signed request's Date and our clock.
    pub clock_skew_secs: u64,
    /// A cached remote actor or video older than this is refetched when next needed.
    pub refresh_after_secs: u64,
}

impl Default for Federation {
    fn default() -> Self {
        Federation {
            allow_private_network: false,
            manual_approval: false,
            delivery_concurrency: 32,
            per_host_concurrency: 4,
            inbox_concurrency: 8,
            clock_skew_secs: 1800,
            refresh_after_secs: 86_400,
        }
    }
}

/// The BitTorrent / WebTorrent tracker (`/tracker/announce`, `/tracker/socket`), PeerTube's
/// `tracker` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tracker {
    pub enabled: bool,
    /// Only the instance's own info hashes (and those of followed instances) are tracked.
    pub private: bool,
    /// Announce interval told to clients; a peer silent for two intervals is dropped.
    pub interval_secs: u64,
    /// Announces (HTTP) or messages (WebSocket) one address may send per minute before it is
    /// refused (PeerTube's `reject_too_many_announces`); 0 turns the limit off.
    pub max_announces_per_minute: u32,
    /// Read the client's address as the rest of the instance does (the top-level
    /// `trust_proxy` list of reverse proxies); false: always the connection's address.
    pub trust_proxy: bool,
}

impl Default for Tracker {
    fn default() -> Self {
        Tracker {
            enabled: true,
            private: true,
            interval_secs: 600,
            max_announces_per_minute: 600,
            trust_proxy: true,
        }
    }
}

/// Mirroring the videos of followed instances (PeerTube's `redundancy` section). With no
/// strategy, copies are made only by hand (`POST /api/v1/server/redundancy/videos`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Redundancy {
    pub videos: RedundancyVideos,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedundancyVideos {
    /// How often the strategies pick, renew and drop copies (`"1 hour"`, or seconds).
    #[serde(deserialize_with = "units::seconds")]
    pub check_interval: u64,
    pub strategies: Vec<RedundancyStrategy>,
}

impl Default for RedundancyVideos {
    fn default() -> Self {
        RedundancyVideos {
            check_interval: 3600,
            strategies: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StrategyName {
    MostViews,
    Trending,
    RecentlyAdded,
}

impl StrategyName {
    pub fn as_str(self) -> &'static str {
        match self {
            StrategyName::MostViews => "most-views",
            StrategyName::Trending => "trending",
            StrategyName::RecentlyAdded => "recently-added",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedundancyStrategy {
    pub strategy: StrategyName,
    /// Room for this strategy's copies (`"10GB"`, or bytes).
    #[serde(deserialize_with = "units::bytes")]
    pub size: u64,
    /// A copy is kept at least this long, then renewed while the strategy still picks it
    /// (`"48 hours"`, or seconds). PeerTube refuses less than 10 hours; so do we outside test
    /// federations (see [`Settings::validate`]).
    #[serde(deserialize_with = "units::seconds")]
    pub min_lifetime: u64,
    /// `recently-added` only: views a video needs before it is mirrored.
    #[serde(default)]
    pub min_views: i64,
}

/// Who may mirror our videos (PeerTube's `remote_redundancy.videos.accept_from`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AcceptFrom {
    Nobody,
    Anybody,
    /// Only instances we follow.
    Followings,
}

impl AcceptFrom {
    fn parse(s: &str) -> Option<AcceptFrom> {
        Some(match s {
            "nobody" => AcceptFrom::Nobody,
            "anybody" => AcceptFrom::Anybody,
            "followings" => AcceptFrom::Followings,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemoteRedundancy {
    pub videos: RemoteRedundancyVideos,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemoteRedundancyVideos {
    pub accept_from: AcceptFrom,
}

impl Default for RemoteRedundancyVideos {
    fn default() -> Self {
        RemoteRedundancyVideos {
            accept_from: AcceptFrom::Anybody,
        }
    }
}

/// PeerTube writes durations and sizes as words (`"1 hour"`, `"10GB"`); numbers are seconds and
/// bytes.
mod units {
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumOrText {
        Num(u64),
        Text(String),
    }

    fn number_and_unit(s: &str) -> Option<(f64, String)> {
        let s = s.trim();
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        let (num, unit) = s.split_at(split);
        Some((num.parse().ok()?, unit.trim().to_ascii_lowercase()))
    }

    pub fn parse_seconds(s: &str) -> Option<u64> {
        let (n, unit) = number_and_unit(s)?;
        let per = match unit.trim_end_matches('s') {
            "" | "second" | "sec" => 1.0,
            "minute" | "min" | "m" => 60.0,
            "hour" | "h" => 3600.0,
            "day" | "d" => 86_400.0,
            "week" | "w" => 604_800.0,
            _ => return None,
        };
        Some((n * per).round() as u64)
    }

    pub fn parse_bytes(s: &str) -> Option<u64> {
        let (n, unit) = number_and_unit(s)?;
        // As PeerTube's `bytes` package: a kilobyte is 1024 bytes.
        let per: f64 = match unit.as_str() {
            "" | "b" => 1.0,
            "kb" => 1024.0,
            "mb" => 1024.0 * 1024.0,
            "gb" => 1024.0 * 1024.0 * 1024.0,
            "tb" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
            _ => return None,
        };
        Some((n * per).round() as u64)
    }

    fn with<'de, D: Deserializer<'de>>(
        d: D,
        parse: fn(&str) -> Option<u64>,
        what: &str,
    ) -> Result<u64, D::Error> {
        match NumOrText::deserialize(d)? {
            NumOrText::Num(n) => Ok(n),
            NumOrText::Text(t) => {
                parse(&t).ok_or_else(|| serde::de::Error::custom(format!("{t:?} is not {what}")))
            }
        }
    }

    pub fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        with(d, parse_seconds, "a duration such as \"48 hours\"")
    }

    pub fn bytes<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        with(d, parse_bytes, "a size such as \"10GB\"")
    }
}

/// S3-compatible object storage (PeerTube's `object_storage`). Off by default: files stay under
/// the data directory. When on, the transcode job still writes locally and a durable
/// `move-to-object-storage` job uploads the video's files, then points its URLs at the bucket.
/// Credentials: `credentials` here, else `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`.
/// `FERROTUBE_OBJECT_STORAGE_ENABLED` and `FERROTUBE_OBJECT_STORAGE_ENDPOINT` override the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ObjectStorage {
    pub enabled: bool,
    /// `https://s3.example.com` (a scheme-less host means https).
    pub endpoint: String,
    pub region: String,
    /// Path-style URLs (`endpoint/bucket/key`) instead of virtual-hosted ones
    /// (`bucket.endpoint/key`); most self-hosted servers want it.
    pub force_path_style: bool,
    /// Parts of a multipart upload (files larger than one part are sent in parts).
    #[serde(deserialize_with = "units::bytes")]
    pub max_upload_part: u64,
    /// Tries of one S3 request before the job gives up for this attempt (it retries later).
    pub max_request_attempts: u32,
    pub upload_acl: UploadAcl,
    pub credentials: Credentials,
    pub proxy: ObjectStorageProxy,
    pub streaming_playlists: Bucket,
    pub web_videos: Bucket,
    pub original_video_files: Bucket,
    pub captions: Bucket,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UploadAcl {
    /// Canned ACL of public videos' files; empty: none sent (the bucket's policy decides).
    pub public: String,
    /// Canned ACL of private, unlisted-with-password and internal videos' files.
    pub private: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Credentials {
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ObjectStorageProxy {
    /// After its privacy check, the instance streams a private file from the bucket (`true`),
    /// or answers with a redirect to a pre-signed URL of the bucket, valid for an hour
    /// (`false`: the bytes go straight from the bucket to the viewer). Playlists are always
    /// streamed, so that the segments they name are asked for at the instance, checked, too.
    pub proxify_private_files: bool,
}

/// One kind of file: its bucket, a key prefix (`"hls/"`), and a public base URL (a CDN) that
/// replaces the bucket's own URL in what the instance advertises.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Bucket {
    pub bucket_name: String,
    pub prefix: String,
    pub base_url: Option<String>,
}

impl Bucket {
    fn named(name: &str, prefix: &str) -> Bucket {
        Bucket {
            bucket_name: name.into(),
            prefix: prefix.into(),
            base_url: None,
        }
    }
}

impl Default for Bucket {
    fn default() -> Self {
        Bucket::named("", "")
    }
}

impl Default for UploadAcl {
    fn default() -> Self {
        UploadAcl {
            public: "public-read".into(),
            private: "private".into(),
        }
    }
}

impl Default for ObjectStorageProxy {
    fn default() -> Self {
        ObjectStorageProxy {
            proxify_private_files: true,
        }
    }
}

impl Default for ObjectStorage {
    fn default() -> Self {
        ObjectStorage {
            enabled: false,
            endpoint: String::new(),
            region: "us-east-1".into(),
            force_path_style: false,
            max_upload_part: 100 * 1024 * 1024,
            max_request_attempts: 3,
            upload_acl: UploadAcl::default(),
            credentials: Credentials::default(),
            proxy: ObjectStorageProxy::default(),
            streaming_playlists: Bucket::named("streaming-playlists", ""),
            web_videos: Bucket::named("web-videos", ""),
            original_video_files: Bucket::named("original-video-files", ""),
            captions: Bucket::named("captions", ""),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:9000".into(),
            public_url: "http://127.0.0.1:9000".into(),
            data_dir: PathBuf::from("data"),
            database_url: None,
            initial_root_password: None,
            instance: Instance::default(),
            signup: Signup::default(),
            user: UserDefaults::default(),
            transcoding: Transcoding::default(),
            upload: Upload::default(),
            oauth: OAuth::default(),
            rates_limit: RatesLimit::default(),
            jobs: Jobs::default(),
            cache: Cache::default(),
            federation: Federation::default(),
            tracker: Tracker::default(),
            redundancy: Redundancy::default(),
            remote_redundancy: RemoteRedundancy::default(),
            secrets: Secrets::default(),
            smtp: Smtp::default(),
            redis: Redis::default(),
            object_storage: ObjectStorage::default(),
            trust_proxy: vec!["loopback".into()],
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

impl Default for Instance {
    fn default() -> Self {
        Instance {
            name: "Ferrotube".into(),
            short_description: "A Ferrotube instance: video hosting that federates with PeerTube."
                .into(),
            description: String::new(),
        }
    }
}

impl Default for Signup {
    fn default() -> Self {
        Signup {
            enabled: false,
            limit: 10,
            minimum_age: 16,
            requires_approval: false,
            requires_email_verification: false,
        }
    }
}

impl Default for UserDefaults {
    fn default() -> Self {
        UserDefaults {
            video_quota: -1,
            video_quota_daily: -1,
            reset_password_lifetime_secs: 3600,
            verify_email_lifetime_secs: 3600,
        }
    }
}

impl Default for Transcoding {
    fn default() -> Self {
        Transcoding {
            enabled: true,
            resolutions: vec![144, 240, 360, 480, 720, 1080],
            web_videos: false,
            concurrency: 1,
        }
    }
}

impl Default for Upload {
    fn default() -> Self {
        Upload {
            max_file_size: 8 * 1024 * 1024 * 1024,
            resumable_expiry_secs: 24 * 3600,
        }
    }
}

impl Default for OAuth {
    fn default() -> Self {
        OAuth {
            access_token_lifetime_secs: 24 * 3600,
            refresh_token_lifetime_secs: 14 * 24 * 3600,
        }
    }
}

impl Default for RatesLimit {
    fn default() -> Self {
        RatesLimit {
            login_max: 15,
            login_window_secs: 300,
            video_password_max: 10,
            video_password_window_secs: 300,
        }
    }
}

impl Default for Jobs {
    fn default() -> Self {
        Jobs {
            lease_secs: 20,
            max_attempts: 5,
        }
    }
}

impl Settings {
    /// Reads `file` (if any), then applies the environment as given by `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let mut s = match file {
            Some(path) => {
                let raw = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.into(),
                    source,
                })?;
                toml::from_str(&raw).map_err(|source| ConfigError::Parse {
                    path: path.into(),
                    source,
                })?
            }
            None => Settings::default(),
        };
        if let Some(v) = env("FERROTUBE_LISTEN") {
            s.listen = v;
        }
        if let Some(v) = env("FERROTUBE_PUBLIC_URL") {
            s.public_url = v;
        }
        if let Some(v) = env("FERROTUBE_DATA_DIR") {
            s.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("FERROTUBE_DATABASE_URL") {
            s.database_url = Some(v);
        }
        if let Some(v) = env("FERROTUBE_INITIAL_ROOT_PASSWORD") {
            s.initial_root_password = Some(v);
        }
        if let Some(v) = env("FERROTUBE_REMOTE_REDUNDANCY_ACCEPT_FROM") {
            s.remote_redundancy.videos.accept_from =
                AcceptFrom::parse(&v).ok_or_else(|| ConfigError::Invalid {
                    name: "FERROTUBE_REMOTE_REDUNDANCY_ACCEPT_FROM",
                    reason: format!("{v:?} is not nobody, anybody or followings"),
                })?;
        }
        if let Some(v) = env("FERROTUBE_REDUNDANCY_CHECK_INTERVAL") {
            s.redundancy.videos.check_interval =
                units::parse_seconds(&v).ok_or_else(|| ConfigError::Invalid {
                    name: "FERROTUBE_REDUNDANCY_CHECK_INTERVAL",
                    reason: format!("{v:?} is not a duration such as \"1 hour\""),
                })?;
        }
        if let Some(v) = env("FERROTUBE_SIGNUP_ENABLED") {
            s.signup.enabled = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = env("FERROTUBE_SECRET") {
            s.secrets.peertube = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = env("FERROTUBE_SIGNUP_REQUIRES_APPROVAL") {
            s.signup.requires_approval = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = env("FERROTUBE_SIGNUP_REQUIRES_EMAIL_VERIFICATION") {
            s.signup.requires_email_verification = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = env("FERROTUBE_SMTP_URL") {
            let from = s.smtp.from_address.take();
            s.smtp = Smtp::from_url(&v).map_err(|reason| ConfigError::Invalid {
                name: "FERROTUBE_SMTP_URL",
                reason,
            })?;
            s.smtp.from_address = from;
        }
        if let Some(v) = env("FERROTUBE_TRUST_PROXY") {
            s.trust_proxy = v
                .split(',')
                .map(|e| e.trim().to_string())
                .filter(|e| !e.is_empty())
                .collect();
        }
        if let Some(v) = env("FERROTUBE_REDIS_URL") {
            s.redis.url = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = env("FERROTUBE_SMTP_FROM") {
            s.smtp.from_address = Some(v);
        }
        if let Some(v) = env("FERROTUBE_ALLOW_PRIVATE_NETWORK") {
            s.federation.allow_private_network = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = env("FERROTUBE_WEB_VIDEOS") {
            s.transcoding.web_videos = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = env("FERROTUBE_OBJECT_STORAGE_ENABLED") {
            s.object_storage.enabled = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = env("FERROTUBE_OBJECT_STORAGE_ENDPOINT") {
            s.object_storage.endpoint = v;
        }
        if s.object_storage.credentials.access_key_id.is_none() {
            s.object_storage.credentials.access_key_id = env("AWS_ACCESS_KEY_ID");
        }
        if s.object_storage.credentials.secret_access_key.is_none() {
            s.object_storage.credentials.secret_access_key = env("AWS_SECRET_ACCESS_KEY");
        }
        s.public_url = s.public_url.trim_end_matches('/').to_string();
        s.trusted_proxies =
            TrustedProxies::parse(&s.trust_proxy).map_err(|reason| ConfigError::Invalid {
                name: "trust_proxy",
                reason,
            })?;
        s.validate()?;
        Ok(s)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(ConfigError::Invalid {
                name: "listen",
                reason: format!("{:?} is not addr:port", self.listen),
            });
        }
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                name: "public_url",
                reason: "must start with http:// or https://".into(),
            });
        }
        if let Some(url) = &self.database_url {
            if !(url.starts_with("sqlite:")
                || url.starts_with("postgres://")
                || url.starts_with("postgresql://"))
            {
                return Err(ConfigError::Invalid {
                    name: "database_url",
                    reason: "must be sqlite://... or postgres://...".into(),
                });
            }
        }
        if self
            .transcoding
            .resolutions
            .iter()
            .any(|r| ![144, 240, 360, 480, 720, 1080, 1440, 2160].contains(r))
        {
            return Err(ConfigError::Invalid {
                name: "transcoding.resolutions",
                reason: "allowed: 144 240 360 480 720 1080 1440 2160".into(),
            });
        }
        // As PeerTube: a copy lives at least 10 hours, so origins are not asked for the same
        // files over and over. Test federations on private addresses may go faster.
        const MIN_LIFETIME_SECS: u64 = 10 * 3600;
        if !self.federation.allow_private_network
            && self
                .redundancy
                .videos
                .strategies
                .iter()
                .any(|s| s.min_lifetime < MIN_LIFETIME_SECS)
        {
            return Err(ConfigError::Invalid {
                name: "redundancy.videos.strategies.min_lifetime",
                reason: "must be at least 10 hours".into(),
            });
        }
        // As PeerTube, which refuses to start in that case: sign-ups would wait for a mail that
        // never leaves.
        if self.signup.requires_email_verification && !self.smtp.enabled() {
            return Err(ConfigError::Invalid {
                name: "signup.requires_email_verification",
                reason: "needs an SMTP server ([smtp] host or FERROTUBE_SMTP_URL)".into(),
            });
        }
        if self.object_storage.enabled {
            let o = &self.object_storage;
            let invalid = |name: &'static str, reason: &str| {
                Err(ConfigError::Invalid {
                    name,
                    reason: reason.into(),
                })
            };
            if o.endpoint.trim().is_empty() {
                return invalid("object_storage.endpoint", "needed when enabled");
            }
            if o.max_upload_part < 5 * 1024 * 1024 {
                return invalid(
                    "object_storage.max_upload_part",
                    "at least 5MB (S3's minimum)",
                );
            }
            for (name, b) in [
                (
                    "object_storage.streaming_playlists.bucket_name",
                    &o.streaming_playlists,
                ),
                ("object_storage.web_videos.bucket_name", &o.web_videos),
                (
                    "object_storage.original_video_files.bucket_name",
                    &o.original_video_files,
                ),
                ("object_storage.captions.bucket_name", &o.captions),
            ] {
                if b.bucket_name.trim().is_empty() {
                    return invalid(name, "needed when object storage is enabled");
                }
            }
        }
        if self.redundancy.videos.check_interval == 0 {
            return Err(ConfigError::Invalid {
                name: "redundancy.videos.check_interval",
                reason: "must be more than 0".into(),
            });
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("ferrotube.db").display()))
    }

    /// `host[:port]` as PeerTube writes it in `host` fields (the port only when not 80/443).
    pub fn public_host(&self) -> String {
        let rest = self
            .public_url
            .split_once("://")
            .map(|(_, r)| r)
            .unwrap_or(&self.public_url);
        let host = rest.split('/').next().unwrap_or(rest);
        host.strip_suffix(":80")
            .or_else(|| host.strip_suffix(":443"))
            .unwrap_or(host)
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn object_storage_is_off_by_default_and_checked_when_on() {
        let s = Settings::load(None, |_| None).unwrap();
        assert!(!s.object_storage.enabled);
        let dir = std::env::temp_dir().join(format!("ftcfg-os-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
        let f = dir.join("c.toml");
        let toml = "[object_storage]\nenabled = true\nmax_upload_part = \"8MB\"\n\
                    upload_acl = { public = \"\", private = \"private\" }\n\
                    [object_storage.streaming_playlists]\nbucket_name = \"hls\"\nprefix = \"p/\"\n";
        std::fs::write(&f, toml).ok();
        // No endpoint: refused.
        assert!(Settings::load(Some(&f), |_| None).is_err());
        let s = Settings::load(Some(&f), |k| match k {
            "FERROTUBE_OBJECT_STORAGE_ENDPOINT" => Some("http://127.0.0.1:9".into()),
            "AWS_ACCESS_KEY_ID" => Some("id".into()),
            "AWS_SECRET_ACCESS_KEY" => Some("secret".into()),
            _ => None,
        })
        .unwrap();
        let o = &s.object_storage;
        assert_eq!(o.max_upload_part, 8 * 1024 * 1024);
        assert_eq!(o.upload_acl.public, "");
        assert_eq!(o.streaming_playlists.prefix, "p/");
        assert_eq!(o.web_videos.bucket_name, "web-videos");
        assert_eq!(o.credentials.access_key_id.as_deref(), Some("id"));
        assert_eq!(o.credentials.secret_access_key.as_deref(), Some("secret"));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn env_wins_over_file() {
        let dir = std::env::temp_dir().join(format!("ftcfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| e.to_string())
            .ok();
        let f = dir.join("c.toml");
        std::fs::write(&f, "listen = \"127.0.0.1:1234\"\npublic_url = \"http://a.example\"\n[signup]\nenabled = true\n").ok();
        let s = Settings::load(Some(&f), |k| {
            (k == "FERROTUBE_LISTEN").then(|| "127.0.0.1:5555".to_string())
        });
        let s = s.map_err(|e| e.to_string());
        assert_eq!(s.as_ref().map(|s| s.listen.as_str()), Ok("127.0.0.1:5555"));
        assert_eq!(
            s.as_ref().map(|s| s.public_host()),
            Ok("a.example".to_string())
        );
        assert_eq!(s.as_ref().map(|s| s.signup.enabled), Ok(true));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn redundancy_settings_read_peertube_words() {
        let dir = std::env::temp_dir().join(format!("ft-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("redundancy.toml");
        std::fs::write(
            &file,
            r#"
            [redundancy.videos]
            check_interval = "2 minutes"
            [[redundancy.videos.strategies]]
            strategy = "recently-added"
            size = "10GB"
            min_lifetime = "48 hours"
            min_views = 10
            [[redundancy.videos.strategies]]
            strategy = "most-views"
            size = 1000
            min_lifetime = 36000
            [remote_redundancy.videos]
            accept_from = "followings"
            "#,
        )
        .unwrap();
        let s = Settings::load(Some(&file), |_| None).unwrap();
        let v = &s.redundancy.videos;
        assert_eq!(v.check_interval, 120);
        assert_eq!(v.strategies.len(), 2);
        assert_eq!(v.strategies[0].strategy, StrategyName::RecentlyAdded);
        assert_eq!(v.strategies[0].size, 10 * 1024 * 1024 * 1024);
        assert_eq!(v.strategies[0].min_lifetime, 48 * 3600);
        assert_eq!(v.strategies[0].min_views, 10);
        assert_eq!(v.strategies[1].size, 1000);
        assert_eq!(
            s.remote_redundancy.videos.accept_from,
            AcceptFrom::Followings
        );

        // Less than 10 hours is refused outside test federations, as in PeerTube.
        std::fs::write(
            &file,
            "[[redundancy.videos.strategies]]\nstrategy = \"trending\"\nsize = \"1GB\"\nmin_lifetime = \"1 hour\"\n",
        )
        .unwrap();
        assert!(Settings::load(Some(&file), |_| None).is_err());
        assert!(
            Settings::load(Some(&file), |k| (k == "FERROTUBE_ALLOW_PRIVATE_NETWORK")
                .then(|| "1".to_string()))
            .is_ok()
        );
        // Words that are not a size are an error, not a silent default.
        std::fs::write(
            &file,
            "[[redundancy.videos.strategies]]\nstrategy = \"trending\"\nsize = \"big\"\nmin_lifetime = \"48 hours\"\n",
        )
        .unwrap();
        assert!(Settings::load(Some(&file), |_| None).is_err());
        let _ = std::fs::remove_dir_all(&dir);

        assert_eq!(
            Settings::load(None, |k| (k == "FERROTUBE_REMOTE_REDUNDANCY_ACCEPT_FROM")
                .then(|| "nobody".to_string()))
            .unwrap()
            .remote_redundancy
            .videos
            .accept_from,
            AcceptFrom::Nobody
        );
        assert!(
            Settings::load(None, |k| (k == "FERROTUBE_REMOTE_REDUNDANCY_ACCEPT_FROM")
                .then(|| "everyone".to_string()))
            .is_err()
        );
    }

    #[test]
    fn smtp_from_url_and_env() {
        let s = Smtp::from_url("smtps://me%40x.org:p%2Bw%3Ad@mail.example:2465").unwrap();
        assert_eq!(s.host.as_deref(), Some("mail.example"));
        assert_eq!(s.port, 2465);
        assert_eq!(s.tls, SmtpTls::Tls);
        assert_eq!(s.username.as_deref(), Some("me@x.org"));
        assert_eq!(s.password.as_deref(), Some("p+w:d"));
        let s = Smtp::from_url("smtp+starttls://relay").unwrap();
        assert_eq!((s.port, s.tls, s.username), (587, SmtpTls::Starttls, None));
        assert!(Smtp::from_url("http://relay").is_err());
        let s = Settings::load(None, |k| match k {
            "FERROTUBE_SMTP_URL" => Some("smtp://127.0.0.2:2525".into()),
            "FERROTUBE_SMTP_FROM" => Some("tube@example.org".into()),
            _ => None,
        })
        .unwrap();
        assert!(s.smtp.enabled());
        assert_eq!(s.smtp.port, 2525);
        assert_eq!(s.smtp.from_address.as_deref(), Some("tube@example.org"));
        // Verification without a way to send the mail is refused.
        assert!(Settings::load(None, |k| (k
            == "FERROTUBE_SIGNUP_REQUIRES_EMAIL_VERIFICATION")
            .then(|| "1".to_string()))
        .is_err());
        assert!(!Settings::default().smtp.enabled());
    }

    #[test]
    fn rejects_bad_values() {
        assert!(Settings::load(None, |k| (k == "FERROTUBE_LISTEN")
            .then(|| "nope".to_string()))
        .is_err());
        assert!(Settings::load(None, |k| (k == "FERROTUBE_DATABASE_URL")
            .then(|| "mysql://x".to_string()))
        .is_err());
        // A trusted proxy that is no address, range or name refuses to start, naming it.
        let bad = Settings::load(None, |k| {
            (k == "FERROTUBE_TRUST_PROXY").then(|| "loopback, everyone".to_string())
        });
        assert!(
            matches!(&bad, Err(ConfigError::Invalid { name: "trust_proxy", reason }) if reason.contains("everyone")),
            "{bad:?}"
        );
        let ok = Settings::load(None, |k| {
            (k == "FERROTUBE_TRUST_PROXY").then(|| "10.0.0.0/8, 192.0.2.1".to_string())
        })
        .expect("valid proxies");
        assert!(ok.trusted_proxies.trusts("10.9.8.7".parse().expect("ip")));
        assert!(!ok.trusted_proxies.trusts("127.0.0.1".parse().expect("ip")));
        let s = Settings::load(None, |k| {
            (k == "FERROTUBE_PUBLIC_URL").then(|| "http://127.0.0.1:9000/".to_string())
        });
        assert_eq!(
            s.map(|s| s.public_host()).ok(),
            Some("127.0.0.1:9000".to_string())
        );
    }
}
