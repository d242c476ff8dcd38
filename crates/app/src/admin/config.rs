//! PeerTube's runtime configuration (`/api/v1/config/custom`): the `CustomConfig` object an
//! administrator reads, replaces and resets. What is stored is the admin's object; what is
//! answered and applied is the file/env defaults with it laid over them, with the features this
//! server lacks always reported off (a PUT that turns one on is refused, so `/api/v1/config`
//! never claims something that does not work).

use super::runtime::Live;
use crate::error::{Error, ParamLocation, Result};
use crate::Instance;
use ferrotube_config::Settings;
use ferrotube_model::timefmt::now_ms;
use serde_json::{json, Map, Value};

/// `admin_settings` names.
pub const CUSTOM_CONFIG: &str = "custom_config";
pub const HOMEPAGE: &str = "homepage";
pub const JOBS_PAUSED: &str = "jobs_paused";
pub const INSTANCE_AVATARS: &str = "instance_avatars";
pub const INSTANCE_BANNERS: &str = "instance_banners";

/// PeerTube's resolution keys and the heights they stand for (`0p`: audio only).
const RESOLUTIONS: &[(&str, u32)] = &[
    ("0p", 0),
    ("144p", 144),
    ("240p", 240),
    ("360p", 360),
    ("480p", 480),
    ("720p", 720),
    ("1080p", 1080),
    ("1440p", 1440),
    ("2160p", 2160),
];

/// Features PeerTube has and this server does not: the value they must keep, and why a PUT
/// that changes it is refused. (Drop a line here when the feature arrives.)
const UNSUPPORTED: &[(&str, bool, &str)] = &[
    (
        "transcoding.enabled",
        true,
        "Transcoding cannot be disabled: every upload is transcoded to HLS",
    ),
    (
        "transcoding.hls.enabled",
        true,
        "HLS cannot be disabled: it is how this server streams",
    ),
    (
        "transcoding.remoteRunners.enabled",
        false,
        "Remote runners are not supported by this server",
    ),
    (
        "transcoding.originalFile.keep",
        true,
        "Original files are always kept by this server",
    ),
    (
        "transcoding.allowAudioFiles",
        false,
        "Audio file uploads are not supported by this server",
    ),
    (
        "live.enabled",
        false,
        "Live streaming is not supported by this server",
    ),
    (
        "videoStudio.enabled",
        false,
        "Video studio is not supported by this server",
    ),
    (
        "videoTranscription.enabled",
        false,
        "Video transcription is not supported by this server",
    ),
    (
        "import.videos.http.enabled",
        false,
        "Video imports are not supported by this server",
    ),
    (
        "import.videos.torrent.enabled",
        false,
        "Video imports are not supported by this server",
    ),
    (
        "import.videoChannelSynchronization.enabled",
        false,
        "You need to enable HTTP video import in order to enable channel synchronization",
    ),
    (
        "import.users.enabled",
        false,
        "User imports are not supported by this server",
    ),
    (
        "export.users.enabled",
        false,
        "User exports are not supported by this server",
    ),
    (
        "contactForm.enabled",
        false,
        "The contact form needs an email server, which is not configured",
    ),
    (
        "followers.instance.enabled",
        true,
        "This server always accepts instance followers",
    ),
    (
        "autoBlacklist.videos.ofUsers.enabled",
        false,
        "Video auto-blocking is not supported by this server",
    ),
    (
        "search.searchIndex.enabled",
        false,
        "A search index is not supported by this server",
    ),
];

/// Fields PeerTube requires in a PUT, with their type.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Bool,
    Int { min: i64 },
}

