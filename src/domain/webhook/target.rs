//! Where webhooks may go: `https` (or `http` when allowed) to public addresses only, checked
//! when a subscription is made and again, after DNS resolution, at every delivery, so that
//! a subscription cannot reach into the ministry's own network (SSRF).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::{Host, Url};

/// What the operator allows beyond public `https` targets.
#[derive(Debug, Clone, Copy, Default)]
pub struct TargetRules {
    pub allow_http: bool,
    pub allow_private_networks: bool,
}

impl TargetRules {
    /// Whether an address may be delivered to.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.allow_private_networks || is_public(ip)
    }

    /// The URL, if its scheme and form are acceptable (the host is checked by [`resolve`]).
    pub fn parse(&self, raw: &str) -> Result<Url, String> {
        let url = Url::parse(raw).map_err(|e| format!("is not a URL: {e}"))?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            "http" => return Err("must be an https URL".into()),
            _ => return Err("must be an https URL".into()),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not carry credentials".into());
        }
        if url.host().is_none() {
            return Err("must name a host".into());
        }
        Ok(url)
    }

    /// The addresses the URL's host stands for, each one allowed; an error naming why not.
    pub async fn resolve(&self, url: &Url) -> Result<Vec<SocketAddr>, String> {
        let port = url.port_or_known_default().unwrap_or(443);
        let addresses: Vec<SocketAddr> = match url.host() {
            Some(Host::Ipv4(ip)) => vec![SocketAddr::new(ip.into(), port)],
            Some(Host::Ipv6(ip)) => vec![SocketAddr::new(ip.into(), port)],
            Some(Host::Domain(name)) => {
                let lookup = tokio::net::lookup_host((name, port));
                tokio::time::timeout(std::time::Duration::from_secs(5), lookup)
                    .await
                    .map_err(|_| "does not resolve within 5 s".to_string())?
                    .map_err(|e| format!("does not resolve: {e}"))?
                    .collect()
            }
            None => return Err("must name a host".into()),
        };
        if addresses.is_empty() {
            return Err("does not resolve".into());
        }
        match addresses.iter().find(|a| !self.allows(a.ip())) {
            Some(refused) => Err(format!(
                "resolves to {}, a loopback, private, link-local, multicast or unspecified address",
                refused.ip()
            )),
            None => Ok(addresses),
        }
    }
}

/// Whether an address is on the public internet: not loopback, private, shared (CGNAT),
/// link-local, multicast, broadcast, documentation, benchmarking, IETF-reserved or
/// unspecified. IPv6 addresses that carry an IPv4 address (mapped, compatible, NAT64
/// `64:ff9b::/96`, 6to4 `2002::/16`) are judged as the IPv4 address they lead to.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if let Some(mapped) = v6.to_ipv4_mapped().or_else(|| compatible_v4(v6)) {
        return Some(mapped);
    }
    match s {
        // NAT64, well-known prefix.
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(v4(hi, lo)),
        // 6to4: the IPv4 address follows the prefix.
        [0x2002, hi, lo, ..] => Some(v4(hi, lo)),
        _ => None,
    }
}

fn compatible_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    (s[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified())
        .then(|| Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8))
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_unspecified()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    let second = ip.segments()[1];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // Site-local (deprecated, still routed inside some networks).
        || (first & 0xffc0) == 0xfec0
        // Local-use NAT64 (RFC 8215).
        || (first == 0x64 && second == 0xff9b)
        || first == 0x2001 && second == 0x0db8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_refused_in_every_spelling() {
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.178.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::a00:1",
            "64:ff9b:1::1",
            "2002:a00:1::1",
            "2002:7f00:1::1",
            "fec0::1",
            "192.0.0.8",
            "198.18.0.1",
        ] {
            assert!(!is_public(refused.parse().unwrap()), "{refused}");
        }
        for allowed in [
            "185.11.255.1",
            "2a02:c207::1",
            "::ffff:185.11.255.1",
            "64:ff9b::b90b:ff01",
            "2002:b90b:ff01::1",
        ] {
            assert!(is_public(allowed.parse().unwrap()), "{allowed}");
        }
    }

    #[tokio::test]
    async fn only_https_to_public_hosts_unless_allowed() {
        let strict = TargetRules::default();
        assert!(strict.parse("http://example.org/hook").is_err());
        assert!(strict.parse("ftp://example.org/hook").is_err());
        assert!(strict.parse("https://user:pw@example.org/hook").is_err());
        let url = strict.parse("https://127.0.0.1:8443/hook").unwrap();
        assert!(strict.resolve(&url).await.is_err());
        let url = strict.parse("https://[::ffff:10.0.0.1]/hook").unwrap();
        assert!(strict.resolve(&url).await.is_err());
        let url = strict.parse("https://localhost/hook").unwrap();
        assert!(strict.resolve(&url).await.is_err());
        let open = TargetRules {
            allow_http: true,
            allow_private_networks: true,
        };
        let url = open.parse("http://127.0.0.1:8080/hook").unwrap();
        assert_eq!(open.resolve(&url).await.unwrap().len(), 1);
    }
}
