//! Our rows written as PeerTube's JSON (names and nesting from its OpenAPI spec, checked against
//! real answers in shared/peertube/samples).

use ferrotube_app::instance::Inner;
use ferrotube_db::accounts::{AccountRow, ActorImageKind, ChannelRow};
use ferrotube_db::users::UserRow;
use ferrotube_db::videos::{FileRow, PlaylistRow, VideoRow};
use ferrotube_model::constants::{categories, language_label, licences};
use ferrotube_model::timefmt::iso;
use ferrotube_model::{short_uuid, CommentsPolicy, FileKind, VideoState};
use serde::Serialize;
use serde_json::{json, Value};

#[derive(Serialize)]
pub struct IdLabel<T: Serialize> {
    pub id: T,
    pub label: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorSummary {
    pub id: i64,
    pub name: String,
    pub display_name: String,
    pub url: String,
    pub host: String,
    /// PeerTube's `ActorImage`s.
    pub avatars: Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Video {
    pub id: i64,
    pub uuid: String,
    #[serde(rename = "shortUUID")]
    pub short_uuid: String,
    pub url: String,
    pub name: String,
    pub category: IdLabel<Option<i64>>,
    pub licence: IdLabel<Option<i64>>,
    pub language: IdLabel<Option<String>>,
    pub privacy: IdLabel<i64>,
    pub nsfw: bool,
    pub truncated_description: Option<String>,
    pub description: Option<String>,
    pub is_local: bool,
    pub duration: i64,
    pub aspect_ratio: Option<f64>,
    pub views: i64,
    pub viewers: i64,
    pub likes: i64,
    pub dislikes: i64,
    pub thumbnail_path: Option<String>,
    pub preview_path: Option<String>,
    pub embed_path: String,
    pub created_at: String,
    pub updated_at: String,
    pub published_at: String,
    pub originally_published_at: Option<String>,
    pub is_live: bool,
    pub account: ActorSummary,
    pub channel: ActorSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<IdLabel<i64>>,
    /// Where the signed-in reader stopped (`{currentTime}`), when the video is in their history.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_history: Option<UserHistory>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserHistory {
    pub current_time: i64,
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(3)).collect();
        format!("{cut}...")
    }
}

/// `root@host` -> `root`: remote accounts and channels are stored under their handle.
pub fn local_part(handle: &str) -> &str {
    handle.split('@').next().unwrap_or(handle)
}

/// Rows written as PeerTube's JSON, as methods of the instance (which knows its URLs).
/// What a video's details show beside its row.
pub struct DetailsParts<'a> {
    pub tags: Vec<String>,
    pub files: &'a [FileRow],
    pub playlist: Option<&'a PlaylistRow>,
    /// Folders of the live copies of its HLS playlist (`redundancies[].baseUrl`).
    pub mirrors: &'a [String],
    pub account: Value,
    pub channel: Value,
}

pub trait JsonViews {
    fn actor_page_url(&self, kind: &str, name: &str, host: Option<&str>) -> String;
    fn video(&self, v: &VideoRow, with_state: bool) -> Video;
    fn video_details(&self, v: &VideoRow, d: DetailsParts<'_>) -> Value;
    fn remote_file_json(&self, f: &FileRow, url: &str) -> Value;
    fn torrent_fields(
        &self,
        v: &VideoRow,
        f: &FileRow,
        file_url: &str,
        mirror_urls: &[String],
    ) -> Option<serde_json::Map<String, Value>>;
    fn account(&self, a: &AccountRow) -> Value;
    fn channel(&self, c: &ChannelRow, owner: Option<&AccountRow>) -> Value;
    fn user(&self, u: &UserRow, account: &AccountRow, channels: &[ChannelRow]) -> Value;
    /// PeerTube's `ActorImage`s of an image column (migration 0010).
    fn actor_images(&self, kind: ActorImageKind, column: Option<&str>) -> Value;
}

impl JsonViews for Inner {
    fn actor_images(&self, kind: ActorImageKind, column: Option<&str>) -> Value {
        Value::Array(
            ferrotube_app::actor_images::stored::parse(column)
                .iter()
                .map(|i| ferrotube_app::actor_images::stored::image_json(&self.url, kind, i))
                .collect(),
        )
    }

    /// The URL of an account or channel page, ours or (by PeerTube's layout) a remote one's.
    fn actor_page_url(&self, kind: &str, name: &str, host: Option<&str>) -> String {
        match host {
            None => format!("{}/{kind}/{name}", self.url),
            Some(h) => {
                let scheme = if self.url.starts_with("https:") {
                    "https"
                } else {
                    "http"
                };
                format!("{scheme}://{h}/{kind}/{}", local_part(name))
            }
        }
    }