const REQUIRED: &[(&str, Kind)] = &[
    ("instance.name", Kind::Text),
    ("instance.shortDescription", Kind::Text),
    ("instance.description", Kind::Text),
    ("instance.terms", Kind::Text),
    ("instance.codeOfConduct", Kind::Text),
    ("instance.creationReason", Kind::Text),
    ("instance.moderationInformation", Kind::Text),
    ("instance.administrator", Kind::Text),
    ("instance.maintenanceLifetime", Kind::Text),
    ("instance.businessModel", Kind::Text),
    ("instance.hardwareInformation", Kind::Text),
    ("instance.isNSFW", Kind::Bool),
    ("signup.enabled", Kind::Bool),
    ("signup.limit", Kind::Int { min: -1 }),
    ("signup.requiresEmailVerification", Kind::Bool),
    ("contactForm.enabled", Kind::Bool),
    ("user.videoQuota", Kind::Int { min: -1 }),
    ("user.videoQuotaDaily", Kind::Int { min: -1 }),
    ("transcoding.enabled", Kind::Bool),
    ("transcoding.allowAdditionalExtensions", Kind::Bool),
    ("transcoding.allowAudioFiles", Kind::Bool),
    ("transcoding.threads", Kind::Int { min: 0 }),
    ("transcoding.concurrency", Kind::Int { min: 1 }),
    ("transcoding.webVideos.enabled", Kind::Bool),
    ("transcoding.hls.enabled", Kind::Bool),
    ("import.videos.http.enabled", Kind::Bool),
    ("import.videos.torrent.enabled", Kind::Bool),
    ("followers.instance.enabled", Kind::Bool),
    ("followers.instance.manualApproval", Kind::Bool),
    ("live.enabled", Kind::Bool),
    ("cache.previews.size", Kind::Int { min: 0 }),
    ("cache.captions.size", Kind::Int { min: 0 }),
];

/// Fields checked only when present (newer PeerTube clients send them).
const OPTIONAL: &[(&str, Kind)] = &[
    ("instance.serverCountry", Kind::Text),
    ("instance.support.text", Kind::Text),
    ("instance.defaultClientRoute", Kind::Text),
    ("instance.customizations.css", Kind::Text),
    ("instance.customizations.javascript", Kind::Text),
    ("services.twitter.username", Kind::Text),
    ("signup.requiresApproval", Kind::Bool),
    ("signup.minimumAge", Kind::Int { min: 0 }),
    ("videoChannels.maxPerUser", Kind::Int { min: 0 }),
    ("transcoding.originalFile.keep", Kind::Bool),
    ("transcoding.remoteRunners.enabled", Kind::Bool),
    ("transcoding.alwaysTranscodeOriginalResolution", Kind::Bool),
    ("videoStudio.enabled", Kind::Bool),
    ("videoFile.update.enabled", Kind::Bool),
    ("import.videoChannelSynchronization.enabled", Kind::Bool),
    ("import.users.enabled", Kind::Bool),
    ("export.users.enabled", Kind::Bool),
    ("broadcastMessage.enabled", Kind::Bool),
    ("broadcastMessage.dismissable", Kind::Bool),
    ("search.remoteUri.users", Kind::Bool),
    ("search.remoteUri.anonymous", Kind::Bool),
    ("search.searchIndex.enabled", Kind::Bool),
    ("defaults.p2p.webapp.enabled", Kind::Bool),
    ("defaults.p2p.embed.enabled", Kind::Bool),
    ("defaults.player.autoPlay", Kind::Bool),
    ("user.history.videos.enabled", Kind::Bool),
    ("storyboards.enabled", Kind::Bool),
];

pub fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(v, |node, key| node.as_object()?.get(key))
}

/// Writes `value` at the dotted `path`, making objects on the way; a non-object on the way
/// leaves `v` unchanged.
fn set(v: &mut Value, path: &str, value: Value) {
    let mut node = v;
    let mut keys = path.split('.').peekable();
    while let Some(key) = keys.next() {
        if node.is_null() {
            *node = json!({});
        }
        let Some(obj) = node.as_object_mut() else {
            return;
        };
        if keys.peek().is_none() {
            obj.insert(key.to_string(), value);
            return;
        }
        node = obj.entry(key).or_insert(Value::Null);
    }
}

