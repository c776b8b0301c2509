//! Fetching URLs that tenant admins choose (an identity provider's issuer
//! or API today; tool backends next) without letting an admin reach what
//! only the control plane can: its loopback ports, the private network it
//! runs in, or a cloud metadata service.
//!
//! Every name is resolved by [`Guard`] — reqwest's resolver hook — which
//! refuses the whole answer if any address is not public, and hands reqwest
//! the addresses it checked, so the connection goes to exactly those (no
//! second lookup a rebinding DNS server could answer differently). IP
//! literals never reach a resolver, so [`Outbound::check_url`] checks them
//! before the request is made. Redirects are not followed and proxies from
//! the environment are not used: either would connect somewhere unchecked.
//!
//! Loopback is allowed only with `PORTCULLIS_ALLOW_LOOPBACK_FETCH` (set by
//! the local stack and the tests, whose providers run on 127.0.0.1); private
//! ranges never are.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Builds clients whose every connection goes to a checked address.
#[derive(Clone)]
pub struct Outbound {
    resolver: Arc<dyn Resolve>,
    allow_loopback: bool,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("allow_loopback", &self.allow_loopback)
            .finish_non_exhaustive()
    }
}

impl Outbound {
    /// With the system's resolver.
    pub fn new(allow_loopback: bool) -> Self {
        Self::with_resolver(Arc::new(SystemResolver), allow_loopback)
    }

    /// With another resolver (tests stub one: no test may send traffic to
    /// an address outside loopback, not even one that would be refused).
    pub fn with_resolver(resolver: Arc<dyn Resolve>, allow_loopback: bool) -> Self {
        Self {
            resolver,
            allow_loopback,
        }
    }

    /// A client that follows no redirects, uses no proxy and resolves
    /// through [`Guard`].
    pub fn client(&self, timeout: Duration) -> reqwest::Result<reqwest::Client> {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(timeout)
            .dns_resolver(Arc::new(Guard {
                inner: self.resolver.clone(),
                allow_loopback: self.allow_loopback,
            }))
            .build()
    }

    /// Refuses a URL whose host is an IP literal that may not be fetched
    /// (names are checked when they are resolved).
    pub fn check_url(&self, url: &str) -> Result<(), String> {
        let parsed = reqwest::Url::parse(url).map_err(|_| format!("{url} is not a URL"))?;
        // The URL parser has already turned `0x7f000001`, `2130706433` and
        // `127.1` into the dotted form.
        let host = parsed
            .host_str()
            .ok_or_else(|| format!("{url} names no host"))?;
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let Ok(literal) = bare.parse::<IpAddr>() else {
            return Ok(());
        };
        match refusal(literal, self.allow_loopback) {
            Some(why) => Err(format!("{url} is {why}; only public addresses are fetched")),
            None => Ok(()),
        }
    }
}

/// Why `ip` may not be fetched, or `None` when it is a public address.
pub fn refusal(ip: IpAddr, allow_loopback: bool) -> Option<&'static str> {
    let ip = match ip {
        // ::ffff:10.0.0.1 and 64:ff9b::a00:1 (NAT64) reach the IPv4 host.
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    };
    if ip.is_loopback() {
        return (!allow_loopback).then_some("a loopback address");
    }
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4),
        IpAddr::V6(v6) => refusal_v6(v6),
    }
}

fn refusal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_private() {
        Some("a private address")
    } else if ip.is_link_local() {
        // 169.254.169.254 is where clouds serve instance credentials.
        Some("a link-local (metadata) address")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a shared (CGNAT) address")
    } else if ip.is_unspecified() || a == 0 {
        Some("an unspecified address")
    } else if ip.is_broadcast() || ip.is_multicast() || a >= 240 {
        Some("a broadcast, multicast or reserved address")
    } else if (a, b) == (192, 0) || (a == 198 && (b == 18 || b == 19)) {
        Some("a protocol-assignment or benchmarking address")
    } else if ip.is_documentation() {
        Some("a documentation address")
    } else {
        None
    }
}

fn refusal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_unspecified() {
        Some("an unspecified address")
    } else if first & 0xfe00 == 0xfc00 {
        // Unique local addresses (fd00:ec2::254 is a metadata service).
        Some("a private (unique local) address")
    } else if first & 0xffc0 == 0xfe80 || first & 0xffc0 == 0xfec0 {
        Some("a link-local address")
    } else if first & 0xff00 == 0xff00 {
        Some("a multicast address")
    } else if first == 0x2001 && ip.segments()[1] == 0x0db8 {
        Some("a documentation address")
    } else if first == 0x2002 {
        // 6to4 carries an IPv4 address in the next 32 bits.
        let [_, hi, lo, ..] = ip.segments();
        let v4 = Ipv4Addr::from(((hi as u32) << 16) | lo as u32);
        refusal(IpAddr::V4(v4), false)
    } else {
        None
    }
}

fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = ip.segments();
    // NAT64's well-known prefix 64:ff9b::/96.
    (s[..6] == [0x64, 0xff9b, 0, 0, 0, 0])
        .then(|| Ipv4Addr::from(((s[6] as u32) << 16) | s[7] as u32))
}

/// The resolver every outbound client uses: the inner one's answer, only
/// if every address in it may be fetched.
struct Guard {
    inner: Arc<dyn Resolve>,
    allow_loopback: bool,
}

impl Resolve for Guard {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let answer = self.inner.resolve(name);
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = answer.await?.collect();
            if addresses.is_empty() {
                return Err(format!("{host} has no address").into());
            }
            // One bad address refuses the name: a client may try any of them.
            if let Some(why) = addresses
                .iter()
                .find_map(|a| refusal(a.ip(), allow_loopback))
            {
                return Err(
                    format!("{host} resolves to {why}; only public addresses are fetched").into(),
                );
            }
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(Box::new(found.collect::<Vec<_>>().into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// Names resolve from a table; nothing is looked up.
    struct Table(HashMap<&'static str, Vec<IpAddr>>);

    impl Resolve for Table {
        fn resolve(&self, name: Name) -> Resolving {
            let found = self.0.get(name.as_str()).cloned().unwrap_or_default();
            Box::pin(async move {
                let addrs = found.into_iter().map(|ip| SocketAddr::new(ip, 0));
                Ok(Box::new(addrs.collect::<Vec<_>>().into_iter()) as Addrs)
            })
        }
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn only_public_addresses_pass() {
        for refused in [
            "127.0.0.1",
            "127.255.0.9",
            "::1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "240.0.0.1",
            "192.0.0.170",
            "198.18.0.1",
            "::",
            "fd00:ec2::254",
            "fc00::1",
            "fe80::1",
            "ff02::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:a00:1::",
            "2001:db8::1",
        ] {
            assert!(refusal(ip(refused), false).is_some(), "{refused}");
        }
        for public in [
            "1.1.1.1",
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(refusal(ip(public), false), None, "{public}");
        }
        // The development flag lets loopback through, and nothing else.
        assert_eq!(refusal(ip("127.0.0.1"), true), None);
        assert_eq!(refusal(ip("::ffff:127.0.0.1"), true), None);
        assert!(refusal(ip("10.0.0.1"), true).is_some());
        assert!(refusal(ip("169.254.169.254"), true).is_some());
    }

    #[test]
    fn ip_literals_are_checked_before_any_request() {
        let outbound = Outbound::new(false);
        for url in [
            "https://127.0.0.1/",
            "https://[::1]:8443/x",
            "https://169.254.169.254/latest/meta-data/",
            "https://[::ffff:a00:1]/",
            "https://0x7f000001/",
            "https://2130706433/",
            "https://017700000001/",
            "https://127.1/",
        ] {
            assert!(outbound.check_url(url).is_err(), "{url}");
        }
        assert_eq!(outbound.check_url("https://sso.example.com/"), Ok(()));
        assert_eq!(outbound.check_url("https://8.8.8.8/"), Ok(()));
    }

    #[tokio::test]
    async fn names_that_resolve_inward_are_refused_without_connecting() {
        let table = Table(HashMap::from([
            ("intranet.example", vec![ip("10.1.2.3")]),
            ("metadata.example", vec![ip("169.254.169.254")]),
            ("sneaky.example", vec![ip("93.184.216.34"), ip("127.0.0.1")]),
            ("mapped.example", vec![ip("::ffff:192.168.0.1")]),
            ("localhost.example", vec![ip("127.0.0.1")]),
        ]));
        let outbound = Outbound::with_resolver(Arc::new(table), false);
        let client = outbound.client(Duration::from_secs(5)).unwrap();
        for host in [
            "intranet.example",
            "metadata.example",
            "sneaky.example",
            "mapped.example",
            "localhost.example",
            "nowhere.example",
        ] {
            // Port 9: were the guard to let it through, nothing listens.
            let error = client
                .get(format!("http://{host}:9/"))
                .send()
                .await
                .expect_err(host);
            let mut text = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(s) = source {
                text = s.to_string();
                source = s.source();
            }
            assert!(
                text.contains("only public addresses") || text.contains("has no address"),
                "{host}: {text}"
            );
            assert!(!error.is_timeout(), "{host}");
        }
    }

    #[tokio::test]
    async fn loopback_names_are_fetched_with_the_development_flag() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let app = axum::Router::new().route("/", axum::routing::get(|| async { "hello" }));
            axum::serve(listener, app).await.ok();
        });
        let table = Table(HashMap::from([("dev-idp.example", vec![ip("127.0.0.1")])]));
        let outbound = Outbound::with_resolver(Arc::new(table), true);
        let client = outbound.client(Duration::from_secs(5)).unwrap();
        let answer = client
            .get(format!("http://dev-idp.example:{port}/"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.text().await.unwrap(), "hello");
    }
}
