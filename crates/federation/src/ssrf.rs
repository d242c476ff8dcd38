//! SSRF guard for every fetch a remote party can make us do (actor/object dereferencing,
//! WebFinger, media). Anyone can hand us a URL in an activity; without this check it could
//! point at our database, cloud metadata (169.254.169.254) or the admin's router.
//!
//! [`check_remote_url`] vets the URL itself (scheme, userinfo, literal addresses, `localhost`).
//! [`resolve_remote_url`] also resolves the name and vets every address, then returns those
//! addresses: the caller must connect to exactly them (e.g. reqwest's `resolve_to_addrs`), so
//! a second DNS answer (DNS rebinding) cannot swap in a private address after the check.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use url::{Host, Url};

/// Why an address is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressKind {
    Unspecified,
    Loopback,
    Private,
    LinkLocal,
    UniqueLocal,
    Multicast,
    Broadcast,
    SharedCgnat,
    /// IETF protocol assignments, benchmarking, documentation, 240/4 and similar ranges
    /// that are never a legitimate public server.
    Reserved,
}

impl AddressKind {
    /// Kinds that are never a valid destination, even in a test federation on loopback.
    fn always_forbidden(self) -> bool {
        matches!(
            self,
            AddressKind::Unspecified | AddressKind::Multicast | AddressKind::Broadcast
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SsrfError {
    #[error("scheme {0:?} is not http or https")]
    Scheme(String),
    #[error("URL carries credentials")]
    UserInfo,
    #[error("URL has no host")]
    NoHost,
    #[error("URL has no port")]
    NoPort,
    #[error("host {0:?} is local")]
    LocalName(String),
    #[error("host {host:?} is or resolves to {addr}, a {kind:?} address")]
    Forbidden {
        host: String,
        addr: IpAddr,
        kind: AddressKind,
    },
    #[error("resolving {host:?}: {source}")]
    Resolve {
        host: String,
        source: std::io::Error,
    },
    #[error("{0:?} resolved to no address")]
    NoAddress(String),
}

fn classify_v4(ip: Ipv4Addr) -> Option<AddressKind> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        _ if ip.is_broadcast() => AddressKind::Broadcast,
        // 0.0.0.0/8 is "this network": connecting to it reaches the local host on Linux.
        (0, _, _) => AddressKind::Unspecified,
        (127, _, _) => AddressKind::Loopback,
        (10, _, _) | (172, 16..=31, _) | (192, 168, _) => AddressKind::Private,
        (169, 254, _) => AddressKind::LinkLocal,
        (100, 64..=127, _) => AddressKind::SharedCgnat,
        (224..=239, _, _) => AddressKind::Multicast,
        (192, 0, 0) | (192, 0, 2) | (198, 51, 100) | (203, 0, 113) | (198, 18..=19, _) => {
            AddressKind::Reserved
        }
        (240..=255, _, _) => AddressKind::Reserved,
        _ => return None,
    })
}

fn classify_v6(ip: Ipv6Addr) -> Option<AddressKind> {
    if ip.is_unspecified() {
        return Some(AddressKind::Unspecified);
    }
    if ip.is_loopback() {
        return Some(AddressKind::Loopback);
    }
    // Addresses that carry an IPv4 address inside are judged by it: ::ffff:127.0.0.1 is
    // loopback to a dual-stack socket.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    let seg = ip.segments();
    let embedded = Ipv4Addr::new(
        (seg[6] >> 8) as u8,
        seg[6] as u8,
        (seg[7] >> 8) as u8,
        seg[7] as u8,
    );
    // NAT64's well-known prefix 64:ff9b::/96 reaches the embedded IPv4 address.
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return classify_v4(embedded);
    }
    // Deprecated IPv4-compatible ::a.b.c.d: nothing public uses it any more.
    if seg[..6] == [0; 6] {
        return Some(classify_v4(embedded).unwrap_or(AddressKind::Reserved));
    }
    // 6to4 2002:V4ADDR::/48 routes to the embedded IPv4 address.
    if seg[0] == 0x2002 {
        let v4 = Ipv4Addr::new(
            (seg[1] >> 8) as u8,
            seg[1] as u8,
            (seg[2] >> 8) as u8,
            seg[2] as u8,
        );
        if let Some(kind) = classify_v4(v4) {
            return Some(kind);
        }
    }
    Some(match seg[0] {
        s if s & 0xfe00 == 0xfc00 => AddressKind::UniqueLocal,
        // fe80::/10 link-local, and fec0::/10, the deprecated site-local, treated as private.
        s if s & 0xffc0 == 0xfe80 => AddressKind::LinkLocal,
        s if s & 0xffc0 == 0xfec0 => AddressKind::Private,
        s if s & 0xff00 == 0xff00 => AddressKind::Multicast,
        // 2001:db8::/32 documentation.
        0x2001 if seg[1] == 0x0db8 => AddressKind::Reserved,
        _ => return None,
    })
}