/// The `CustomConfig` the file/env settings give (what `DELETE` returns to).
pub fn defaults(s: &Settings) -> Value {
    let mut c: Value = serde_json::from_str(include_str!("../../data/custom-config-template.json"))
        .unwrap_or_else(|_| json!({}));
    set(&mut c, "instance.name", json!(s.instance.name));
    set(
        &mut c,
        "instance.shortDescription",
        json!(s.instance.short_description),
    );
    set(
        &mut c,
        "instance.description",
        json!(s.instance.description),
    );
    set(&mut c, "signup.enabled", json!(s.signup.enabled));
    set(&mut c, "signup.limit", json!(s.signup.limit));
    set(
        &mut c,
        "signup.requiresApproval",
        json!(s.signup.requires_approval),
    );
    set(
        &mut c,
        "signup.requiresEmailVerification",
        json!(s.signup.requires_email_verification),
    );
    set(&mut c, "signup.minimumAge", json!(s.signup.minimum_age));
    set(&mut c, "user.videoQuota", json!(s.user.video_quota));
    set(
        &mut c,
        "user.videoQuotaDaily",
        json!(s.user.video_quota_daily),
    );
    for (key, height) in RESOLUTIONS {
        set(
            &mut c,
            &format!("transcoding.resolutions.{key}"),
            json!(s.transcoding.resolutions.contains(height)),
        );
    }
    set(
        &mut c,
        "transcoding.webVideos.enabled",
        json!(s.transcoding.web_videos),
    );
    set(
        &mut c,
        "transcoding.concurrency",
        json!(s.transcoding.concurrency),
    );
    set(
        &mut c,
        "followers.instance.manualApproval",
        json!(s.federation.manual_approval),
    );
    c
}

/// Lays `over` on `base`, key by key, keeping only keys `base` has (unknown fields of a PUT are
/// dropped) and only values of the same JSON type (a default `null` takes anything).
fn overlay(base: &mut Value, over: &Value) {
    let (Some(b), Some(o)) = (base.as_object_mut(), over.as_object()) else {
        return;
    };
    for (k, ov) in o {
        let Some(bv) = b.get_mut(k) else { continue };
        match (bv.is_object(), ov.is_object()) {
            (true, true) => overlay(bv, ov),
            (false, false) if same_type(bv, ov) => *bv = ov.clone(),
            _ => {}
        }
    }
}

fn same_type(a: &Value, b: &Value) -> bool {
    matches!(
        (a, b),
        (Value::Null, _)
            | (Value::Bool(_), Value::Bool(_))
            | (Value::Number(_), Value::Number(_))
            | (Value::String(_), Value::String(_))
            | (Value::Array(_), Value::Array(_))
    )
}

/// The effective `CustomConfig`: defaults, the stored object over them, then what cannot change
/// here (unsupported features, settings read only at start).
pub fn effective(s: &Settings, stored: Option<&Value>) -> Value {
    let mut c = defaults(s);
    if let Some(st) = stored {
        overlay(&mut c, st);
    }
    for (path, keep, _) in UNSUPPORTED {
        set(&mut c, path, json!(keep));
    }
    // E-mail verification needs mail (`update` refuses it without SMTP, as PeerTube does).
    if !smtp_configured(s) {
        set(&mut c, "signup.requiresEmailVerification", json!(false));
    }
    // Worker concurrency is fixed when the workers start.
    set(
        &mut c,
        "transcoding.concurrency",
        json!(s.transcoding.concurrency),
    );
    c
}

fn smtp_configured(s: &Settings) -> bool {
    s.smtp.host.as_deref().is_some_and(|h| !h.is_empty())
}

/// The settings in effect under the `CustomConfig` `c`.
pub fn apply(s: &Settings, c: &Value) -> Settings {
    let mut out = s.clone();
    let text = |p: &str| get(c, p).and_then(Value::as_str).map(str::to_string);
    let flag = |p: &str| get(c, p).and_then(Value::as_bool);
    let int = |p: &str| get(c, p).and_then(Value::as_i64);
    if let Some(v) = text("instance.name") {
        out.instance.name = v;
    }
    if let Some(v) = text("instance.shortDescription") {
        out.instance.short_description = v;
    }
    if let Some(v) = text("instance.description") {
        out.instance.description = v;
    }
    if let Some(v) = flag("signup.requiresEmailVerification") {
        out.signup.requires_email_verification = v;
    }
    if let Some(v) = flag("signup.requiresApproval") {
        out.signup.requires_approval = v;
    }
    if let Some(v) = flag("signup.enabled") {
        out.signup.enabled = v;
    }
    if let Some(v) = int("signup.limit") {
        out.signup.limit = v;
    }
    if let Some(v) = int("signup.minimumAge") {
        out.signup.minimum_age = v;
    }
    if let Some(v) = int("user.videoQuota") {
        out.user.video_quota = v;
    }
    if let Some(v) = int("user.videoQuotaDaily") {
        out.user.video_quota_daily = v;
    }
    out.transcoding.resolutions = RESOLUTIONS
        .iter()
        .filter(|(key, _)| flag(&format!("transcoding.resolutions.{key}")) == Some(true))
        .map(|(_, h)| *h)
        .collect();
    if let Some(v) = flag("transcoding.webVideos.enabled") {
        out.transcoding.web_videos = v;
    }
    if let Some(v) = flag("followers.instance.manualApproval") {
        out.federation.manual_approval = v;
    }
    out
}