    fn video(&self, v: &VideoRow, with_state: bool) -> Video {
        let uuid = uuid::Uuid::parse_str(&v.uuid).unwrap_or_default();
        let privacy = v.privacy;
        Video {
            id: v.id,
            uuid: v.uuid.clone(),
            short_uuid: short_uuid(&uuid),
            url: v
                .url
                .clone()
                .unwrap_or_else(|| format!("{}/videos/watch/{}", self.url, v.uuid)),
            name: v.name.clone(),
            category: IdLabel {
                id: v.category,
                label: v
                    .category
                    .and_then(|c| categories().get(&c).cloned())
                    .unwrap_or_else(|| "Unknown".into()),
            },
            licence: IdLabel {
                id: v.licence,
                label: v
                    .licence
                    .and_then(|c| licences().get(&c).cloned())
                    .unwrap_or_else(|| "Unknown".into()),
            },
            language: IdLabel {
                id: v.language.clone(),
                label: v
                    .language
                    .as_deref()
                    .and_then(language_label)
                    .unwrap_or("Unknown")
                    .to_string(),
            },
            privacy: IdLabel {
                id: privacy.id(),
                label: privacy.label().into(),
            },
            nsfw: v.nsfw,
            truncated_description: v.description.as_deref().map(|d| truncate(d, 250)),
            description: v.description.as_deref().map(|d| truncate(d, 250)),
            is_local: v.is_local(),
            duration: v.duration,
            aspect_ratio: v.aspect_ratio.map(|a| (a * 10_000.0).round() / 10_000.0),
            views: v.views,
            viewers: 0,
            likes: v.likes,
            dislikes: v.dislikes,
            thumbnail_path: v
                .thumbnail_name
                .as_ref()
                .map(|t| format!("/lazy-static/thumbnails/{t}")),
            preview_path: v
                .preview_name
                .as_ref()
                .map(|t| format!("/lazy-static/previews/{t}")),
            embed_path: format!("/videos/embed/{}", v.uuid),
            created_at: iso(v.created_at),
            updated_at: iso(v.updated_at),
            published_at: iso(v.published_at),
            originally_published_at: v.originally_published_at.map(iso),
            is_live: false,
            account: ActorSummary {
                id: v.account_id,
                name: local_part(&v.account_name).to_string(),
                display_name: v.account_display_name.clone(),
                url: v.account_actor_url.clone().unwrap_or_else(|| {
                    self.actor_page_url("accounts", &v.account_name, v.account_host.as_deref())
                }),
                host: v.account_host.clone().unwrap_or_else(|| self.host.clone()),
                avatars: self.actor_images(ActorImageKind::Avatar, v.account_avatars.as_deref()),
            },
            channel: ActorSummary {
                id: v.channel_id,
                name: local_part(&v.channel_name).to_string(),
                display_name: v.channel_display_name.clone(),
                url: v.channel_actor_url.clone().unwrap_or_else(|| {
                    self.actor_page_url(
                        "video-channels",
                        &v.channel_name,
                        v.channel_host.as_deref(),
                    )
                }),
                host: v.channel_host.clone().unwrap_or_else(|| self.host.clone()),
                avatars: self.actor_images(ActorImageKind::Avatar, v.channel_avatars.as_deref()),
            },
            state: with_state.then(|| state_label(v.state.id())),
            user_history: None,
        }
    }

