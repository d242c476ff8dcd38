//! The ActivityPub vocabulary against real wire data: what PeerTube 6.3 served and delivered
//! (samples/activitypub), PeerTube's own fixtures and a Mastodon Create{Note}.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)]

use ferrotube_federation::vocab::{self, *};
use serde_json::{json, Value};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// Where `ours` does not have the same keys as `sample`, at every level: `+path` for a key only
/// we emit, `-path` for one only the sample has, `#path` for arrays of different lengths and
/// `~path` where one side is an object/array and the other is not. Values are not compared.
fn key_diffs(sample: &Value, ours: &Value) -> Vec<String> {
    fn walk(s: &Value, o: &Value, path: &str, out: &mut Vec<String>) {
        match (s, o) {
            (Value::Object(s), Value::Object(o)) => {
                for k in s.keys().filter(|k| !o.contains_key(*k)) {
                    out.push(format!("-{path}.{k}"));
                }
                for k in o.keys().filter(|k| !s.contains_key(*k)) {
                    out.push(format!("+{path}.{k}"));
                }
                for (k, sv) in s {
                    if let Some(ov) = o.get(k) {
                        walk(sv, ov, &format!("{path}.{k}"), out);
                    }
                }
            }
            (Value::Array(s), Value::Array(o)) => {
                if s.len() != o.len() {
                    out.push(format!("#{path}"));
                }
                for (i, (sv, ov)) in s.iter().zip(o).enumerate() {
                    walk(sv, ov, &format!("{path}[{i}]"), out);
                }
            }
            (Value::Object(_) | Value::Array(_), _) | (_, Value::Object(_) | Value::Array(_)) => {
                out.push(format!("~{path}"))
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(sample, ours, "$", &mut out);
    out
}

fn deliveries() -> Vec<Value> {
    let d = fixture("inbox-deliveries.json");
    d["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| serde_json::from_str(d["rawBody"].as_str().unwrap()).unwrap())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Video

#[test]
fn peertube_video_parses_with_its_fields() {
    let v = parse_video(&fixture("peertube-video.json")).unwrap();
    assert_eq!(v.uuid, "92898c59-7abe-4bab-8383-e66da1715dff");
    assert_eq!(
        v.id,
        "http://localhost:9000/videos/watch/92898c59-7abe-4bab-8383-e66da1715dff"
    );
    assert_eq!(v.name, "Sample video");
    assert_eq!(v.duration_secs, 6);
    assert_eq!(v.category, Some((15, "Science & Technology".into())));
    assert_eq!(v.licence, Some((1, "Attribution".into())));
    assert_eq!(v.language, Some(("en".into(), "English".into())));
    assert_eq!(v.tags, ["ferrotube", "sample"]);
    assert_eq!(
        v.content.as_deref(),
        Some("A *sample* description in markdown.")
    );
    assert_eq!(v.support.as_deref(), Some("Support text"));
    assert_eq!(
        (
            v.comments_enabled,
            v.comments_policy,
            v.download_enabled,
            v.wait_transcoding
        ),
        (true, 1, true, true)
    );
    assert_eq!(
        (v.state, v.views, v.sensitive, v.is_live),
        (1, 0, false, false)
    );
    assert_eq!(v.aspect_ratio, Some(1.7778));
    assert_eq!(v.account_url, "http://localhost:9000/accounts/root");
    assert_eq!(
        v.channel_url,
        "http://localhost:9000/video-channels/root_channel"
    );
    assert_eq!(v.privacy(), Privacy::Public);
    assert_eq!(v.icons.len(), 2);
    assert_eq!(v.icons[0].width, Some(280));
    assert_eq!(v.likes_url, format!("{}/likes", v.id));
    assert_eq!(v.shares_url, format!("{}/announces", v.id));
    assert_eq!(v.chapters_url, Some(format!("{}/chapters", v.id)));
    assert_eq!(
        v.trackers,
        [
            "http://localhost:9000/tracker/announce",
            "ws://localhost:9000/tracker/socket"
        ]
    );
    assert_eq!(v.storyboard.as_ref().unwrap().tile_duration_secs, 1);
    assert!(v.web_files.is_empty());

    let hls = v.hls.as_ref().unwrap();
    assert!(hls.master_url.ends_with("-master.m3u8"));
    assert!(hls
        .segments_sha256_url
        .as_ref()
        .unwrap()
        .ends_with("-segments-sha256.json"));
    assert_eq!(hls.infohashes.len(), 5);
    assert_eq!(
        hls.files.iter().map(|f| f.height).collect::<Vec<_>>(),
        [720, 480, 360, 240, 144]
    );
    let f720 = &hls.files[0];
    assert_eq!(f720.size, Some(157277));
    assert_eq!((f720.width, f720.fps), (Some(1280), Some(30)));
    assert_eq!(f720.media_type, "video/mp4");
    assert!(f720.fragmented && f720.has_audio && f720.has_video);
    assert!(f720
        .metadata_url
        .as_ref()
        .unwrap()
        .ends_with("/metadata/309"));
    assert!(f720
        .torrent_url
        .as_ref()
        .unwrap()
        .ends_with("-720-hls.torrent"));
    assert!(f720.magnet_uri.as_ref().unwrap().starts_with("magnet:?xs="));
    assert_eq!(
        f720.info_hash.as_deref(),
        Some("aa72b29d5177d292b6181e0e658ef0bf52df88ca")
    );
}

#[test]
fn peertube_video_re_emits_identically() {
    let sample = fixture("peertube-video.json");
    let ours = video_to_json(&parse_video(&sample).unwrap());
    assert_eq!(key_diffs(&sample, &ours), Vec::<String>::new());
    assert_eq!(ours, sample);
}

#[test]
fn older_peertube_video_parses_and_re_emits_the_same_keys() {
    let sample = fixture("peertube-video-trimmed.json");
    let v = parse_video(&sample).unwrap();
    assert_eq!((v.duration_secs, v.category.as_ref().unwrap().0), (31, 11));
    assert_eq!(
        v.originally_published_at.as_deref(),
        Some("2024-06-01T13:13:21.000Z")
    );
    assert_eq!(v.subtitles[0].language, ("ab".into(), "Abkhazian".into()));
    let files = &v.hls.as_ref().unwrap().files;
    assert_eq!(
        files[0].info_hash.as_deref(),
        Some("86b34386d6fa99aae7d6a7efcab5f424cce72d00")
    );
    // No stream PropertyValues before 6.3: the HLS files are taken as fragmented audio+video.
    assert!(files
        .iter()
        .all(|f| f.fragmented && f.has_audio && f.has_video));

    // Exceptions: this capture predates PeerTube 6.3, which added `automaticallyGenerated`,
    // `PropertyValue` and `value` to the Video context and the stream PropertyValues
    // (`attachment`) to each file Link. We always emit the 6.3 shape.
    let expected = [
        "+$.@context[3].PropertyValue",
        "+$.@context[3].automaticallyGenerated",
        "+$.@context[3].value",
        "+$.url[1].tag[3].attachment",
        "+$.url[1].tag[7].attachment",
    ];
    assert_eq!(key_diffs(&sample, &video_to_json(&v)), expected);
}

#[test]
fn web_video_files_from_an_update_delivery() {
    let update = &deliveries()[3];
    let a = parse_activity(update).unwrap();
    let ObjectRef::Video(v) = &a.object else {
        panic!("{:?}", a.object)
    };
    assert!(v.hls.is_none());
    assert_eq!(v.content, None);
    assert_eq!(v.category, None);
    let f = &v.web_files[0];
    assert_eq!((f.height, f.size, f.fragmented), (720, Some(120110), false));
    assert_eq!(
        f.info_hash.as_deref(),
        Some("a25df2a42afcb83e8a6a8d8d141a99ccff4ee1df")
    );
    assert!(f.url.contains("/static/web-videos/"));
}

#[test]
fn links_pair_with_their_own_file() {
    // Two files of one height (30 and 60 fps): each metadata/torrent/magnet Link goes to the
    // file with its fps, whatever the order.
    let mut sample = fixture("peertube-video.json");
    let tag = sample["url"][1]["tag"].as_array_mut().unwrap();
    let mut twin: Vec<Value> = tag[6..10].to_vec();
    for l in &mut twin {
        l["fps"] = json!(60);
        let href = l["href"]
            .as_str()
            .unwrap()
            .replace("720", "720-60")
            .replace("aa72b29d", "bb72b29d");
        l["href"] = json!(href);
    }
    twin.reverse();
    tag.splice(6..6, twin);
    let v = parse_video(&sample).unwrap();
    let files = &v.hls.as_ref().unwrap().files;
    assert_eq!((files[0].fps, files[1].fps), (Some(60), Some(30)));
    assert!(files[0].torrent_url.as_ref().unwrap().contains("720-60"));
    assert_eq!(
        files[0].info_hash.as_deref(),
        Some("bb72b29d5177d292b6181e0e658ef0bf52df88ca")
    );
    assert_eq!(
        files[1].info_hash.as_deref(),
        Some("aa72b29d5177d292b6181e0e658ef0bf52df88ca")
    );
    assert!(files[1]
        .metadata_url
        .as_ref()
        .unwrap()
        .ends_with("/metadata/309"));
}

#[test]
fn durations() {
    assert_eq!(iso_duration(6), "PT6S");
    assert_eq!(parse_iso_duration("PT6S"), Some(6));
    assert_eq!(parse_iso_duration("PT1H2M3S"), Some(3723));
    assert_eq!(parse_iso_duration("PT2M"), Some(120));
    assert_eq!(parse_iso_duration("P1DT1S"), Some(86401));
    assert_eq!(parse_iso_duration("PT1.9S"), Some(1));
    for bad in [
        "", "P", "PT", "6", "PT6", "PTS", "PT1S1M", "PT1H1H", "PT-1S", "T6S", "PT6.5M", "P1H",
    ] {
        assert_eq!(parse_iso_duration(bad), None, "{bad}");
    }
}

#[test]
fn privacy_follows_the_audience() {
    let mut v = parse_video(&fixture("peertube-video.json")).unwrap();
    v.to = vec![];
    v.cc = vec![AS_PUBLIC.into()];
    assert_eq!(v.privacy(), Privacy::Unlisted);
    v.cc = vec!["http://localhost:9000/accounts/root/followers".into()];
    assert_eq!(v.privacy(), Privacy::Private);
    v.to = vec!["as:Public".into()];
    assert_eq!(v.privacy(), Privacy::Public);
}

fn video_with(
    edit: impl FnOnce(&mut serde_json::Map<String, Value>),
) -> Result<VideoObject, VocabError> {
    let mut v = fixture("peertube-video.json");
    edit(v.as_object_mut().unwrap());
    parse_video(&v)
}

#[test]
fn bad_videos_are_refused() {
    let err = video_with(|v| {
        v.insert("type".into(), json!("Note"));
    });
    assert!(
        matches!(err, Err(VocabError::WrongType { ref got, .. }) if got == "Note"),
        "{err:?}"
    );
    let err = video_with(|v| {
        v.insert("id".into(), json!("ftp://localhost/videos/1"));
    });
    assert!(
        matches!(err, Err(VocabError::NotHttpUrl { field: "id", .. })),
        "{err:?}"
    );
    let err = video_with(|v| {
        v.remove("attributedTo");
    });
    assert!(
        matches!(
            err,
            Err(VocabError::Invalid {
                field: "attributedTo",
                ..
            })
        ),
        "{err:?}"
    );
    let err = video_with(|v| {
        v["attributedTo"].as_array_mut().unwrap().pop();
    });
    assert!(
        matches!(
            err,
            Err(VocabError::Invalid {
                field: "attributedTo",
                ..
            })
        ),
        "{err:?}"
    );
    let err = video_with(|v| {
        v.insert("duration".into(), json!("6 seconds"));
    });
    assert!(
        matches!(
            err,
            Err(VocabError::Invalid {
                field: "duration",
                ..
            })
        ),
        "{err:?}"
    );
    let err = video_with(|v| {
        v.insert("uuid".into(), json!("92898c59-7abe-4bab-8383"));
    });
    assert!(
        matches!(err, Err(VocabError::Invalid { field: "uuid", .. })),
        "{err:?}"
    );
    let err = video_with(|v| {
        v.insert("name".into(), json!("ab"));
    });
    assert!(
        matches!(err, Err(VocabError::Invalid { field: "name", .. })),
        "{err:?}"
    );
    let err = video_with(|v| {
        v.insert("published".into(), json!("yesterday"));
    });
    assert!(
        matches!(
            err,
            Err(VocabError::Invalid {
                field: "published",
                ..
            })
        ),
        "{err:?}"
    );
    // A file served over anything but http(s) would be fetched blindly later.
    let err = video_with(|v| {
        v["url"][1]["tag"][6]["href"] = json!("file:///etc/passwd");
    });
    assert!(matches!(err, Err(VocabError::NotHttpUrl { .. })), "{err:?}");
    let err = video_with(|v| {
        v["url"][1]["tag"][9]["href"] = json!("magnet:?dn=no-hash");
    });
    assert!(
        matches!(
            err,
            Err(VocabError::Invalid {
                field: "url.href",
                ..
            })
        ),
        "{err:?}"
    );
    // Unknown fields are ignored.
    assert!(video_with(|v| {
        v.insert("somethingNew".into(), json!({ "x": 1 }));
    })
    .is_ok());
}

// ---------------------------------------------------------------------------------------------
// Actors

#[test]
fn peertube_actors_round_trip() {
    for (name, kind) in [
        ("person", ActorKind::Person),
        ("group", ActorKind::Group),
        ("application", ActorKind::Application),
    ] {
        let sample = fixture(&format!("peertube-actor-{name}.json"));
        let a = parse_actor(&sample).unwrap();
        assert_eq!(a.kind, kind);
        assert_eq!(
            a.shared_inbox.as_deref(),
            Some("http://localhost:9000/inbox")
        );
        assert!(a.public_key_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        let ours = actor_to_json(&a);
        assert_eq!(key_diffs(&sample, &ours), Vec::<String>::new(), "{name}");
        assert_eq!(ours, sample, "{name}");
    }
    let group = parse_actor(&fixture("peertube-actor-group.json")).unwrap();
    assert_eq!(group.attributed_to, ["http://localhost:9000/accounts/root"]);
    assert_eq!(group.name, "Main root channel");
    assert_eq!(
        group.key_id(),
        "http://localhost:9000/video-channels/root_channel#main-key"
    );
}

fn mastodon_actor() -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": "https://mastodon.example/users/alice",
        "type": "Person",
        "following": "https://mastodon.example/users/alice/following",
        "followers": "https://mastodon.example/users/alice/followers",
        "inbox": "https://mastodon.example/users/alice/inbox",
        "outbox": "https://mastodon.example/users/alice/outbox",
        "preferredUsername": "alice",
        "name": "",
        "summary": "<p>hi</p>",
        "url": "https://mastodon.example/@alice",
        "manuallyApprovesFollowers": false,
        "published": "2018-10-19T00:00:00Z",
        "publicKey": {
            "id": "https://mastodon.example/users/alice#main-key",
            "owner": "https://mastodon.example/users/alice",
            "publicKeyPem": fixture("mastodon-public-key.json")["publicKey"].clone()
        },
        "icon": { "type": "Image", "mediaType": "image/png", "url": "https://files.mastodon.example/a.png" },
        "image": { "type": "Image", "mediaType": "image/jpeg", "url": "https://files.mastodon.example/b.jpg" }
    })
}

#[test]
fn mastodon_actor_parses() {
    let a = parse_actor(&mastodon_actor()).unwrap();
    assert_eq!(a.kind, ActorKind::Person);
    assert_eq!(
        a.name, "alice",
        "an empty display name falls back to the username"
    );
    assert_eq!(a.url, "https://mastodon.example/@alice");
    assert_eq!(a.shared_inbox, None);
    assert_eq!(a.playlists, None);
    assert_eq!(a.icons.len(), 1);
    assert_eq!(a.icons[0].media_type, "image/png");
    assert_eq!(a.banners[0].url, "https://files.mastodon.example/b.jpg");
    // Emitted the PeerTube way: arrays, left out when empty.
    let v = actor_to_json(&a);
    assert_eq!(v["icon"][0]["url"], "https://files.mastodon.example/a.png");
    assert_eq!(v["image"][0]["mediaType"], "image/jpeg");
    assert!(v.get("endpoints").is_none());
    assert!(a.public_key_pem.contains("BEGIN PUBLIC KEY"));
}

#[test]
fn bad_actors_are_refused() {
    let mut v = mastodon_actor();
    v["publicKey"]["owner"] = json!("https://evil.example/users/mallory");
    assert!(matches!(
        parse_actor(&v),
        Err(VocabError::Invalid {
            field: "publicKey.owner",
            ..
        })
    ));
    let mut v = mastodon_actor();
    v["type"] = json!("Note");
    assert!(matches!(parse_actor(&v), Err(VocabError::WrongType { .. })));
    let mut v = mastodon_actor();
    v["inbox"] = json!("javascript:alert(1)");
    assert!(matches!(
        parse_actor(&v),
        Err(VocabError::NotHttpUrl { field: "inbox", .. })
    ));
    let mut v = fixture("peertube-actor-group.json");
    v.as_object_mut().unwrap().remove("attributedTo");
    assert_eq!(parse_actor(&v), Err(VocabError::Missing("attributedTo")));
}

// ---------------------------------------------------------------------------------------------
// Notes

#[test]
fn peertube_comment_round_trips() {
    let create = &deliveries()[4];
    let sample = &create["object"];
    let n = parse_note(sample).unwrap();
    assert_eq!(n.content, "origin comment");
    assert_eq!(n.media_type.as_deref(), Some("text/markdown"));
    assert_eq!(
        n.in_reply_to,
        "http://localhost:9002/videos/watch/0d174725-6d15-401b-af3f-640734ca83fe"
    );
    assert_eq!(n.attributed_to, "http://localhost:9002/accounts/root");
    assert!(!n.tombstone);
    let ours = note_to_json(&n);
    // Exception: served alone, the comment carries the comment @context; embedded, it does not.
    assert_eq!(key_diffs(sample, &ours), ["+$.@context"]);
    let mut bare = ours;
    bare.as_object_mut().unwrap().remove("@context");
    assert_eq!(&bare, sample);
}

#[test]
fn deleted_comment_is_a_tombstone() {
    let mut n = parse_note(&deliveries()[4]["object"]).unwrap();
    n.tombstone = true;
    let v = note_to_json(&n);
    assert_eq!(v["type"], "Tombstone");
    assert_eq!(v["formerType"], "Note");
    assert_eq!(v["deleted"], "2026-11-25T13:56:21.602Z");
    assert_eq!(v["inReplyTo"], json!(n.in_reply_to));
    assert!(v.get("content").is_none());
    let back = parse_note(&v).unwrap();
    assert!(back.tombstone);
    assert_eq!((back.id, back.in_reply_to), (n.id, n.in_reply_to));
}

#[test]
fn a_deleted_video_is_not_a_comment() {
    let v = json!({ "type": "Tombstone", "formerType": "Video", "id": "http://localhost:9000/videos/watch/x",
        "inReplyTo": "http://localhost:9000/videos/watch/y", "published": "2026-11-25T13:56:21.589Z" });
    assert!(matches!(parse_note(&v), Err(VocabError::WrongType { .. })));
}

#[test]
fn mastodon_reply_parses() {
    let create = fixture("mastodon-create.json");
    let n = parse_note(&create["object"]).unwrap();
    assert!(n.content.starts_with("<p><span class=\"h-card\">"));
    assert_eq!(n.media_type, None);
    assert_eq!(
        n.url.as_deref(),
        Some("http://localhost:3000/@ronan2/100939345950887698")
    );
    assert_eq!(
        n.in_reply_to,
        "http://localhost:9000/videos/watch/90e6f8ed-b369-423c-b0c8-f44e5350c752"
    );
    assert_eq!(
        n.mentions,
        [Mention {
            href: "http://localhost:9000/accounts/ronan".into(),
            name: "@ronan@localhost:9000".into()
        }]
    );

    let mut status = create["object"].clone();
    status["inReplyTo"] = Value::Null;
    assert_eq!(parse_note(&status), Err(VocabError::NotAReply));
    status.as_object_mut().unwrap().remove("inReplyTo");
    assert_eq!(parse_note(&status), Err(VocabError::NotAReply));
}

// ---------------------------------------------------------------------------------------------
// Activities

#[test]
fn inbox_deliveries_parse_and_re_emit_identically() {
    use ActivityKind::*;
    let kinds = [
        Follow, Announce, Announce, Update, Create, Update, Delete, Like, Undo, View,
    ];
    let bodies = deliveries();
    assert_eq!(bodies.len(), kinds.len());
    for (body, kind) in bodies.iter().zip(kinds) {
        let a = parse_activity(body).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(a.kind, kind);
        let ours = activity_body(&a);
        assert_eq!(key_diffs(body, &ours), Vec::<String>::new(), "{kind:?}");
        assert_eq!(&ours, body, "{kind:?}");
    }
    let undo = parse_activity(&bodies[8]).unwrap();
    let ObjectRef::Activity(follow) = &undo.object else {
        panic!("{:?}", undo.object)
    };
    assert_eq!(follow.kind, Follow);
    assert_eq!(
        follow.object_id(),
        Some("http://localhost:9002/accounts/peertube")
    );
    assert_eq!(
        undo.object_id(),
        Some("http://localhost:9001/accounts/peertube/follows/4")
    );
    let view = parse_activity(&bodies[9]).unwrap();
    assert_eq!(view.expires.as_deref(), Some("2026-11-25T13:56:26.531Z"));
    assert!(matches!(
        parse_activity(&bodies[4]).unwrap().object,
        ObjectRef::Note(_)
    ));
}

#[test]
fn activities_get_peertube_contexts() {
    let bodies = deliveries();
    let follow = activity_to_json(&parse_activity(&bodies[0]).unwrap());
    assert_eq!(follow["@context"], vocab::context::base());
    let update = activity_to_json(&parse_activity(&bodies[3]).unwrap());
    assert_eq!(
        update["@context"],
        fixture("peertube-video.json")["@context"]
    );
    assert!(
        update["object"].get("@context").is_none(),
        "embedded objects carry no context"
    );
    let create_note = activity_to_json(&parse_activity(&bodies[4]).unwrap());
    assert_eq!(
        create_note["@context"][3]["replyApproval"],
        "pt:replyApproval"
    );
    let view = activity_to_json(&parse_activity(&bodies[9]).unwrap());
    assert_eq!(view["@context"][3]["WatchAction"], "sc:WatchAction");
}

/// PeerTube's reply approval: `ApproveReply` of a comment, with its `inReplyTo`, parses (the
/// object is the approved comment) and is written with PeerTube's context for the type.
#[test]
fn approve_reply_round_trip() {
    let body = json!({
        "@context": vocab::context::reply_approval("ApproveReply"),
        "type": "ApproveReply",
        "id": "http://a.example/videos/watch/0d174725-6d15-401b-af3f-640734ca83fe/comments/7/approve-reply",
        "actor": "http://a.example/accounts/alice",
        "inReplyTo": "http://a.example/videos/watch/0d174725-6d15-401b-af3f-640734ca83fe",
        "object": "http://b.example/videos/watch/0d174725-6d15-401b-af3f-640734ca83fe/comments/3"
    });
    let a = parse_activity(&body).unwrap();
    assert_eq!(a.kind, ActivityKind::ApproveReply);
    assert_eq!(
        a.object_id(),
        Some("http://b.example/videos/watch/0d174725-6d15-401b-af3f-640734ca83fe/comments/3")
    );
    let out = activity_to_json(&a);
    assert_eq!(out["@context"][3]["ApproveReply"], "pt:ApproveReply");
    assert_eq!(out["type"], "ApproveReply");
    // An approval must come from the host it names itself after.
    let mut forged = body.clone();
    forged["id"] = json!("http://b.example/approve");
    assert!(parse_activity(&forged).is_err());
}

#[test]
fn announce_without_context_and_mastodon_create_parse() {
    let sample = fixture("peertube-announce-without-context.json");
    let a = parse_activity(&sample).unwrap();
    assert_eq!(a.kind, ActivityKind::Announce);
    assert_eq!(a.actor, "http://127.0.0.1:9002/accounts/peertube");
    assert_eq!(
        a.object,
        ObjectRef::Url(
            "http://127.0.0.1:9002/videos/watch/997111d4-e8d8-4f45-99d3-857905785d05".into()
        )
    );
    assert_eq!(activity_body(&a), sample);

    let create = parse_activity(&fixture("mastodon-create.json")).unwrap();
    assert_eq!(create.kind, ActivityKind::Create);
    assert_eq!(
        create.cc,
        [
            "http://localhost:3000/users/ronan2/followers",
            "http://localhost:9000/accounts/ronan"
        ]
    );
    assert_eq!(
        create.object_id(),
        Some("http://localhost:3000/users/ronan2/statuses/100939345950887698")
    );
}

#[test]
fn video_owner_may_delete_a_remote_comment() {
    // PeerTube names that Delete after the comment, on the commenter's host.
    let v = json!({ "to": [AS_PUBLIC], "cc": [], "type": "Delete",
        "id": "http://localhost:9001/videos/watch/x/comments/7/delete",
        "actor": "http://localhost:9002/accounts/root",
        "object": "http://localhost:9001/videos/watch/x/comments/7" });
    assert_eq!(parse_activity(&v).unwrap().kind, ActivityKind::Delete);
}

#[test]
fn actor_may_be_an_object() {
    let mut v = deliveries()[7].clone();
    v["actor"] = json!({ "type": "Person", "id": "http://localhost:9001/accounts/root" });
    assert_eq!(
        parse_activity(&v).unwrap().actor,
        "http://localhost:9001/accounts/root"
    );
}

#[test]
fn bad_activities_are_refused() {
    let bodies = deliveries();
    // Someone else's comment, wrapped in a Create by another server.
    let mut v = bodies[4].clone();
    v["object"]["id"] = json!("http://evil.example/videos/watch/x/comments/2");
    assert!(
        matches!(
            parse_activity(&v),
            Err(VocabError::HostMismatch {
                field: "object.id",
                ..
            })
        ),
        "{:?}",
        parse_activity(&v)
    );
    // An activity id on another host than its actor.
    let mut v = bodies[7].clone();
    v["id"] = json!("http://localhost:9002/accounts/root/likes/4");
    assert!(matches!(
        parse_activity(&v),
        Err(VocabError::HostMismatch { field: "id", .. })
    ));
    let mut v = bodies[7].clone();
    v["actor"] = json!("urn:uuid:1234");
    assert!(matches!(
        parse_activity(&v),
        Err(VocabError::NotHttpUrl { field: "actor", .. })
    ));
    let mut v = bodies[7].clone();
    v["type"] = json!("Move");
    assert_eq!(
        parse_activity(&v),
        Err(VocabError::Unsupported("Move".into()))
    );
    let mut v = bodies[7].clone();
    v.as_object_mut().unwrap().remove("object");
    assert_eq!(parse_activity(&v), Err(VocabError::Missing("object")));
    // The Video inside an Update is checked like any Video.
    let mut v = bodies[3].clone();
    v["object"]["duration"] = json!("forever");
    assert!(matches!(
        parse_activity(&v),
        Err(VocabError::Invalid {
            field: "duration",
            ..
        })
    ));
    // A Flag reporting something that is not a URL.
    let flag = json!({ "type": "Flag", "id": "http://localhost:9001/admin/abuses/1",
        "actor": "http://localhost:9001/accounts/peertube", "object": ["http://localhost:9002/videos/watch/x", "javascript:x"] });
    assert!(matches!(
        parse_activity(&flag),
        Err(VocabError::NotHttpUrl { .. })
    ));
    // Nesting is bounded.
    let mut v = bodies[0].clone();
    for i in 0..5 {
        v = json!({ "type": "Undo", "id": format!("http://localhost:9001/undo/{i}"), "actor": "http://localhost:9001/accounts/peertube", "object": v });
    }
    assert!(matches!(parse_activity(&v), Err(VocabError::TooDeep(_))));
}

#[test]
fn accept_and_undo_wrap_activities_of_other_hosts() {
    // The Follow keeps its follower's id and host inside the followee's Accept.
    let follow = deliveries()[0].clone();
    let accept = json!({ "type": "Accept", "id": "http://localhost:9002/accepts/follows/5",
        "actor": "http://localhost:9002/accounts/peertube", "object": follow });
    let a = parse_activity(&accept).unwrap();
    let ObjectRef::Activity(inner) = &a.object else {
        panic!("{:?}", a.object)
    };
    assert_eq!(
        (a.kind, inner.kind),
        (ActivityKind::Accept, ActivityKind::Follow)
    );
    assert_eq!(activity_body(&a), accept);
    // ...but the wrapped activity is checked like any other.
    let mut forged = accept.clone();
    forged["object"]["id"] = json!("http://localhost:9002/accounts/peertube/follows/4");
    assert!(matches!(
        parse_activity(&forged),
        Err(VocabError::HostMismatch { field: "id", .. })
    ));

    let undo_like = json!({ "to": [AS_PUBLIC], "cc": [], "type": "Undo",
        "id": "http://localhost:9001/accounts/root/likes/4/undo", "actor": "http://localhost:9001/accounts/root",
        "object": deliveries()[7].clone() });
    let u = parse_activity(&undo_like).unwrap();
    assert_eq!(
        u.object_id(),
        Some("http://localhost:9001/accounts/root/likes/4")
    );
    assert_eq!(activity_body(&u), undo_like);
}

#[test]
fn flag_round_trips() {
    let flag = Activity {
        id: "http://localhost:9000/admin/abuses/3".into(),
        kind: ActivityKind::Flag,
        actor: "http://localhost:9000/accounts/peertube".into(),
        object: ObjectRef::Url("http://remote.example/videos/watch/x".into()),
        to: vec!["http://remote.example/accounts/bob".into()],
        cc: vec![],
        content: Some("spam".into()),
        extra_objects: vec!["http://remote.example/accounts/bob".into()],
        expires: None,
        flag: Some(FlagDetails {
            reasons: vec!["spamOrMisleading".into(), "captions".into()],
            start_at: Some(3),
            end_at: Some(9),
        }),
    };
    let v = activity_to_json(&flag);
    // PeerTube's shape: predefined reasons as Hashtag tags, the span in seconds.
    assert_eq!(
        v["tag"],
        json!([
            { "type": "Hashtag", "name": "spamOrMisleading" },
            { "type": "Hashtag", "name": "captions" }
        ])
    );
    assert_eq!(
        (v["startAt"].as_i64(), v["endAt"].as_i64()),
        (Some(3), Some(9))
    );
    assert_eq!(
        v["object"],
        json!([
            "http://remote.example/videos/watch/x",
            "http://remote.example/accounts/bob"
        ])
    );
    assert_eq!(v["@context"][3]["Hashtag"], "as:Hashtag");
    assert_eq!(parse_activity(&v).unwrap(), flag);
}

// ---------------------------------------------------------------------------------------------
// Collections

#[test]
fn collections_as_peertube_serves_them() {
    let outbox = fixture("peertube-outbox.json");
    assert_eq!(
        ordered_collection(
            "http://localhost:9000/accounts/root/outbox",
            143,
            Some("http://localhost:9000/accounts/root/outbox?page=1")
        ),
        outbox
    );
    let followers = fixture("peertube-followers.json");
    assert_eq!(
        ordered_collection(
            "http://localhost:9000/video-channels/root_channel/followers",
            0,
            None
        ),
        followers
    );

    let c = parse_collection(&outbox).unwrap();
    assert_eq!((c.items.len(), c.total), (0, Some(143)));
    assert_eq!(
        c.next.as_deref(),
        Some("http://localhost:9000/accounts/root/outbox?page=1")
    );
    assert_eq!(
        parse_collection(&followers).unwrap(),
        CollectionPage {
            items: vec![],
            next: None,
            total: Some(0)
        }
    );
}

#[test]
fn outbox_page_round_trips() {
    let sample = fixture("peertube-outbox-page1.json");
    let page = parse_collection(&sample).unwrap();
    assert_eq!(page.items.len(), 10);
    assert_eq!(
        page.next.as_deref(),
        Some("http://localhost:9000/accounts/root/outbox?page=2")
    );
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|i| {
            let a = parse_activity(i).unwrap();
            assert!(matches!(
                (a.kind, &a.object),
                (ActivityKind::Create, ObjectRef::Video(_))
            ));
            activity_body(&a)
        })
        .collect();
    let ours = ordered_collection_page(
        "http://localhost:9000/accounts/root/outbox?page=1",
        "http://localhost:9000/accounts/root/outbox",
        items,
        143,
        page.next.as_deref(),
    );
    assert_eq!(key_diffs(&sample, &ours), Vec::<String>::new());
    assert_eq!(ours, sample);
}

#[test]
fn embedded_first_page_and_plain_items() {
    let c = json!({
        "type": "OrderedCollection", "id": "https://m.example/users/a/outbox", "totalItems": 2,
        "first": { "type": "OrderedCollectionPage", "orderedItems": ["https://m.example/1", { "id": "https://m.example/2" }], "next": "https://m.example/users/a/outbox?page=2" }
    });
    let p = parse_collection(&c).unwrap();
    assert_eq!(
        p.items,
        [
            json!("https://m.example/1"),
            json!({ "id": "https://m.example/2" })
        ]
    );
    assert_eq!(
        p.next.as_deref(),
        Some("https://m.example/users/a/outbox?page=2")
    );
    assert_eq!(p.total, Some(2));
    assert!(matches!(
        parse_collection(&json!({ "type": "Note" })),
        Err(VocabError::WrongType { .. })
    ));
}