/// `Some(kind)` when `ip` is not a public unicast address.
pub fn classify_ip(ip: IpAddr) -> Option<AddressKind> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn check_ip(host: &str, ip: IpAddr, allow_private: bool) -> Result<(), SsrfError> {
    match classify_ip(ip) {
        Some(kind) if !allow_private || kind.always_forbidden() => Err(SsrfError::Forbidden {
            host: host.to_owned(),
            addr: ip,
            kind,
        }),
        _ => Ok(()),
    }
}

/// Checks what can be checked without DNS. `allow_private` lifts the address-range checks
/// (for test federations on 127.0.0.x or a LAN) but never allows unspecified, multicast or
/// broadcast destinations, nor credentials or other schemes.
pub fn check_remote_url(url: &Url, allow_private: bool) -> Result<(), SsrfError> {
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(SsrfError::Scheme(other.to_owned())),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(SsrfError::UserInfo);
    }
    match url.host() {
        None => Err(SsrfError::NoHost),
        Some(Host::Ipv4(ip)) => check_ip(&ip.to_string(), IpAddr::V4(ip), allow_private),
        Some(Host::Ipv6(ip)) => check_ip(&ip.to_string(), IpAddr::V6(ip), allow_private),
        Some(Host::Domain(name)) => {
            // The url crate already lower-cases and IDNA-normalises; a trailing dot is the
            // same name to the resolver, so strip it before comparing.
            let name = name.trim_end_matches('.');
            if !allow_private && (name == "localhost" || name.ends_with(".localhost")) {
                return Err(SsrfError::LocalName(name.to_owned()));
            }
            Ok(())
        }
    }
}