    fn video_details(&self, v: &VideoRow, d: DetailsParts<'_>) -> Value {
        let DetailsParts {
            tags,
            files,
            playlist,
            mirrors,
            account,
            channel,
        } = d;
        let mut out = serde_json::to_value(self.video(v, true)).unwrap_or_else(|_| json!({}));
        // Files of videos not readable by anyone live under `/private/`, as in PeerTube, so a
        // proxy or CDN can tell which paths need authorization.
        let base = self.file_base_url(v, FileKind::Hls);
        let file_json = |f: &FileRow, base: &str, download_url: String| {
            if let Some(url) = &f.file_url {
                return self.remote_file_json(f, url);
            }
            let url = format!("{base}/{}", f.filename);
            // Copies hold HLS files only, under the same names.
            let seeds: Vec<String> = if f.kind == FileKind::Hls {
                mirrors
                    .iter()
                    .map(|m| format!("{m}/{}", f.filename))
                    .collect()
            } else {
                Vec::new()
            };
            let torrent = self.torrent_fields(v, f, &url, &seeds);
            let mut j = json!({
                "id": f.id,
                "resolution": { "id": f.resolution, "label": ferrotube_model::state::resolution_label(f.resolution) },
                "width": f.width,
                "height": f.height,
                "size": f.size,
                "fps": f.fps,
                "fileUrl": url,
                "fileDownloadUrl": download_url,
                "metadataUrl": format!("{}/api/v1/videos/{}/metadata/{}", self.url, v.uuid, f.id),
                "hasAudio": f.has_audio,
                "hasVideo": f.has_video,
                // PeerTube's FileStorage: 0 local disk, 1 object storage (migration 0017).
                "storage": v.storage,
            });
            if let (Some(o), Some(t)) = (j.as_object_mut(), torrent) {
                o.extend(t);
            }
            j
        };
        let hls_files: Vec<Value> = files
            .iter()
            .filter(|f| f.kind == FileKind::Hls)
            .map(|f| {
                file_json(
                    f,
                    &base,
                    // PeerTube's download name: `<video uuid>-<resolution>-fragmented.mp4`.
                    format!(
                        "{}/download/streaming-playlists/hls/videos/{}-{}-fragmented.mp4",
                        self.url, v.uuid, f.resolution
                    ),
                )
            })
            .collect();
        let web_files: Vec<Value> = files
            .iter()
            .filter(|f| f.kind == FileKind::WebVideo)
            .map(|f| {
                file_json(
                    f,
                    &self.file_base_url(v, FileKind::WebVideo),
                    format!("{}/download/web-videos/{}", self.url, f.filename),
                )
            })
            .collect();
        let playlists: Vec<Value> = playlist
            .map(|p| {
                vec![json!({
                    "id": p.id,
                    "type": 1,
                    "playlistUrl": p.playlist_url.clone().unwrap_or_else(|| format!("{base}/{}", p.master_filename)),
                    "segmentsSha256Url": p.segments_sha256_url.clone().or_else(|| v.is_local().then(|| format!("{base}/{}", p.sha256_filename))),
                    "redundancies": mirrors.iter().map(|m| json!({ "baseUrl": m })).collect::<Vec<_>>(),
                    "files": hls_files,
                })]
            })
            .unwrap_or_default();
        let policy = CommentsPolicy::from_id(v.comments_policy).unwrap_or(CommentsPolicy::Enabled);
        if let Some(o) = out.as_object_mut() {
            o.insert("description".into(), json!(v.description));
            o.insert("support".into(), json!(v.support));
            o.insert(
                "descriptionPath".into(),
                json!(format!("/api/v1/videos/{}/description", v.uuid)),
            );
            o.insert("tags".into(), json!(tags));
            o.insert(
                "commentsEnabled".into(),
                json!(policy != CommentsPolicy::Disabled),
            );
            o.insert(
                "commentsPolicy".into(),
                json!({ "id": policy.id(), "label": policy.label() }),
            );
            o.insert("downloadEnabled".into(), json!(v.download_enabled));
            o.insert("waitTranscoding".into(), json!(v.wait_transcoding));
            o.insert("blacklisted".into(), json!(v.blacklisted));
            o.insert("blacklistedReason".into(), json!(v.blacklist_reason));
            o.insert(
                "inputFileUpdatedAt".into(),
                json!(v.input_file_updated_at.map(iso)),
            );
            o.insert("files".into(), json!(web_files));
            o.insert("streamingPlaylists".into(), json!(playlists));
            // A remote video's swarm is signalled by its origin's tracker, as in PeerTube.
            let origin = match &v.channel_host {
                Some(h) => format!(
                    "{}://{h}",
                    if self.url.starts_with("https:") {
                        "https"
                    } else {
                        "http"
                    }
                ),
                None => self.url.clone(),
            };
            o.insert(
                "trackerUrls".into(),
                json!([
                    format!("{origin}/tracker/announce"),
                    format!("{}/tracker/socket", origin.replacen("http", "ws", 1))
                ]),
            );
            o.insert("account".into(), account);
            o.insert("channel".into(), channel);
            if let Some(reason) = &v.state_reason {
                o.insert("stateReason".into(), json!(reason));
            }
        }
        out
    }

    /// A remote video's file: everything points at its origin.
    fn remote_file_json(&self, f: &FileRow, url: &str) -> Value {
        json!({
            "id": f.id,
            "resolution": { "id": f.resolution, "label": ferrotube_model::state::resolution_label(f.resolution) },
            "width": f.width,
            "height": f.height,
            "size": f.size,
            "fps": f.fps,
            "fileUrl": url,
            "fileDownloadUrl": url,
            "torrentUrl": f.torrent_url,
            "torrentDownloadUrl": f.torrent_url,
            "magnetUri": f.magnet_uri,
            "metadataUrl": null,
            "hasAudio": f.has_audio,
            "hasVideo": f.has_video,
            "storage": 0,
        })
    }

