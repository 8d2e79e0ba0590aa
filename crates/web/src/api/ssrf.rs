//! Where tepat will send callbacks and notifications: SSRF protection on an agency's `sender_uri`.
//!
//! The URI must be `http` or `https` without user information; when `[dci] callback_hosts` is set, its
//! host must be on that list; and every address the host resolves to must be public unless
//! `[dci] allow_private_callbacks` is on. The addresses checked are the ones connected to (the client
//! is pinned to them), so a DNS answer that changes between check and call cannot redirect the call.
//! Redirects are not followed.

use std::net::{IpAddr, SocketAddr};

use reqwest::Url;
use tepat_core::agency::Refusal;
use tepat_dci::ReasonCode;

use crate::config::DciConfig;

/// A checked callback address.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub url: Url,
    pub host: String,
    pub addrs: Vec<SocketAddr>,
}

fn refuse(message: &str) -> Refusal {
    Refusal::new(ReasonCode::SenderUriInvalid, message)
}

/// Checks the form of `uri` (no DNS): for refusing a request at once.
pub(crate) fn check_form(uri: &str, config: &DciConfig) -> Result<Url, Refusal> {
    let url = Url::parse(uri).map_err(|_| refuse("sender_uri is not an absolute URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse("sender_uri must be http or https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("sender_uri must not carry user information"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refuse("sender_uri must not carry a query or fragment"));
    }
    let host = url
        .host_str()
        .ok_or_else(|| refuse("sender_uri has no host"))?
        .to_ascii_lowercase();
    if !config.callback_hosts.is_empty()
        && !config.callback_hosts.iter().any(|h| host_matches(h, &host))
    {
        return Err(refuse(
            "sender_uri's host is not on this server's callback allow-list",
        ));
    }
    if let Some(ip) = literal_ip(&host) {
        if !config.allow_private_callbacks && !is_public(ip) {
            return Err(refuse("sender_uri points to a non-public address"));
        }
    }
    Ok(url)
}

/// Checks `uri` fully, resolving its host: the addresses to connect to.
pub(crate) async fn resolve(uri: &str, config: &DciConfig) -> Result<Target, Refusal> {
    let url = check_form(uri, config)?;
    let host = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let lookup_host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((lookup_host.as_str(), port))
        .await
        .map_err(|_| refuse("sender_uri's host does not resolve"))?
        .collect();
    if addrs.is_empty() {
        return Err(refuse("sender_uri's host does not resolve"));
    }
    if !config.allow_private_callbacks && addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(refuse("sender_uri resolves to a non-public address"));
    }
    Ok(Target {
        url,
        host: lookup_host,
        addrs,
    })
}

fn literal_ip(host: &str) -> Option<IpAddr> {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

fn host_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(domain) => host.len() > domain.len() + 1 && host.ends_with(&format!(".{domain}")),
        None => pattern == host,
    }
}

/// Whether `ip` is a public unicast address (not loopback, private, link-local, CGNAT, documentation,
/// multicast, reserved or unspecified).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (18..20).contains(&o[1]))
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] == 0x64 && s[1] == 0xff9b))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(hosts: &[&str], private: bool) -> DciConfig {
        DciConfig {
            callback_hosts: hosts.iter().map(|h| h.to_string()).collect(),
            allow_private_callbacks: private,
            ..DciConfig::default()
        }
    }

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["103.10.20.30", "8.8.8.8", "2400:cb00::1"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn sender_uris_are_checked_against_the_settings() {
        let strict = config(&[], false);
        for bad in [
            "ftp://dukcapil.example/x",
            "http://user:pw@dukcapil.example/x",
            "http://127.0.0.1:9000/cb",
            "http://[::1]/cb",
            "http://169.254.169.254/latest",
            "not a url",
            "https://dukcapil.example/cb?x=1",
        ] {
            let refusal = check_form(bad, &strict).unwrap_err();
            assert_eq!(refusal.reason, ReasonCode::SenderUriInvalid, "{bad}");
        }
        assert!(check_form("https://dukcapil.example/dci", &strict).is_ok());
        assert!(check_form("http://127.0.0.1:9000/cb", &config(&[], true)).is_ok());
        let listed = config(&["dukcapil.example", "*.bpjs.example"], false);
        assert!(check_form("https://dukcapil.example/x", &listed).is_ok());
        assert!(check_form("https://api.bpjs.example/x", &listed).is_ok());
        assert!(check_form("https://bpjs.example/x", &listed).is_err());
        assert!(check_form("https://evil.example/x", &listed).is_err());
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused_unless_allowed() {
        let refusal = resolve("http://localhost:9/cb", &config(&[], false))
            .await
            .unwrap_err();
        assert_eq!(refusal.reason, ReasonCode::SenderUriInvalid);
        let target = resolve("http://localhost:9/cb", &config(&[], true))
            .await
            .unwrap();
        assert!(target.addrs.iter().all(|a| a.ip().is_loopback()));
    }
}