/// [`check_remote_url`], then resolves the host and vets every address it resolves to. All
/// must pass: if a name resolves to one public and one private address we refuse rather than
/// pick, since the client might pick the other. Returns the addresses to connect to.
pub async fn resolve_remote_url(
    url: &Url,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, SsrfError> {
    check_remote_url(url, allow_private)?;
    let port = url.port_or_known_default().ok_or(SsrfError::NoPort)?;
    let host = match url.host() {
        None => return Err(SsrfError::NoHost),
        // Literals need no lookup (and were vetted above).
        Some(Host::Ipv4(ip)) => return Ok(vec![SocketAddr::new(IpAddr::V4(ip), port)]),
        Some(Host::Ipv6(ip)) => return Ok(vec![SocketAddr::new(IpAddr::V6(ip), port)]),
        Some(Host::Domain(name)) => name.to_owned(),
    };
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|source| SsrfError::Resolve {
            host: host.clone(),
            source,
        })?
        .collect();
    if addrs.is_empty() {
        return Err(SsrfError::NoAddress(host));
    }
    for addr in &addrs {
        check_ip(&host, addr.ip(), allow_private)?;
    }
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn check(u: &str, allow_private: bool) -> Result<(), SsrfError> {
        check_remote_url(&Url::parse(u).unwrap(), allow_private)
    }

    fn kind(u: &str) -> AddressKind {
        match check(u, false) {
            Err(SsrfError::Forbidden { kind, .. }) => kind,
            other => panic!("{u}: expected Forbidden, got {other:?}"),
        }
    }

    #[test]
    fn public_urls_pass() {
        for u in [
            "https://framatube.org/videos/watch/x",
            "http://example.com:8080/inbox",
            "https://93.184.216.34/",
            "https://[2606:2800:220:1:248:1893:25c8:1946]/",
            "https://8.8.8.8/",
            "https://[2001:4860:4860::8888]/",
        ] {
            assert!(check(u, false).is_ok(), "{u}");
        }
    }

    #[test]
    fn bad_schemes_and_userinfo() {
        for u in [
            "file:///etc/passwd",
            "ftp://example.com/",
            "gopher://example.com/",
            "data:text/plain,hi",
        ] {
            assert!(matches!(check(u, true), Err(SsrfError::Scheme(_))), "{u}");
        }
        assert!(matches!(
            check("https://user:pw@example.com/", true),
            Err(SsrfError::UserInfo)
        ));
        assert!(matches!(
            check("https://user@example.com/", true),
            Err(SsrfError::UserInfo)
        ));
    }

    #[test]
    fn forbidden_v4() {
        use AddressKind::*;
        for (u, k) in [
            ("http://127.0.0.1/", Loopback),
            ("http://127.1.2.3:9000/", Loopback),
            ("http://0.0.0.0/", Unspecified),
            ("http://0.1.2.3/", Unspecified),
            ("http://10.0.0.1/", Private),
            ("http://172.16.0.1/", Private),
            ("http://172.31.255.255/", Private),
            ("http://192.168.1.1/", Private),
            ("http://169.254.169.254/latest/meta-data", LinkLocal),
            ("http://100.64.0.1/", SharedCgnat),
            ("http://100.127.255.254/", SharedCgnat),
            ("http://224.0.0.1/", Multicast),
            ("http://255.255.255.255/", Broadcast),
            ("http://240.0.0.1/", Reserved),
            ("http://192.0.2.1/", Reserved),
            ("http://198.18.0.1/", Reserved),
            // The url crate normalises these legacy spellings to 127.0.0.1.
            ("http://2130706433/", Loopback),
            ("http://0x7f.1/", Loopback),
            ("http://017700000001/", Loopback),
        ] {
            assert_eq!(kind(u), k, "{u}");
        }
        // Neighbours of the ranges stay public.
        for u in [
            "http://172.15.255.255/",
            "http://172.32.0.0/",
            "http://100.63.255.255/",
            "http://100.128.0.0/",
            "http://169.253.0.1/",
            "http://11.0.0.1/",
        ] {
            assert!(check(u, false).is_ok(), "{u}");
        }
    }

    #[test]
    fn forbidden_v6() {
        use AddressKind::*;
        for (u, k) in [
            ("http://[::1]/", Loopback),
            ("http://[::]/", Unspecified),
            ("http://[fc00::1]/", UniqueLocal),
            ("http://[fd12:3456::1]/", UniqueLocal),
            ("http://[fe80::1]/", LinkLocal),
            ("http://[fec0::1]/", Private),
            ("http://[ff02::1]/", Multicast),
            ("http://[::ffff:127.0.0.1]/", Loopback),
            ("http://[::ffff:10.1.2.3]/", Private),
            ("http://[::ffff:169.254.169.254]/", LinkLocal),
            ("http://[::127.0.0.1]/", Loopback),
            ("http://[64:ff9b::192.168.0.1]/", Private),
            ("http://[2002:7f00:1::]/", Loopback),
            ("http://[2001:db8::1]/", Reserved),
        ] {
            assert_eq!(kind(u), k, "{u}");
        }
        assert!(check("http://[::ffff:8.8.8.8]/", false).is_ok());
        assert!(check("http://[64:ff9b::8.8.8.8]/", false).is_ok());
    }

    #[test]
    fn localhost_names() {
        for u in [
            "http://localhost/",
            "http://LOCALHOST:9000/",
            "http://localhost./",
            "http://foo.localhost/",
        ] {
            assert!(
                matches!(check(u, false), Err(SsrfError::LocalName(_))),
                "{u}"
            );
            assert!(check(u, true).is_ok(), "{u}");
        }
        // Only the label, not a substring.
        assert!(check("http://notlocalhost.example/", false).is_ok());
    }

    #[test]
    fn allow_private_keeps_the_never_valid_kinds_out() {
        assert!(check("http://127.0.0.2:9000/", true).is_ok());
        assert!(check("http://10.0.0.1/", true).is_ok());
        assert!(check("http://[::1]/", true).is_ok());
        for u in [
            "http://0.0.0.0/",
            "http://[::]/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
        ] {
            assert!(
                matches!(check(u, true), Err(SsrfError::Forbidden { .. })),
                "{u}"
            );
        }
    }

    #[tokio::test]
    async fn resolve_literals_without_network() {
        let r = |u: &str, p| {
            let u = Url::parse(u).unwrap();
            async move { resolve_remote_url(&u, p).await }
        };
        assert_eq!(
            r("https://93.184.216.34/x", false).await.unwrap(),
            vec!["93.184.216.34:443".parse::<SocketAddr>().unwrap()]
        );
        assert_eq!(
            r("http://[2001:4860:4860::8888]:8080/", false)
                .await
                .unwrap(),
            vec!["[2001:4860:4860::8888]:8080".parse::<SocketAddr>().unwrap()]
        );
        assert!(matches!(
            r("http://127.0.0.1:9000/", false).await,
            Err(SsrfError::Forbidden { .. })
        ));
        assert!(matches!(
            r("http://localhost:9000/", false).await,
            Err(SsrfError::LocalName(_))
        ));
        assert_eq!(
            r("http://127.0.0.3:9000/", true).await.unwrap(),
            vec!["127.0.0.3:9000".parse::<SocketAddr>().unwrap()]
        );
    }

    /// `localhost` resolves from /etc/hosts (no network). With private addresses allowed it
    /// yields loopback addresses; this also proves the resolved addresses are what we vet.
    #[tokio::test]
    async fn resolve_localhost_with_private_allowed() {
        let u = Url::parse("http://localhost:9000/").unwrap();
        let addrs = resolve_remote_url(&u, true).await.unwrap();
        assert!(!addrs.is_empty());
        assert!(addrs
            .iter()
            .all(|a| a.ip().is_loopback() && a.port() == 9000));
    }
}