fn invalid(path: &str, value: Option<&Value>, message: &str) -> Error {
    let shown = match value {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    };
    Error::bad_param(path, &shown, message, ParamLocation::Body)
}

fn check(body: &Value, path: &str, kind: Kind, required: bool) -> Result<()> {
    let v = get(body, path);
    let ok = match (v, kind) {
        (None, _) => !required,
        (Some(Value::String(_)), Kind::Text) => true,
        // PeerTube's `exists()` lets null through for texts.
        (Some(Value::Null), Kind::Text) => true,
        (Some(Value::Bool(_)), Kind::Bool) => true,
        (Some(n), Kind::Int { min }) => n.as_i64().is_some_and(|i| i >= min),
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let message = match kind {
        Kind::Text => "Should have a value",
        Kind::Bool => "Should be a boolean",
        Kind::Int { .. } => "Should be a valid integer",
    };
    Err(invalid(path, v, message))
}

/// PeerTube's `customConfigUpdateValidator`, for the fields this server reads, and the refusal
/// of features it lacks. Nothing is stored when this fails.
pub fn validate(body: &Value) -> Result<()> {
    if !body.is_object() {
        return Err(Error::bad_request(
            "The body should be a CustomConfig object",
        ));
    }
    for (path, kind) in REQUIRED {
        check(body, path, *kind, true)?;
    }
    for (path, kind) in OPTIONAL {
        check(body, path, *kind, false)?;
    }
    for (key, _) in RESOLUTIONS {
        check(
            body,
            &format!("transcoding.resolutions.{key}"),
            Kind::Bool,
            true,
        )?;
    }
    let langs = get(body, "instance.languages");
    let valid_langs = langs
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().all(Value::is_string));
    if !valid_langs {
        return Err(invalid(
            "instance.languages",
            langs,
            "Should be an array of strings",
        ));
    }
    let cats = get(body, "instance.categories");
    let valid_cats = cats
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().all(Value::is_number));
    if !valid_cats {
        return Err(invalid(
            "instance.categories",
            cats,
            "Should be an array of numbers",
        ));
    }
    let policy = get(body, "instance.defaultNSFWPolicy");
    if !matches!(
        policy.and_then(Value::as_str),
        Some("do_not_list" | "blur" | "display" | "warn")
    ) {
        return Err(invalid(
            "instance.defaultNSFWPolicy",
            policy,
            "Should have a valid NSFW policy",
        ));
    }
    let email = get(body, "admin.email");
    let valid_email = email
        .and_then(Value::as_str)
        .is_some_and(|e| ferrotube_model::validate::email(e).is_ok());
    if !valid_email {
        return Err(invalid("admin.email", email, "Should be a valid email"));
    }
    // PeerTube's comment policies (1 enabled, 2 disabled, 3 requires approval), privacies
    // (1..=5) and licences (1..=7), when given.
    for (path, lo, hi) in [
        ("defaults.publish.commentsPolicy", 1, 3),
        ("defaults.publish.privacy", 1, 5),
        ("defaults.publish.licence", 1, 7),
    ] {
        let v = get(body, path);
        let ok = match v {
            None | Some(Value::Null) => true,
            Some(n) => n.as_i64().is_some_and(|i| (lo..=hi).contains(&i)),
        };
        if !ok {
            return Err(invalid(path, v, "Should have a valid value"));
        }
    }
    let level = get(body, "broadcastMessage.level");
    if !matches!(
        level.map(|l| l.as_str()),
        None | Some(Some("info" | "warning" | "error"))
    ) {
        return Err(invalid(
            "broadcastMessage.level",
            level,
            "Should have a valid level",
        ));
    }
    // Only the default theme exists here (PeerTube checks the theme is registered).
    let theme = get(body, "theme.default");
    if !matches!(theme.map(|t| t.as_str()), None | Some(Some("default"))) {
        return Err(invalid("theme.default", theme, "Should have a valid theme"));
    }
    for (path, keep, message) in UNSUPPORTED {
        if get(body, path)
            .and_then(Value::as_bool)
            .is_some_and(|v| v != *keep)
        {
            return Err(Error::bad_request(*message));
        }
    }
    Ok(())
}

