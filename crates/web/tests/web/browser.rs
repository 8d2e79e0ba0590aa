//! A real headless Chromium for UI tests, driven over WebDriver (chromedriver, Debian packages
//! `chromium` and `chromium-driver`).
//!
//! [`Browser::start`] runs a chromedriver of its own on a free port and opens one Chromium session with a
//! phone-sized window (360 × 740 CSS pixels) whose browser language is Indonesian. Without chromedriver on the machine the tests that need it
//! return early with a notice, so `cargo test` works with only the Rust toolchain; with `CI=true` they
//! fail instead, because CI must not pass without having run them (`.ci/run` installs the packages).

use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// chromedriver's `POST /session/{id}/chromium/network_conditions`: Chromium's network emulation, which
/// takes the page offline without stopping the server (the offline tests' "no signal").
#[derive(Debug)]
struct NetworkConditions {
    offline: bool,
}

impl fantoccini::wd::WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/chromium/network_conditions",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({
            "network_conditions": {
                "offline": self.offline,
                "latency": 0,
                "download_throughput": 1_000_000,
                "upload_throughput": 1_000_000,
            }
        });
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

/// Types `text` into the field with id `id`, replacing what was there.
pub async fn fill(c: &Client, id: &str, text: &str) {
    let field = c
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id}: {e}"));
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Runs `script` in the page and returns its value.
pub async fn js(c: &Client, script: &str) -> serde_json::Value {
    c.execute(script, vec![]).await.unwrap()
}

/// Waits (polling, no time limit of our own beyond the attempts) until `script` returns `want`.
pub async fn until(c: &Client, script: &str, want: serde_json::Value, what: &str) {
    let mut last = serde_json::Value::Null;
    for _ in 0..300 {
        last = js(c, script).await;
        if last == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: still {last}, wanted {want}");
}

/// Takes the browser's network away (`offline`) or gives it back.
pub async fn emulate_network(c: &Client, offline: bool) {
    c.issue_cmd(NetworkConditions { offline })
        .await
        .unwrap_or_else(|e| panic!("network emulation (offline = {offline}): {e}"));
}

/// The width of a cheap phone's screen in CSS pixels: every page must be usable at it.
pub const PHONE_WIDTH: u32 = 360;
const PHONE_HEIGHT: u32 = 740;

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A fresh browser session, or `None` (outside CI) when chromedriver is not installed.
    pub async fn start() -> Option<Browser> {
        let Some(chromedriver) = find("chromedriver") else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but chromedriver is not installed (Debian: apt-get install chromium chromium-driver)"
            );
            eprintln!("skipping a headless-Chromium test: chromedriver is not installed");
            return None;
        };
        let port = free_port();
        // Its own process group, so that the browsers it starts can be stopped with it (see `Drop`).
        let driver = Command::new(chromedriver)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("browser profile directory");
        let client = connect(port, &profile).await;
        client
            .set_window_size(PHONE_WIDTH, PHONE_HEIGHT)
            .await
            .expect("phone-sized window");
        Some(Browser {
            client,
            driver,
            _profile: profile,
        })
    }

    /// Opens `url` and returns the text of the element matching `css`.
    pub async fn text_of(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
            .text()
            .await
            .expect("element text")
    }

    /// How far the page is wider than the viewport, in CSS pixels (0 = no sideways scrolling).
    pub async fn horizontal_overflow(&self) -> i64 {
        let value = self
            .client
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
                vec![],
            )
            .await
            .expect("measure the page");
        value.as_i64().expect("a number")
    }

    /// Ends the session and stops chromedriver.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
        // Drop stops chromedriver and anything left of the browser.
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Also after a failed assertion: neither chromedriver nor the Chromium processes it started may
        // outlive the test, so the whole process group goes.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Connects to the chromedriver just started, retrying while it boots.
async fn connect(port: u16, profile: &tempfile::TempDir) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": find("chromium").map(|p| p.display().to_string()).unwrap_or_default(),
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
                format!("--user-data-dir={}", profile.path().display()),
                format!("--window-size={PHONE_WIDTH},{PHONE_HEIGHT}"),
                "--lang=id-ID",
            ],
            // An Indonesian phone: the pages must come in Bahasa Indonesia without any choice made.
            "prefs": { "intl.accept_languages": "id-ID,id" },
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        let attempt = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&url)
            .await;
        match attempt {
            Ok(client) => return client,
            Err(e) if started.elapsed() < Duration::from_secs(20) => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("could not open a Chromium session through chromedriver: {e}"),
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `name` on the PATH, or in /usr/bin and /usr/lib/chromium where Debian puts it.
fn find(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([
            PathBuf::from("/usr/bin"),
            PathBuf::from("/usr/lib/chromium"),
        ])
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}
