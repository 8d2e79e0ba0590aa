//! The transparency ledger over HTTP: static tiles and checkpoint, the JSON read API, receipts, the
//! receipt page, and the witness endpoint. The log is a real one: written by the real sequencer into a
//! temporary directory, cosigned by two real witnesses (in-process, through the same byte protocol).

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use base64::Engine as _;
use tepat_ledger::entry::{sample_cycle, ChainBuilder};
use tepat_ledger::{
    leaf_hash, verify_consistency, verify_inclusion, Checkpoint, FsStorage, Hash, KeyType,
    LogPolicy, LogService, NoteSigner, QuorumPublisher, Receipt, Sequencer, Witness,
    WitnessEndpoint,
};
use tower::ServiceExt;

use crate::support::TestApp;

const ORIGIN: &str = "dinsos.test.invalid/ledger";

struct Fixture {
    app: TestApp,
    dir: tempfile::TempDir,
    log_key: NoteSigner,
    policy: LogPolicy,
    /// Published sizes, in order.
    sizes: Vec<u64>,
}

/// A log of two cycles (282 entries, then 42 more: 324), each published with 2-of-2 cosignatures.
async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let log_key = NoteSigner::generate(ORIGIN, KeyType::Ed25519).unwrap();
    let path = dir.path().to_path_buf();
    let key = log_key.clone();
    let (sizes, witness_keys) = tokio::task::spawn_blocking(move || {
        let mut endpoints = Vec::new();
        let mut keys = Vec::new();
        for name in ["w1.test.invalid/witness", "w2.test.invalid/witness"] {
            let signer = NoteSigner::generate(name, KeyType::CosignatureV1).unwrap();
            let w = Arc::new(
                Witness::open(
                    signer,
                    vec![key.verifier()],
                    path.join(name.split('.').next().unwrap()),
                )
                .unwrap(),
            );
            keys.push(w.verifier());
            endpoints.push(WitnessEndpoint::new(w.verifier(), Box::new(w.clone())));
        }
        let seq = Sequencer::open(FsStorage::open(path.join("log")).unwrap(), key).unwrap();
        let svc = LogService::start(seq, Box::new(QuorumPublisher::new(endpoints, 2))).unwrap();
        let mut sizes = Vec::new();
        let mut chain = ChainBuilder::new(0);
        sample_cycle(&mut chain, "PKH", "2026-01", "19.02", 70, 600_000, 1).unwrap();
        let (_, cp) = svc.append(chain.take()).unwrap();
        sizes.push(cp.checkpoint.size);
        sample_cycle(&mut chain, "PKH", "2026-02", "19.02", 10, 600_000, 2).unwrap();
        let (_, cp) = svc.append(chain.take()).unwrap();
        sizes.push(cp.checkpoint.size);
        svc.shutdown().unwrap();
        (sizes, keys)
    })
    .await
    .unwrap();
    assert_eq!(sizes, vec![282, 324]);
    let witnesses: Vec<_> = witness_keys
        .iter()
        .map(|k| {
            (
                k.clone(),
                format!("http://{}.example", k.name().replace('/', "-")),
            )
        })
        .collect();
    let ledger =
        tepat_web::Ledger::new(dir.path().join("log"), log_key.verifier(), witnesses, 2).unwrap();
    let policy = ledger.policy.clone();
    let app = TestApp::builder().ledger(Arc::new(ledger)).build().await;
    Fixture {
        app,
        dir,
        log_key,
        policy,
        sizes,
    }
}