/// Builds the view of the stored rows and installs it when they changed (or `force`); also
/// applies the stored job pause to this node's workers.
pub async fn reload(instance: &Instance, force: bool) -> Result<()> {
    let rows = instance.db.admin_settings().await?;
    let fingerprint: String = rows
        .iter()
        .map(|r| format!("{}:{};", r.name, r.updated_at))
        .collect();
    let value = |name: &str| {
        rows.iter()
            .find(|r| r.name == name)
            .and_then(|r| serde_json::from_str::<Value>(&r.value).ok())
    };
    let paused = value(JOBS_PAUSED).and_then(|v| v.as_bool()) == Some(true);
    instance.queue.set_paused(paused);
    let stored = value(CUSTOM_CONFIG);
    let custom = effective(&instance.settings, stored.as_ref());
    let next = Live {
        settings: apply(&instance.settings, &custom),
        custom,
        homepage: value(HOMEPAGE).and_then(|v| v.as_str().map(str::to_string)),
        instance_avatars: value(INSTANCE_AVATARS).unwrap_or_else(|| json!([])),
        instance_banners: value(INSTANCE_BANNERS).unwrap_or_else(|| json!([])),
        generation: 0,
    };
    if instance.runtime.swap(next, fingerprint, force) {
        // Public reads show the instance's name and images.
        instance.videos_changed();
    }
    Ok(())
}

/// [`reload`] after an administrator's change, and the other nodes told to reload too.
async fn reload_and_tell(instance: &Instance) -> Result<()> {
    reload(instance, true).await?;
    instance.bus.publish(crate::bus::Event::Settings);
    Ok(())
}

/// [`reload`] when the last look is older than [`super::runtime::RELOAD_EVERY`] (for request
/// paths; the background poll of `start` reloads every period regardless).
pub async fn reload_if_stale(instance: &Instance) {
    if instance.runtime.stale() {
        if let Err(e) = reload(instance, false).await {
            tracing::warn!(error = %e.detail, "cannot reload the runtime settings");
        }
    }
}

/// `PUT /api/v1/config/custom`: checks, stores and applies `body`; answers the new effective
/// `CustomConfig`.
pub async fn update(
    instance: &Instance,
    by: &super::audit::Actor<'_>,
    body: &Value,
) -> Result<Value> {
    validate(body)?;
    if !smtp_configured(&instance.settings)
        && get(body, "signup.requiresEmailVerification").and_then(Value::as_bool) == Some(true)
    {
        return Err(Error::bad_request(
            "SMTP is not configured but you require signup email verification.",
        ));
    }
    // Only what the defaults know is kept, so the stored object stays a CustomConfig.
    let mut kept = defaults(&instance.settings);
    overlay(&mut kept, body);
    let text = serde_json::to_string(&kept).map_err(Error::internal)?;
    let before = instance.runtime.live().custom.clone();
    instance
        .db
        .set_admin_setting(CUSTOM_CONFIG, &text, now_ms())
        .await?;
    reload_and_tell(instance).await?;
    let after = instance.runtime.live().custom.clone();
    super::audit::record(
        instance,
        by,
        "config",
        "update",
        json!({ "new": after, "old": before }),
    )
    .await;
    Ok(after)
}

