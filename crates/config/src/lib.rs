//! Typed settings: an optional TOML file, then `FERROTUBE_*` environment variables, which win.
//! Defaults describe the small instance (SQLite and local files under the data directory).
//! Names follow PeerTube's `config/default.yaml` where they fit.

use serde::Deserialize;
use std::path::{Path, PathBuf};

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
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserDefaults {
    /// Bytes; -1: unlimited.
    pub video_quota: i64,
    pub video_quota_daily: i64,
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
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_proxy: bool,
}

impl Default for Tracker {
    fn default() -> Self {
        Tracker {
            enabled: true,
            private: true,
            interval_secs: 600,
            max_announces_per_minute: 600,
            trust_proxy: false,
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
        }
    }
}

impl Default for UserDefaults {
    fn default() -> Self {
        UserDefaults {
            video_quota: -1,
            video_quota_daily: -1,
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
        if let Some(v) = env("FERROTUBE_ALLOW_PRIVATE_NETWORK") {
            s.federation.allow_private_network = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = env("FERROTUBE_WEB_VIDEOS") {
            s.transcoding.web_videos = matches!(v.as_str(), "1" | "true" | "yes");
        }
        s.public_url = s.public_url.trim_end_matches('/').to_string();
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
    fn rejects_bad_values() {
        assert!(Settings::load(None, |k| (k == "FERROTUBE_LISTEN")
            .then(|| "nope".to_string()))
        .is_err());
        assert!(Settings::load(None, |k| (k == "FERROTUBE_DATABASE_URL")
            .then(|| "mysql://x".to_string()))
        .is_err());
        let s = Settings::load(None, |k| {
            (k == "FERROTUBE_PUBLIC_URL").then(|| "http://127.0.0.1:9000/".to_string())
        });
        assert_eq!(
            s.map(|s| s.public_host()).ok(),
            Some("127.0.0.1:9000".to_string())
        );
    }
}