/// Status, headers and raw body bytes.
async fn get_bytes(app: &TestApp, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = app
        .router()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    (status, headers, body)
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[tokio::test]
async fn logs_json_names_the_origin_keys_witnesses_and_quorum() {
    let f = fixture().await;
    let r = f.app.get("/ledger/logs.json").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("content-type"), "application/json");
    let v = json(&r.body);
    let log = &v["logs"][0];
    assert_eq!(log["name"], "bansos");
    assert_eq!(log["origin"], ORIGIN);
    assert_eq!(log["key"], f.log_key.verifier().to_vkey());
    assert_eq!(log["quorum"], 2);
    assert_eq!(log["witnesses"].as_array().unwrap().len(), 2);
    for w in log["witnesses"].as_array().unwrap() {
        let key = w["key"].as_str().unwrap();
        assert!(
            tepat_ledger::NoteVerifier::from_vkey(key).is_ok(),
            "vkey text form: {key}"
        );
        assert!(w["url"].as_str().unwrap().starts_with("http://"));
    }
    // The policy text parses and is the one the server verifies with.
    let policy = LogPolicy::parse(log["policy"].as_str().unwrap()).unwrap();
    assert_eq!(policy, f.policy);
    let text = f.app.get("/ledger/bansos/policy").await;
    assert_eq!(LogPolicy::parse(&text.body).unwrap(), f.policy);
}

