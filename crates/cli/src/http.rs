//! The binary's HTTP client (reqwest, rustls on the `ring` provider; blocking, because the ledger's
//! witness calls and fetches run on plain threads): a [`WitnessClient`] that posts checkpoints to a
//! witness, and a [`Fetcher`] that reads a served or mirrored log.
//!
//! Blocking clients must be created and dropped outside the async runtime's worker threads (on a
//! `spawn_blocking` thread or the ledger's committer thread).

use std::io;
use std::time::Duration;

use tepat_ledger::{ClientError, Fetcher, WitnessClient};

/// A blocking client with tepat's defaults: TLS through rustls/ring, timeouts, a user agent.
pub fn client(timeout: Duration) -> anyhow::Result<reqwest::blocking::Client> {
    // Idempotent: the first call in the process installs ring as rustls's provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(reqwest::blocking::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("tepat/", env!("CARGO_PKG_VERSION")))
        .build()?)
}

/// A witness reached over HTTP: `POST <url>/add-checkpoint` (C2SP tlog-witness).
pub struct HttpWitness {
    client: reqwest::blocking::Client,
    url: String,
}

impl HttpWitness {
    pub fn new(url: &str) -> anyhow::Result<HttpWitness> {
        Ok(HttpWitness {
            client: client(Duration::from_secs(10))?,
            url: format!("{}/add-checkpoint", url.trim_end_matches('/')),
        })
    }
}

impl WitnessClient for HttpWitness {
    fn add_checkpoint(&mut self, body: &[u8]) -> Result<Vec<u8>, ClientError> {
        let response = self
            .client
            .post(&self.url)
            .header("content-type", "text/plain; charset=utf-8")
            .body(body.to_vec())
            .send()
            .map_err(|e| ClientError::Transport(format!("{}: {e}", self.url)))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .map_err(|e| ClientError::Transport(format!("{}: {e}", self.url)))?
            .to_vec();
        if status == 200 {
            Ok(bytes)
        } else {
            Err(ClientError::Status {
                status,
                body: bytes,
            })
        }
    }
}

/// A log served over HTTP (`<base>/checkpoint`, `<base>/tile/…`), e.g. `https://host/ledger/bansos`.
pub struct HttpFetcher {
    client: reqwest::blocking::Client,
    base: String,
}

impl HttpFetcher {
    pub fn new(base: &str) -> anyhow::Result<HttpFetcher> {
        Ok(HttpFetcher {
            client: client(Duration::from_secs(60))?,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }
}

impl Fetcher for HttpFetcher {
    fn fetch(&self, path: &str) -> io::Result<Option<Vec<u8>>> {
        let url = format!("{}/{path}", self.base);
        let response = self
            .client
            .get(&url)
            .send()
            .map_err(|e| io::Error::other(format!("{url}: {e}")))?;
        match response.status().as_u16() {
            200 => Ok(Some(
                response
                    .bytes()
                    .map_err(|e| io::Error::other(format!("{url}: {e}")))?
                    .to_vec(),
            )),
            404 => Ok(None),
            s => Err(io::Error::other(format!("{url}: HTTP {s}"))),
        }
    }
}
