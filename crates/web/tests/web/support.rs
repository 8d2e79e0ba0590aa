//! The test-app builder: a real SQLite file in a temporary directory, opened with `tepat_store::connect`
//! and migrated, behind the real router. Requests go through `tower::ServiceExt::oneshot`, or through a
//! real listener on 127.0.0.1 for what needs sockets (shutdown, hyper).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use chrono::NaiveDate;
use tepat_crypto::Keyring;
use tepat_domain::{KkNumber, Nik, RegionCode, Relationship, Sex};
use tepat_store::{ImportMeta, ImportSummaryForRun, PopulationRecord, Store};
use tepat_web::{AppState, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

pub struct TestApp {
    pub config: ServerConfig,
    pub store: Arc<dyn Store>,
    pub db_path: std::path::PathBuf,
    extra: Router<AppState>,
    /// Built once, so that what lives in it (the sign-in throttle) lasts across requests.
    state: AppState,
    keyring: Arc<Keyring>,
    _dir: tempfile::TempDir,
}

pub struct Builder {
    config: ServerConfig,
    extra: Router<AppState>,
    population: Vec<PopulationRecord>,
    ledger: Option<Arc<tepat_web::Ledger>>,
}

impl TestApp {
    pub fn builder() -> Builder {
        Builder {
            config: ServerConfig::default(),
            extra: Router::new(),
            population: Vec::new(),
            ledger: None,
        }
    }

    /// An empty, migrated database with the default settings.
    pub async fn new() -> TestApp {
        TestApp::builder().build().await
    }

    /// The same database and keys opened again by a new application, as after a server restart
    /// (nothing in this one's memory carries over). `self` keeps the directory alive.
    pub async fn restarted(&self) -> TestApp {
        let store = tepat_store::connect(&self.config.database_url, self.keyring.clone())
            .await
            .unwrap();
        TestApp {
            state: AppState::with_ledger(self.config.clone(), store.clone(), None),
            config: self.config.clone(),
            store,
            db_path: self.db_path.clone(),
            extra: self.extra.clone(),
            keyring: self.keyring.clone(),
            _dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The application's state (for driving background work, such as agency notifications, in tests).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn router(&self) -> Router {
        tepat_web::router_with(self.state.clone(), self.extra.clone())
    }

    pub async fn get(&self, uri: &str) -> Response {
        self.request(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    /// A GET with extra headers, e.g. `[("cookie", "lang=en")]`.
    pub async fn get_with(&self, uri: &str, headers: &[(&str, &str)]) -> Response {
        let mut request = Request::get(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.request(request.body(Body::empty()).unwrap()).await
    }

    pub async fn send(
        &self,
        method: Method,
        uri: &str,
        content_type: &str,
        body: &str,
    ) -> Response {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", content_type)
            .body(Body::from(body.to_owned()))
            .unwrap();
        self.request(request).await
    }

    pub async fn request(&self, request: Request<Body>) -> Response {
        let response = self.router().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
            .await
            .unwrap();
        Response {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// Serves the app on 127.0.0.1 with a random port until `shutdown` completes.
    pub async fn spawn(
        &self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> (
        SocketAddr,
        tokio::task::JoinHandle<Result<(), tepat_web::WebError>>,
    ) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = self.router();
        let config = self.config.clone();
        let handle = tokio::spawn(async move {
            tepat_web::serve_with(listener, router, &config, shutdown).await
        });
        (addr, handle)
    }
}

impl Builder {
    pub fn config(mut self, change: impl FnOnce(&mut ServerConfig)) -> Builder {
        change(&mut self.config);
        self
    }

    /// Routes added behind the application's middleware.
    pub fn extra_routes(mut self, extra: Router<AppState>) -> Builder {
        self.extra = extra;
        self
    }

    /// Serves this transparency ledger under `/ledger/`.
    pub fn ledger(mut self, ledger: Arc<tepat_web::Ledger>) -> Builder {
        self.ledger = Some(ledger);
        self
    }

    pub fn population(mut self, records: Vec<PopulationRecord>) -> Builder {
        self.population = records;
        self
    }

    pub async fn build(self) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let db_path = dir.path().join("tepat.db");
        let mut config = self.config;
        config.database_url = format!("sqlite://{}", db_path.display());
        config.key_file = dir.path().join("tepat.keys");
        config.dci.key_file = dir.path().join("tepat-dci.key");
        config.payments.voucher_key_file = dir.path().join("tepat-voucher.key");
        let keyring = Arc::new(Keyring::generate());
        let store = tepat_store::connect(&config.database_url, keyring.clone())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        if !self.population.is_empty() {
            import(store.as_ref(), &self.population).await;
        }
        TestApp {
            state: AppState::with_ledger(config.clone(), store.clone(), self.ledger),
            config,
            store,
            db_path,
            extra: self.extra,
            keyring,
            _dir: dir,
        }
    }
}

async fn import(store: &dyn Store, records: &[PopulationRecord]) {
    let mut import = store
        .begin_population_import(ImportMeta {
            source_name: "test.csv".into(),
        })
        .await
        .unwrap();
    import.write_batch(records).await.unwrap();
    let n = records.len() as u64;
    import
        .finish(ImportSummaryForRun {
            rows_read: n,
            rows_valid: n,
            rows_rejected: 0,
            source_sha256: None,
        })
        .await
        .unwrap();
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
    }
}

/// The landing-page population: `per_district` households of four in each of Tanjungpandan (19.02.01)
/// and Membalong (19.02.02), Kabupaten Belitung; the heads of the first `deceased` households of
/// Tanjungpandan have died.
pub fn belitung(per_district: u16, deceased: u16) -> Vec<PopulationRecord> {
    let mut records = Vec::new();
    let places = [("19.02.01", "19.02.01.1001"), ("19.02.02", "19.02.02.2001")];
    for (d, (district, village)) in places.into_iter().enumerate() {
        let district = RegionCode::parse(district).unwrap();
        let village = RegionCode::parse(village).unwrap();
        for h in 1..=per_district {
            let kk = KkNumber::parse_structure(&format!("{}{:010}", district.plain(), h)).unwrap();
            let members = [
                (Relationship::KepalaKeluarga, Sex::LakiLaki, (1980, 3, 12)),
                (Relationship::SuamiIstri, Sex::Perempuan, (1983, 7, 2)),
                (Relationship::Anak, Sex::LakiLaki, (2008, 1, 20)),
                (Relationship::Anak, Sex::Perempuan, (2012, 11, 5)),
            ];
            for (m, (relationship, sex, (y, mo, day))) in members.into_iter().enumerate() {
                let birth = NaiveDate::from_ymd_opt(y, mo, day).unwrap();
                let nik = Nik::from_parts(district, sex, birth, h).unwrap();
                let dead = d == 0 && m == 0 && h <= deceased;
                records.push(PopulationRecord {
                    nik,
                    kk_number: kk,
                    full_name: format!("Warga {h} {m}"),
                    sex,
                    birth_place: "Tanjungpandan".into(),
                    birth_date: birth,
                    religion: None,
                    marital_status: None,
                    relationship,
                    address: format!("Jalan Contoh {h}"),
                    rt: "001".into(),
                    rw: "002".into(),
                    village,
                    occupation: "Nelayan".into(),
                    death_date: dead.then(|| NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()),
                });
            }
        }
    }
    records
}

/// A minimal HTTP/1.1 client over a real socket: status and body of one request (`Connection: close`).
pub async fn raw_get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut bytes))
        .await
        .map_err(|_| std::io::Error::other("no answer within 30 s"))??;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    Ok((status, body))
}

/// A log writer that keeps everything in memory.
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;
    fn make_writer(&'a self) -> LogBuffer {
        self.clone()
    }
}

/// Sends one request to a router and collects the response.
pub async fn oneshot(router: &Router, uri: &str) -> Response {
    let response = router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Response {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// A TCP relay in front of a PostgreSQL server; [`Relay::cut`] closes every connection and stops
/// listening, as when the database host or the network between goes away.
pub struct Relay {
    /// The PostgreSQL URL with the relay's address instead of the server's.
    pub url: String,
    tasks: Arc<Mutex<tokio::task::JoinSet<()>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Relay {
    pub async fn start(url: &str) -> Relay {
        let (scheme, rest) = url.split_once("://").unwrap();
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        let (userinfo, host_port) = match authority.rsplit_once('@') {
            Some((u, h)) => (format!("{u}@"), h),
            None => (String::new(), authority),
        };
        let target = if host_port.contains(':') {
            host_port.to_owned()
        } else {
            format!("{host_port}:5432")
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay_addr = listener.local_addr().unwrap();
        let tasks = Arc::new(Mutex::new(tokio::task::JoinSet::new()));
        let accept = {
            let tasks = tasks.clone();
            tokio::spawn(async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    let target = target.clone();
                    tasks.lock().unwrap().spawn(async move {
                        if let Ok(mut server) = tokio::net::TcpStream::connect(&target).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                }
            })
        };
        Relay {
            url: format!("{scheme}://{userinfo}{relay_addr}{tail}"),
            tasks,
            accept,
        }
    }

    pub async fn cut(self) {
        self.accept.abort();
        let _ = self.accept.await;
        self.tasks.lock().unwrap().abort_all();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