    /// `torrentUrl`, `torrentDownloadUrl` and `magnetUri` of a file that has a torrent.
    /// `mirror_urls`: the same file on the instances that keep a copy, extra web seeds.
    fn torrent_fields(
        &self,
        v: &VideoRow,
        f: &FileRow,
        file_url: &str,
        mirror_urls: &[String],
    ) -> Option<serde_json::Map<String, Value>> {
        let name = f.torrent_filename.as_ref()?;
        let mut hash = [0u8; 20];
        hex::decode_to_slice(f.info_hash.as_deref()?, &mut hash).ok()?;
        let trackers = &self.trackers;
        let torrent_url = format!("{}/lazy-static/torrents/{name}", self.url);
        let mut web_seeds = vec![file_url];
        web_seeds.extend(mirror_urls.iter().map(String::as_str));
        let magnet = ferrotube_p2p::magnet_uri(
            &torrent_url,
            &hash,
            &v.name,
            &[&trackers.http, &trackers.ws],
            &web_seeds,
        );
        let mut m = serde_json::Map::new();
        m.insert("torrentUrl".into(), json!(torrent_url));
        m.insert(
            "torrentDownloadUrl".into(),
            json!(format!("{}/download/torrents/{name}", self.url)),
        );
        m.insert("magnetUri".into(), json!(magnet));
        Some(m)
    }

    fn account(&self, a: &AccountRow) -> Value {
        json!({
            "url": a.actor_url.clone().unwrap_or_else(|| self.actor_page_url("accounts", &a.name, a.host.as_deref())),
            "name": local_part(&a.name),
            "host": a.host.clone().unwrap_or_else(|| self.host.clone()),
            "avatars": self.actor_images(ActorImageKind::Avatar, a.avatars.as_deref()),
            "id": a.id,
            "hostRedundancyAllowed": false,
            "followingCount": a.following_count,
            "followersCount": a.followers_count,
            "createdAt": iso(a.created_at),
            "displayName": a.display_name,
            "description": a.description,
            "updatedAt": iso(a.updated_at),
            "userId": a.user_id,
        })
    }

    fn channel(&self, c: &ChannelRow, owner: Option<&AccountRow>) -> Value {
        let mut v = json!({
            "url": c.actor_url.clone().unwrap_or_else(|| self.actor_page_url("video-channels", &c.name, c.host.as_deref())),
            "name": local_part(&c.name),
            "host": c.host.clone().unwrap_or_else(|| self.host.clone()),
            "avatars": self.actor_images(ActorImageKind::Avatar, c.avatars.as_deref()),
            "id": c.id,
            "hostRedundancyAllowed": false,
            "followingCount": c.following_count,
            "followersCount": c.followers_count,
            "createdAt": iso(c.created_at),
            "banners": self.actor_images(ActorImageKind::Banner, c.banners.as_deref()),
            "displayName": c.display_name,
            "description": c.description,
            "support": c.support,
            "isLocal": c.host.is_none(),
            "updatedAt": iso(c.updated_at),
        });
        if let (Some(o), Some(a)) = (v.as_object_mut(), owner) {
            o.insert("ownerAccount".into(), self.account(a));
        }
        v
    }

    fn user(&self, u: &UserRow, account: &AccountRow, channels: &[ChannelRow]) -> Value {
        let role = u.role;
        json!({
            "id": u.id,
            "username": u.username,
            "email": u.email,
            "theme": "instance-default",
            "pendingEmail": null,
            "emailPublic": false,
            "emailVerified": u.email_verified,
            "nsfwPolicy": u.nsfw_policy,
            "p2pEnabled": true,
            "videosHistoryEnabled": true,
            "autoPlayVideo": true,
            "autoPlayNextVideo": false,
            "autoPlayNextVideoPlaylist": true,
            "videoLanguages": null,
            "role": { "id": role.id(), "label": role.label() },
            "videoQuota": u.video_quota,
            "videoQuotaDaily": u.video_quota_daily,
            "noInstanceConfigWarningModal": false,
            "noWelcomeModal": false,
            "noAccountSetupWarningModal": false,
            "blocked": u.blocked,
            "blockedReason": u.blocked_reason,
            "account": self.account(account),
            "videoChannels": channels.iter().map(|c| self.channel(c, None)).collect::<Vec<_>>(),
            "createdAt": iso(u.created_at),
            "pluginAuth": null,
            "lastLoginDate": u.last_login_at.map(iso),
            "twoFactorEnabled": false,
            "adminFlags": 0,
            "specialPlaylists": [],
        })
    }
}

pub fn state_label(state: i64) -> IdLabel<i64> {
    IdLabel {
        id: state,
        label: VideoState::from_id(state)
            .map(|s| s.label())
            .unwrap_or("Unknown")
            .to_string(),
    }
}