/// `DELETE /api/v1/config/custom`: back to the file/env settings.
pub async fn reset(instance: &Instance, by: &super::audit::Actor<'_>) -> Result<Value> {
    let before = instance.runtime.live().custom.clone();
    instance.db.delete_admin_setting(CUSTOM_CONFIG).await?;
    reload_and_tell(instance).await?;
    let after = instance.runtime.live().custom.clone();
    super::audit::record(
        instance,
        by,
        "config",
        "delete",
        json!({ "new": after, "old": before }),
    )
    .await;
    Ok(after)
}

/// `POST /api/v1/jobs/pause` and `/resume`: a stored flag, so every node sharing the database
/// stops (or restarts) claiming jobs within [`super::runtime::RELOAD_EVERY`]; this node at once.
pub async fn set_jobs_paused(instance: &Instance, paused: bool) -> Result<()> {
    if paused {
        instance
            .db
            .set_admin_setting(JOBS_PAUSED, "true", now_ms())
            .await?;
    } else {
        instance.db.delete_admin_setting(JOBS_PAUSED).await?;
    }
    instance.queue.set_paused(paused);
    reload_and_tell(instance).await
}

/// `PUT /api/v1/custom-pages/homepage/instance`: an empty content removes the page.
pub async fn set_homepage(
    instance: &Instance,
    by: &super::audit::Actor<'_>,
    content: &str,
) -> Result<()> {
    if content.is_empty() {
        instance.db.delete_admin_setting(HOMEPAGE).await?;
    } else {
        let text = serde_json::to_string(content).map_err(Error::internal)?;
        instance
            .db
            .set_admin_setting(HOMEPAGE, &text, now_ms())
            .await?;
    }
    reload_and_tell(instance).await?;
    super::audit::record(
        instance,
        by,
        "custom-page",
        "update",
        json!({ "type": "homepage", "content": content }),
    )
    .await;
    Ok(())
}

/// Keeps only an object's keys that are in `keys` (for audit details).
pub fn pick(v: &Value, keys: &[&str]) -> Value {
    let mut m = Map::new();
    if let Some(o) = v.as_object() {
        for k in keys {
            if let Some(x) = o.get(*k) {
                m.insert((*k).to_string(), x.clone());
            }
        }
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_round_trip() {
        let s = Settings::default();
        let c = effective(&s, None);
        validate(&c).expect("the defaults pass the validator");
        let applied = apply(&s, &c);
        assert_eq!(applied.transcoding.resolutions, {
            let mut r = s.transcoding.resolutions.clone();
            r.sort_unstable();
            r
        });
        assert_eq!(applied.instance.name, s.instance.name);
    }

    #[test]
    fn overlay_keeps_known_keys_of_the_same_type() {
        let s = Settings::default();
        let mut body = effective(&s, None);
        set(&mut body, "instance.name", json!("Renamed"));
        set(&mut body, "instance.unknownField", json!("x"));
        set(&mut body, "signup.limit", json!("not a number"));
        let c = effective(&s, Some(&body));
        assert_eq!(get(&c, "instance.name"), Some(&json!("Renamed")));
        assert_eq!(get(&c, "instance.unknownField"), None);
        assert_eq!(get(&c, "signup.limit"), Some(&json!(s.signup.limit)));
    }

    #[test]
    fn bad_values_and_missing_features_are_refused() {
        let s = Settings::default();
        let good = effective(&s, None);
        for (path, value) in [
            ("signup.enabled", json!("yes")),
            ("user.videoQuota", json!(-5)),
            ("transcoding.concurrency", json!(0)),
            ("admin.email", json!("not-an-email")),
            ("instance.languages", json!([1])),
            ("live.enabled", json!(true)),
            ("transcoding.hls.enabled", json!(false)),
            ("defaults.publish.privacy", json!(9)),
            ("theme.default", json!("no-such-theme")),
            ("broadcastMessage.level", json!("loud")),
        ] {
            let mut b = good.clone();
            set(&mut b, path, value);
            let e = validate(&b).expect_err(path);
            assert_eq!(e.status.as_u16(), 400, "{path}");
        }
    }
}
