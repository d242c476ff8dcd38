//! Which peers may tell us the client's address (`X-Forwarded-For`): PeerTube's `trust_proxy`
//! setting, with Express's semantics, which PeerTube inherits. Entries are addresses, CIDR
//! ranges or the names `loopback`, `linklocal` and `uniquelocal`; the default trusts loopback,
//! where a reverse proxy on the same machine connects from.
//!
//! The client is the right-most address of the chain (the forwarded addresses, then the peer)
//! that is not a trusted proxy: a client cannot spoof its address by sending its own
//! `X-Forwarded-For`, because the trusted proxy appends the address it saw after whatever the
//! client wrote, and that address is the one taken.

use ipnet::IpNet;
use std::net::IpAddr;

/// The parsed `trust_proxy` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl Default for TrustedProxies {
    /// Loopback, as PeerTube's default configuration.
    fn default() -> Self {
        TrustedProxies::parse(&["loopback".to_string()]).unwrap_or(TrustedProxies(Vec::new()))
    }
}

/// The ranges a name stands for (Express's `proxy-addr` names).
fn named(name: &str) -> Option<&'static [&'static str]> {
    match name {
        "loopback" => Some(&["127.0.0.0/8", "::1/128"]),
        "linklocal" => Some(&["169.254.0.0/16", "fe80::/10"]),
        "uniquelocal" => Some(&["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]),
        _ => None,
    }
}

impl TrustedProxies {
    /// Parses the entries; an entry that is none of a name, an address or a range is an error
    /// naming it.
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        let mut nets = Vec::new();
        for entry in entries {
            let e = entry.trim();
            if let Some(ranges) = named(e) {
                nets.extend(ranges.iter().filter_map(|r| r.parse::<IpNet>().ok()));
            } else if let Ok(net) = e.parse::<IpNet>() {
                nets.push(net);
            } else if let Ok(ip) = e.parse::<IpAddr>() {
                nets.push(IpNet::from(ip));
            } else {
                return Err(format!(
                    "{e:?} is not loopback, linklocal, uniquelocal, an address or a range"
                ));
            }
        }
        Ok(TrustedProxies(nets))
    }

    /// Trusts nobody: the connection's address is the client's.
    pub fn none() -> TrustedProxies {
        TrustedProxies(Vec::new())
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client's address: `peer` (the connection's), or when `peer` is a trusted proxy, the
    /// right-most forwarded address that is not one. A malformed entry ends the walk (what is
    /// right of it was written by trusted proxies, what is left of it cannot be read).
    pub fn client(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        let mut client = peer.to_canonical();
        let Some(chain) = forwarded_for else {
            return client;
        };
        for hop in chain.rsplit(',') {
            if !self.trusts(client) {
                break;
            }
            match parse_hop(hop) {
                Some(ip) => client = ip,
                None => break,
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, possibly `[v6]` or with a port, as some proxies
/// write them.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let h = hop.trim();
    if let Ok(ip) = h.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(sa) = h.parse::<std::net::SocketAddr>() {
        return Some(sa.ip().to_canonical());
    }
    h.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn names_addresses_and_ranges() {
        let t =
            TrustedProxies::parse(&["loopback".into(), "10.1.0.0/16".into(), "192.0.2.7".into()])
                .unwrap_or_default();
        assert!(t.trusts(ip("127.0.0.1")));
        assert!(t.trusts(ip("::1")));
        assert!(t.trusts(ip("::ffff:127.0.0.1")), "an IPv4-mapped loopback");
        assert!(t.trusts(ip("10.1.200.3")));
        assert!(t.trusts(ip("192.0.2.7")));
        assert!(!t.trusts(ip("10.2.0.1")));
        assert!(!t.trusts(ip("203.0.113.5")));
        assert!(TrustedProxies::parse(&["everyone".into()]).is_err());
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
    }

    #[test]
    fn the_client_is_the_last_untrusted_hop() {
        let t = TrustedProxies::default();
        // Straight from a client: its own header is ignored.
        assert_eq!(
            t.client(ip("203.0.113.5"), Some("1.2.3.4")),
            ip("203.0.113.5")
        );
        // Through the local proxy.
        assert_eq!(
            t.client(ip("127.0.0.1"), Some("203.0.113.5")),
            ip("203.0.113.5")
        );
        // A client that wrote its own header before the proxy appended the real address.
        assert_eq!(
            t.client(ip("127.0.0.1"), Some("1.2.3.4, 203.0.113.5")),
            ip("203.0.113.5")
        );
        // Two proxies on loopback, then the client.
        assert_eq!(
            t.client(ip("127.0.0.1"), Some("198.51.100.9, 127.0.0.1")),
            ip("198.51.100.9")
        );
        // No header: the proxy itself.
        assert_eq!(t.client(ip("127.0.0.1"), None), ip("127.0.0.1"));
        // Garbage stops the walk at the last readable hop.
        assert_eq!(t.client(ip("127.0.0.1"), Some("nonsense")), ip("127.0.0.1"));
        // Ports and brackets, as some proxies write them.
        assert_eq!(
            t.client(ip("127.0.0.1"), Some("[2001:db8::1]:4711")),
            ip("2001:db8::1")
        );
        assert_eq!(
            t.client(ip("127.0.0.1"), Some("203.0.113.5:80")),
            ip("203.0.113.5")
        );
        // Nothing trusted: never the header.
        let none = TrustedProxies::parse(&[]).unwrap_or_default();
        assert_eq!(
            none.client(ip("127.0.0.1"), Some("203.0.113.5")),
            ip("127.0.0.1")
        );
    }
}