#[tokio::test]
async fn checkpoint_and_tiles_are_static_files_with_cache_headers() {
    let f = fixture().await;
    let log_dir = f.dir.path().join("log");
    let (status, headers, body) = get_bytes(&f.app, "/ledger/bansos/checkpoint").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-cache");
    assert_eq!(body, std::fs::read(log_dir.join("checkpoint")).unwrap());
    f.policy.verify_checkpoint(&body).expect("cosigned by both");

    for (path, cache) in [
        ("tile/0/000", "public, max-age=31536000, immutable"),
        ("tile/entries/000", "public, max-age=31536000, immutable"),
        ("tile/0/001.p/68", "public, max-age=60"),
        ("tile/entries/001.p/68", "public, max-age=60"),
        ("tile/1/000.p/1", "public, max-age=60"),
        // Partial tiles of the earlier checkpoint stay readable for readers of that checkpoint.
        ("tile/0/001.p/26", "public, max-age=60"),
    ] {
        let (status, headers, body) = get_bytes(&f.app, &format!("/ledger/bansos/{path}")).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(
            headers["content-type"], "application/octet-stream",
            "{path}"
        );
        assert_eq!(headers["cache-control"], cache, "{path}");
        assert_eq!(body, std::fs::read(log_dir.join(path)).unwrap(), "{path}");
    }
    // Beyond the published tree, or never written: 404.
    for path in [
        "tile/0/001",
        "tile/0/001.p/69",
        "tile/entries/002",
        "tile/2/000.p/1",
    ] {
        let (status, _, _) = get_bytes(&f.app, &format!("/ledger/bansos/{path}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // The mirror index links every tile of the published tree.
    let index = f.app.get("/ledger/bansos/").await;
    for path in [
        "tile/0/000",
        "tile/0/001.p/68",
        "tile/entries/001.p/68",
        "checkpoint",
        "policy",
    ] {
        assert!(
            index.body.contains(&format!("/ledger/bansos/{path}\"")),
            "{path}: {}",
            index.body
        );
    }
    assert_eq!(
        f.app.get("/ledger/other/checkpoint").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn dotfiles_and_paths_outside_the_tile_layout_are_never_served() {
    let f = fixture().await;
    std::fs::write(f.dir.path().join("secret"), "SECRET").unwrap();
    let state = std::fs::read_to_string(f.dir.path().join("log/.sequencer-checkpoint")).unwrap();
    let signature_line = state.lines().last().unwrap().to_owned();
    for uri in [
        "/ledger/bansos/.sequencer-checkpoint",
        "/ledger/bansos/tile/../.sequencer-checkpoint",
        "/ledger/bansos/tile/0/../../.sequencer-checkpoint",
        "/ledger/bansos/tile/%2e%2e/.sequencer-checkpoint",
        "/ledger/bansos/tile/..%2F..%2Fsecret",
        "/ledger/bansos/tile/0/..%2F..%2F..%2Fsecret",
        "/ledger/bansos/tile/.sequencer-checkpoint",
        "/ledger/bansos/tile/0/000.tmp-1-1",
        "/ledger/bansos/tile/0/000.p/",
        "/ledger/bansos/tile/0/x000/000",
        "/ledger/bansos/tile//0/000",
        "/ledger/bansos/tile/%2Fetc%2Fpasswd",
        "/ledger/bansos/tile/w1/state",
        "/ledger/..%2Fsecret",
        "/ledger/bansos/..%2F..%2Fsecret",
    ] {
        let (status, _, body) = get_bytes(&f.app, uri).await;
        let body = String::from_utf8_lossy(&body);
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {body}");
        assert!(!body.contains("SECRET"), "{uri}");
        assert!(!body.contains(&signature_line), "{uri}");
    }
}

#[tokio::test]
async fn entries_by_index_are_decoded_with_their_raw_bytes() {
    let f = fixture().await;
    let r = f.app.get("/ledger/bansos/entry/0").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json(&r.body);
    assert_eq!(v["event"]["kind"], "budget");
    assert_eq!(v["event"]["program"], "PKH");
    assert_eq!(v["event"]["amount"], 70 * 600_000);
    let raw = base64::engine::general_purpose::STANDARD
        .decode(v["raw"].as_str().unwrap())
        .unwrap();
    assert_eq!(leaf_hash(&raw).to_hex(), v["leaf_hash"]);
    let v = json(&f.app.get("/ledger/bansos/entry/323").await.body);
    assert_eq!(v["event"]["kind"], "hand-over");
    assert_eq!(v["event"]["parent"]["index"], 322);
    assert_eq!(
        f.app.get("/ledger/bansos/entry/324").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        f.app.get("/ledger/bansos/entry/01").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        f.app.get("/ledger/bansos/entry/x").await.status,
        StatusCode::BAD_REQUEST
    );
}

fn hashes(v: &serde_json::Value) -> Vec<Hash> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| Hash::from_base64(h.as_str().unwrap()).unwrap())
        .collect()
}

#[tokio::test]
async fn inclusion_proofs_by_leaf_hash_verify_at_any_size() {
    let f = fixture().await;
    let storage = FsStorage::existing(f.dir.path().join("log")).unwrap();
    let tree = {
        let mut t = tepat_ledger::MemoryTree::new();
        for i in 0..324u64 {
            let e = json(&f.app.get(&format!("/ledger/bansos/entry/{i}")).await.body);
            t.push(Hash::from_hex(e["leaf_hash"].as_str().unwrap()).unwrap());
        }
        t
    };
    drop(storage);
    // At the published size, at the earlier checkpoint's size, and at sizes no checkpoint had.
    for (index, size) in [
        (5u64, 324u64),
        (281, 282),
        (0, 1),
        (200, 300),
        (299, 300),
        (257, 258),
        (323, 324),
    ] {
        let leaf = tree.leaf(index).unwrap();
        let r = f
            .app
            .get(&format!(
                "/ledger/bansos/proof/inclusion?leaf_hash={}&size={size}",
                leaf.to_hex()
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "({index}, {size}): {}", r.body);
        let v = json(&r.body);
        assert_eq!(v["index"], index);
        verify_inclusion(
            &leaf,
            index,
            size,
            &hashes(&v["inclusion_path"]),
            &tree.root_at(size),
        )
        .unwrap_or_else(|e| panic!("({index}, {size}): {e}"));
    }
    // Default size: the published one.
    let leaf = tree.leaf(7).unwrap();
    let v = json(
        &f.app
            .get(&format!(
                "/ledger/bansos/proof/inclusion?leaf_hash={}",
                leaf.to_hex()
            ))
            .await
            .body,
    );
    assert_eq!(v["tree_size"], 324);
    // Not in the first `size` entries; unknown; malformed; beyond the published tree.
    let late = tree.leaf(300).unwrap().to_hex();
    let cases = [
        (format!("leaf_hash={late}&size=300"), StatusCode::NOT_FOUND),
        (
            format!("leaf_hash={}", "00".repeat(32)),
            StatusCode::NOT_FOUND,
        ),
        ("leaf_hash=abc".to_owned(), StatusCode::BAD_REQUEST),
        ("size=3".to_owned(), StatusCode::BAD_REQUEST),
        (
            format!("leaf_hash={late}&size=325"),
            StatusCode::BAD_REQUEST,
        ),
        (format!("leaf_hash={late}&size=x"), StatusCode::BAD_REQUEST),
    ];
    for (query, status) in cases {
        let r = f
            .app
            .get(&format!("/ledger/bansos/proof/inclusion?{query}"))
            .await;
        assert_eq!(r.status, status, "{query}: {}", r.body);
    }
}

#[tokio::test]
async fn consistency_proofs_verify_between_sizes() {
    let f = fixture().await;
    let mut t = tepat_ledger::MemoryTree::new();
    for i in 0..324u64 {
        let e = json(&f.app.get(&format!("/ledger/bansos/entry/{i}")).await.body);
        t.push(Hash::from_hex(e["leaf_hash"].as_str().unwrap()).unwrap());
    }
    for (m, n) in [
        (282u64, 324u64),
        (1, 324),
        (100, 300),
        (256, 257),
        (324, 324),
        (5, 282),
    ] {
        let r = f
            .app
            .get(&format!("/ledger/bansos/proof/consistency?from={m}&to={n}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "({m}, {n}): {}", r.body);
        let v = json(&r.body);
        verify_consistency(
            m,
            n,
            &t.root_at(m),
            &t.root_at(n),
            &hashes(&v["consistency_path"]),
        )
        .unwrap_or_else(|e| panic!("({m}, {n}): {e}"));
    }
    let v = json(
        &f.app
            .get("/ledger/bansos/proof/consistency?from=282")
            .await
            .body,
    );
    assert_eq!(v["to"], 324);
    for q in [
        "from=0&to=10",
        "from=11&to=10",
        "from=1&to=325",
        "to=5",
        "from=a",
    ] {
        let r = f
            .app
            .get(&format!("/ledger/bansos/proof/consistency?{q}"))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.body);
    }
}

fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn receipts_are_served_and_verified_on_the_page_in_both_languages() {
    let f = fixture().await;
    let r = f.app.get("/ledger/bansos/receipt/100").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.starts_with("c2sp.org/tlog-proof@v1\n"), "{}", r.body);
    assert!(r.body.len() <= tepat_ledger::MAX_RECEIPT_SIZE);
    let receipt = Receipt::decode(r.body.as_bytes()).unwrap();
    let v = receipt.verify(&f.policy).expect("valid receipt");
    assert_eq!(v.index, 100);
    assert_eq!(v.checkpoint.size, 324);
    assert_eq!(
        f.app.get("/ledger/bansos/receipt/324").await.status,
        StatusCode::NOT_FOUND
    );

    // The page: empty form, then the pasted receipt (with the CRLF line ends browsers send).
    let page = f.app.get("/ledger/receipt").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Periksa tanda bukti"), "{}", page.body);
    assert!(page.body.contains("<textarea"), "{}", page.body);

    let pasted = r.body.replace('\n', "\r\n");
    let body = format!("receipt={}", form_encode(&pasted));
    let ok = f
        .app
        .send(
            Method::POST,
            "/ledger/receipt",
            "application/x-www-form-urlencoded",
            &body,
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(ok.body.contains(r#"data-valid="true""#), "{}", ok.body);
    assert!(ok.body.contains("Tanda bukti sah"), "{}", ok.body);
    assert!(ok.body.contains("w1.test.invalid/witness"), "{}", ok.body);
    assert!(
        ok.body.contains("600.000"),
        "Indonesian grouping: {}",
        ok.body
    );

    // Tampered: one proof hash changed.
    let mut lines: Vec<String> = r.body.lines().map(str::to_owned).collect();
    lines[3] = Hash([7; 32]).to_base64();
    let tampered = lines.join("\n") + "\n";
    let request = Request::builder()
        .method(Method::POST)
        .uri("/ledger/receipt")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", "lang=en")
        .body(Body::from(format!("receipt={}", form_encode(&tampered))))
        .unwrap();
    let bad = f.app.request(request).await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains(r#"data-valid="false""#), "{}", bad.body);
    assert!(bad.body.contains("Invalid receipt"), "{}", bad.body);
    assert!(
        bad.body.contains("inclusion proof"),
        "names the problem: {}",
        bad.body
    );

    // Garbage is refused with a reason, never a crash.
    let junk = f
        .app
        .send(
            Method::POST,
            "/ledger/receipt",
            "application/x-www-form-urlencoded",
            "receipt=hello",
        )
        .await;
    assert!(junk.body.contains(r#"data-valid="false""#), "{}", junk.body);
}

#[tokio::test]
async fn without_a_ledger_the_api_is_404_and_the_page_says_so() {
    let app = TestApp::new().await;
    assert_eq!(
        app.get("/ledger/bansos/checkpoint").await.status,
        StatusCode::NOT_FOUND
    );
    let v = json(&app.get("/ledger/logs.json").await.body);
    assert_eq!(v["logs"].as_array().unwrap().len(), 0);
    let page = app.get("/ledger/receipt").await;
    assert!(
        page.body.contains("belum menjalankan buku besar"),
        "{}",
        page.body
    );
}

/// `POST /add-checkpoint`: every status of C2SP tlog-witness, with its body and content type.
#[tokio::test]
async fn the_witness_endpoint_answers_as_the_spec_says() {
    let f = fixture().await;
    let state = tempfile::tempdir().unwrap();
    let signer = NoteSigner::generate("w3.test.invalid/witness", KeyType::CosignatureV1).unwrap();
    let witness = Arc::new(
        Witness::open(
            signer,
            vec![f.log_key.verifier()],
            state.path().join("state"),
        )
        .unwrap(),
    );
    let router = tepat_web::ledger::witness_router(witness.clone());
    let post = |body: Vec<u8>| {
        let router = router.clone();
        async move {
            let response = router
                .oneshot(
                    Request::post("/add-checkpoint")
                        .body(Body::from(body))
                        .unwrap(),
                )
                .await
                .unwrap();
            let status = response.status();
            let ct = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_owned();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (status, ct, String::from_utf8_lossy(&body).into_owned())
        }
    };
    let published = std::fs::read(f.dir.path().join("log/checkpoint")).unwrap();
    let cp = f.policy.verify_checkpoint(&published).unwrap().checkpoint;
    let signed = |c: &Checkpoint, key: &NoteSigner| c.sign(key).to_bytes();
    let body = |old: u64, proof: &[Hash], note: &[u8]| {
        tepat_ledger::AddCheckpointRequest {
            old_size: old,
            proof: proof.to_vec(),
            checkpoint: note.to_vec(),
        }
        .to_bytes()
    };

    let (status, ct, text) = post(body(0, &[], &published)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(ct, "text/plain; charset=utf-8");
    assert!(text.starts_with("— w3.test.invalid/witness "), "{text}");
    assert_eq!(witness.latest(ORIGIN).unwrap().size, f.sizes[1]);

    // The client thinks the witness holds nothing: 409 with the stored size.
    let (status, ct, text) = post(body(0, &[], &published)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(ct, "text/x.tlog.size");
    assert_eq!(text, "324\n");

    // A fork: same size, another root, validly signed by the log: 422 (and kept as evidence).
    let fork = Checkpoint::new(ORIGIN, cp.size, Hash([9; 32]));
    let (status, _, text) = post(body(324, &[], &signed(&fork, &f.log_key))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(witness.evidence_path().exists());

    // A rollback: older than what the witness cosigned.
    let old = Checkpoint::new(ORIGIN, 282, Hash([1; 32]));
    let (status, _, text) = post(body(324, &[], &signed(&old, &f.log_key))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");

    // Unknown origin, and a trusted origin signed by another key.
    let other = NoteSigner::generate("other.invalid/ledger", KeyType::Ed25519).unwrap();
    let unknown = Checkpoint::new("other.invalid/ledger", 1, Hash([2; 32]));
    let (status, _, _) = post(body(0, &[], &signed(&unknown, &other))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let impostor = NoteSigner::generate(ORIGIN, KeyType::Ed25519).unwrap();
    let (status, _, _) = post(body(324, &[], &signed(&cp, &impostor))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Malformed.
    let (status, _, _) = post(b"hello".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
