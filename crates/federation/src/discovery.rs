//! Discovery documents, shaped exactly like PeerTube 6.3's answers (see
//! tests/fixtures/{webfinger-*,nodeinfo-*,host-meta.xml}): WebFinger for accounts and
//! channels, NodeInfo 2.0 with its `/.well-known/nodeinfo` index, and host-meta.
//!
//! `base_url` is the public origin without trailing slash (`http://localhost:9000`); `host` is
//! what appears in `acct:` URIs, with the port when not 80/443 (`localhost:9000`), as PeerTube.

use serde::Serialize;
use serde_json::Value;

pub const WEBFINGER_CONTENT_TYPE: &str = "application/jrd+json";
pub const HOST_META_CONTENT_TYPE: &str = "application/xrd+xml";
pub const NODEINFO_2_0_PROFILE: &str = "http://nodeinfo.diaspora.software/ns/schema/2.0";

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WebFinger {
    pub subject: String,
    pub aliases: Vec<String>,
    pub links: Vec<Link>,
}

/// A JRD link. Field order matches PeerTube's output; absent fields are omitted, not null.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Link {
    pub rel: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

/// The WebFinger answer for a local actor (account or channel: PeerTube answers both the same
/// way, only `actor_url` differs: `/accounts/<name>` or `/video-channels/<name>`).
pub fn webfinger(name: &str, host: &str, actor_url: &str, base_url: &str) -> WebFinger {
    WebFinger {
        subject: format!("acct:{name}@{host}"),
        aliases: vec![actor_url.to_owned()],
        links: vec![
            Link {
                rel: "self".into(),
                media_type: Some("application/activity+json".into()),
                href: Some(actor_url.to_owned()),
                template: None,
            },
            Link {
                rel: "http://ostatus.org/schema/1.0/subscribe".into(),
                media_type: None,
                href: None,
                template: Some(format!("{base_url}/remote-interaction?uri={{uri}}")),
            },
        ],
    }
}

/// Splits a WebFinger `resource` (`acct:name@host`, the `acct:` optional as Mastodon sends it
/// both ways) into name and host. Returns `None` for anything else; the caller compares the
/// host with ours and looks the name up among accounts, then channels.
pub fn parse_acct(resource: &str) -> Option<(&str, &str)> {
    let rest = resource.strip_prefix("acct:").unwrap_or(resource);
    // A leading '@' (`@name@host`) is a common user typo; the name itself never contains '@'.
    let rest = rest.strip_prefix('@').unwrap_or(rest);
    let (name, host) = rest.split_once('@')?;
    if name.is_empty() || host.is_empty() || host.contains('@') || host.contains('/') {
        return None;
    }
    Some((name, host))
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeInfoIndex {
    pub links: Vec<Link>,
}

/// `/.well-known/nodeinfo`: where NodeInfo 2.0 lives, plus PeerTube's pointer to its
/// application actor (how other PeerTubes find the instance actor to follow).
pub fn nodeinfo_index(base_url: &str, application_actor_url: &str) -> NodeInfoIndex {
    NodeInfoIndex {
        links: vec![
            Link {
                rel: NODEINFO_2_0_PROFILE.into(),
                media_type: None,
                href: Some(format!("{base_url}/nodeinfo/2.0.json")),
                template: None,
            },
            Link {
                rel: "https://www.w3.org/ns/activitystreams#Application".into(),
                media_type: None,
                href: Some(application_actor_url.to_owned()),
                template: None,
            },
        ],
    }
}

/// The figures and texts NodeInfo reports; everything else is fixed by PeerTube's format.
#[derive(Clone, Debug)]
pub struct NodeInfoInput {
    /// The PeerTube version we claim compatibility with (clients gate features on it).
    pub software_version: String,
    pub open_registrations: bool,
    pub total_users: i64,
    pub active_month: i64,
    pub active_halfyear: i64,
    pub local_posts: i64,
    pub local_comments: i64,
    pub node_name: String,
    pub node_description: String,
    /// PeerTube's `metadata.nodeConfig` (search, plugins, transcoding, upload limits...):
    /// built by the caller from the instance configuration.
    pub node_config: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeInfo {
    pub version: &'static str,
    pub software: Software,
    pub protocols: Vec<&'static str>,
    pub services: Services,
    pub open_registrations: bool,
    pub usage: Usage,
    pub metadata: Metadata,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Software {
    pub name: &'static str,
    pub version: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Services {
    pub inbound: Vec<&'static str>,
    pub outbound: Vec<&'static str>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub users: Users,
    pub local_posts: i64,
    pub local_comments: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Users {
    pub total: i64,
    pub active_month: i64,
    pub active_halfyear: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub taxonomy: Taxonomy,
    pub node_name: String,
    pub node_description: String,
    pub node_config: Value,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Taxonomy {
    pub posts_name: &'static str,
}

/// NodeInfo 2.0 as PeerTube writes it. `software.name` stays `peertube`: crawlers and
/// instance lists (joinpeertube.org) recognise PeerTube instances by it.
pub fn nodeinfo(input: NodeInfoInput) -> NodeInfo {
    NodeInfo {
        version: "2.0",
        software: Software {
            name: "peertube",
            version: input.software_version,
        },
        protocols: vec!["activitypub"],
        services: Services {
            inbound: vec![],
            outbound: vec!["atom1.0", "rss2.0"],
        },
        open_registrations: input.open_registrations,
        usage: Usage {
            users: Users {
                total: input.total_users,
                active_month: input.active_month,
                active_halfyear: input.active_halfyear,
            },
            local_posts: input.local_posts,
            local_comments: input.local_comments,
        },
        metadata: Metadata {
            taxonomy: Taxonomy {
                posts_name: "Videos",
            },
            node_name: input.node_name,
            node_description: input.node_description,
            node_config: input.node_config,
        },
    }
}

fn xml_attr_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `/.well-known/host-meta`, byte for byte PeerTube's (no trailing newline).
pub fn host_meta(base_url: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
         <Link rel=\"lrdd\" type=\"application/xrd+xml\" template=\"{}/.well-known/webfinger?resource={{uri}}\"/>\n\
         </XRD>",
        xml_attr_escape(base_url)
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn acct_parsing() {
        assert_eq!(
            parse_acct("acct:root@localhost:9000"),
            Some(("root", "localhost:9000"))
        );
        assert_eq!(
            parse_acct("root_channel@example.com"),
            Some(("root_channel", "example.com"))
        );
        assert_eq!(parse_acct("acct:@a@b"), Some(("a", "b")));
        for bad in [
            "acct:root",
            "acct:@host",
            "acct:root@",
            "a@b@c",
            "acct:a@b/c",
            "",
        ] {
            assert_eq!(parse_acct(bad), None, "{bad}");
        }
    }

    #[test]
    fn host_meta_escapes() {
        assert!(host_meta("http://a\"b").contains("template=\"http://a&quot;b/"));
    }
}
