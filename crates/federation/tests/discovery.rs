//! Discovery documents compared with what a real PeerTube 6.3 on localhost:9000 answered.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)]

use ferrotube_federation::discovery::{self, NodeInfoInput};
use serde_json::Value;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The fixture as compact JSON in its own key order (pretty-printing whitespace removed
/// outside strings), so comparisons check field order as well as values.
fn compact(text: &str) -> String {
    let mut out = String::new();
    let (mut in_str, mut esc) = (false, false);
    for ch in text.chars() {
        if in_str {
            out.push(ch);
            if esc {
                esc = false;
            } else if ch == '\\' {
                esc = true;
            } else if ch == '"' {
                in_str = false;
            }
        } else if !ch.is_whitespace() {
            in_str = ch == '"';
            out.push(ch);
        }
    }
    out
}

const BASE: &str = "http://localhost:9000";
const HOST: &str = "localhost:9000";

#[test]
fn webfinger_account_matches_peertube() {
    let doc = discovery::webfinger("root", HOST, &format!("{BASE}/accounts/root"), BASE);
    assert_eq!(
        serde_json::to_string(&doc).unwrap(),
        compact(&fixture("webfinger-account.json"))
    );
}

#[test]
fn webfinger_channel_matches_peertube() {
    let doc = discovery::webfinger(
        "root_channel",
        HOST,
        &format!("{BASE}/video-channels/root_channel"),
        BASE,
    );
    assert_eq!(
        serde_json::to_string(&doc).unwrap(),
        compact(&fixture("webfinger-channel.json"))
    );
}

#[test]
fn webfinger_on_another_host() {
    let doc = discovery::webfinger(
        "alice",
        "videos.example",
        "https://videos.example/accounts/alice",
        "https://videos.example",
    );
    let v = serde_json::to_value(&doc).unwrap();
    assert_eq!(v["subject"], "acct:alice@videos.example");
    assert_eq!(
        v["links"][1]["template"],
        "https://videos.example/remote-interaction?uri={uri}"
    );
}

#[test]
fn nodeinfo_index_matches_peertube() {
    let doc = discovery::nodeinfo_index(BASE, &format!("{BASE}/accounts/peertube"));
    assert_eq!(
        serde_json::to_string(&doc).unwrap(),
        compact(&fixture("nodeinfo-wellknown.json"))
    );
}

#[test]
fn nodeinfo_matches_peertube() {
    let sample: Value = serde_json::from_str(&fixture("nodeinfo-2.0.json")).unwrap();
    let doc = discovery::nodeinfo(NodeInfoInput {
        software_version: "6.3.0".into(),
        open_registrations: false,
        total_users: 1,
        active_month: 1,
        active_halfyear: 1,
        local_posts: 143,
        local_comments: 0,
        node_name: "PeerTube".into(),
        node_description: "PeerTube, an ActivityPub-federated video streaming platform using P2P directly in your web browser.".into(),
        node_config: sample["metadata"]["nodeConfig"].clone(),
    });
    assert_eq!(serde_json::to_value(&doc).unwrap(), sample);
    // Field order outside nodeConfig (which the caller supplies) matches too.
    let ours = serde_json::to_string(&doc).unwrap();
    let theirs = compact(&fixture("nodeinfo-2.0.json"));
    let head = |s: &str| s[..s.find("\"nodeConfig\"").unwrap()].to_owned();
    assert_eq!(head(&ours), head(&theirs));
}

#[test]
fn host_meta_matches_peertube() {
    assert_eq!(discovery::host_meta(BASE), fixture("host-meta.xml"));
}
