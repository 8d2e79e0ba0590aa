//! The transparency ledger across processes: the real `tepat` binary as the log (`tepat demo`, which
//! appends a synthetic cycle at each start) and two `tepat witness` processes on loopback, as two other
//! agencies would run them; then `tepat ledger verify` against the served log, its directory, and a
//! tampered copy.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use tepat_ledger::{Checkpoint, Hash, KeyType, LogPolicy, NoteSigner};

mod support;
// The `info` log, as this file always ran it: its failure messages show what the processes said.
use support::{free_port, verbose as tepat};

/// One HTTP/1.1 request; returns (status, body).
fn http(port: u16, method: &str, path: &str, body: &[u8]) -> Option<(u16, Vec<u8>)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .ok()?;
    s.write_all(body).ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, raw[split + 4..].to_vec()))
}

fn wait_for(what: &str, within: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < within {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("{what}: not within {within:?}");
}

fn spawn_witness(dir: &Path, name: &str, port: u16, log_key: &str) -> Child {
    tepat(dir)
        .args([
            "witness",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--key-file",
            &format!("{name}.key"),
            "--state-dir",
            name,
            "--log-key",
            log_key,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn spawn_demo(dir: &Path, port: u16, witnesses: &str) -> Child {
    tepat(dir)
        .args([
            "demo",
            "--persons",
            "200",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("TEPAT_LEDGER_WITNESSES", witnesses)
        // Audit anchors would add entries at shutdown; this test counts the sample cycles' entries
        // exactly (anchoring has its own test, tests/audit.rs).
        .env("TEPAT_AUDIT_ANCHOR_MINUTES", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The published checkpoint: (size, names of the signers).
fn published(port: u16) -> Option<(u64, Vec<String>, Vec<u8>)> {
    let (status, body) = http(port, "GET", "/ledger/bansos/checkpoint", b"")?;
    if status != 200 {
        return None;
    }
    let text = String::from_utf8(body.clone()).ok()?;
    let size = text.lines().nth(1)?.parse().ok()?;
    let signers = text
        .lines()
        .filter_map(|l| l.strip_prefix("— "))
        .map(|l| l.split(' ').next().unwrap().to_owned())
        .collect();
    Some((size, signers, body))
}

fn signed_size(dir: &Path) -> u64 {
    std::fs::read_to_string(dir.join("tepat-ledger/.sequencer-checkpoint"))
        .ok()
        .and_then(|t| t.lines().nth(1).and_then(|l| l.parse().ok()))
        .unwrap_or(0)
}

fn verify(dir: &Path, args: &[&str]) -> Output {
    tepat(dir)
        .args(["ledger", "verify"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn two_witness_processes_cosign_publication_stalls_below_quorum_and_forks_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The office's log key, made beforehand so the witnesses can be told to trust it.
    let origin = "dinsos.test.invalid/ledger";
    let log_key = NoteSigner::generate(origin, KeyType::Ed25519).unwrap();
    std::fs::write(d.join("tepat-ledger.key"), log_key.to_skey() + "\n").unwrap();
    let log_vkey = log_key.verifier().to_vkey();
    let printed = tepat(d).args(["ledger", "key"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&printed.stdout).trim(), log_vkey);

    // Each witness agency creates its key and gives the public key to the office.
    let mut vkeys = Vec::new();
    for name in ["w1", "w2"] {
        let o = tepat(d)
            .args(["witness", "init", "--key-file", &format!("{name}.key")])
            .args(["--name", &format!("{name}.test.invalid/witness")])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        vkeys.push(String::from_utf8(o.stdout).unwrap().trim().to_owned());
    }
    let again = tepat(d)
        .args(["witness", "init", "--key-file", "w1.key", "--name", "x"])
        .output()
        .unwrap();
    assert!(!again.status.success(), "init never overwrites a key");

    let (p1, p2, web) = (free_port(), free_port(), free_port());
    let w1 = spawn_witness(d, "w1", p1, &log_vkey);
    let mut w2 = spawn_witness(d, "w2", p2, &log_vkey);
    for p in [p1, p2] {
        wait_for("witness up", Duration::from_secs(30), || {
            matches!(http(p, "GET", "/healthz", b""), Some((200, _)))
        });
    }
    let witnesses = format!(
        "http://127.0.0.1:{p1} {}, http://127.0.0.1:{p2} {}",
        vkeys[0], vkeys[1]
    );

    // First start: the sample cycle (102 entries) is published with both cosignatures.
    let demo = spawn_demo(d, web, &witnesses);
    wait_for("first cycle published", Duration::from_secs(180), || {
        published(web).is_some_and(|(size, _, _)| size == 102)
    });
    let (_, signers, note) = published(web).unwrap();
    assert_eq!(
        signers,
        vec![
            origin.to_owned(),
            "w1.test.invalid/witness".to_owned(),
            "w2.test.invalid/witness".to_owned()
        ]
    );
    let (_, policy_text) = http(web, "GET", "/ledger/bansos/policy", b"").unwrap();
    let policy = LogPolicy::parse(std::str::from_utf8(&policy_text).unwrap()).unwrap();
    policy.verify_checkpoint(&note).expect("2-of-2 quorum");
    std::fs::write(d.join("policy"), &policy_text).unwrap();

    // The verifier, over HTTP and on the directory, needs no database.
    let o = verify(
        d,
        &["--url", &format!("http://127.0.0.1:{web}/ledger/bansos")],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("OK: no inconsistency found"), "{out}");
    assert!(out.contains("DEMO"), "{out}");
    let o = verify(
        d,
        &[
            "--dir",
            "tepat-ledger",
            "--policy",
            "policy",
            "--database",
            "postgres://nowhere.invalid/x",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    stop(demo);

    // One witness goes away: the second start appends and signs, but cannot publish below quorum.
    let _ = w2.kill();
    let _ = w2.wait();
    let demo = spawn_demo(d, web, &witnesses);
    wait_for("second cycle signed", Duration::from_secs(60), || {
        signed_size(d) == 204
    });
    std::thread::sleep(Duration::from_secs(2));
    let (size, _, _) = published(web).expect("the old checkpoint is still served");
    assert_eq!(size, 102, "published below quorum");
    assert_eq!(signed_size(d), 204);

    // It comes back (same key, same state): publication resumes with both cosignatures.
    w2 = spawn_witness(d, "w2", p2, &log_vkey);
    wait_for("publication resumed", Duration::from_secs(60), || {
        published(web).is_some_and(|(size, _, _)| size == 204)
    });
    let (_, signers, note) = published(web).unwrap();
    assert_eq!(signers.len(), 3, "{signers:?}");
    policy
        .verify_checkpoint(&note)
        .expect("2-of-2 quorum again");

    // One writer per log: a second process on the same ledger refuses to start.
    let second = tepat(d)
        .args(["serve", "--listen", &format!("127.0.0.1:{}", free_port())])
        .output()
        .unwrap();
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("already open in process"), "{err}");

    // A forked checkpoint (same size, another root, validly signed by the log) is refused: 422. A
    // rolled-back one (older than what the witness cosigned) too: 400.
    let fork = Checkpoint::new(origin, 204, Hash([7; 32]))
        .sign(&log_key)
        .to_bytes();
    let mut body = b"old 204\n\n".to_vec();
    body.extend_from_slice(&fork);
    let (status, text) = http(p1, "POST", "/add-checkpoint", &body).unwrap();
    assert_eq!(status, 422, "{}", String::from_utf8_lossy(&text));
    let rollback = Checkpoint::new(origin, 102, Hash([8; 32]))
        .sign(&log_key)
        .to_bytes();
    let mut body = b"old 204\n\n".to_vec();
    body.extend_from_slice(&rollback);
    let (status, _) = http(p1, "POST", "/add-checkpoint", &body).unwrap();
    assert_eq!(status, 400);
    let mut body = b"old 0\n\n".to_vec();
    body.extend_from_slice(&fork);
    let (status, text) = http(p1, "POST", "/add-checkpoint", &body).unwrap();
    assert_eq!((status, text.as_slice()), (409, b"204\n".as_slice()));

    stop(demo);
    stop(w1);
    stop(w2);

    // A mirror with one tampered tile fails verification, naming the problem.
    let copy = d.join("copy");
    copy_dir(&d.join("tepat-ledger"), &copy);
    let tile = copy.join("tile/0/000.p/204");
    let mut bytes = std::fs::read(&tile).unwrap();
    bytes[32 * 50] ^= 1;
    std::fs::write(&tile, bytes).unwrap();
    let o = verify(d, &["--dir", "copy", "--policy", "policy"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success(), "{out}");
    assert!(out.contains("level-0 tile"), "{out}");
    assert!(out.contains("50"), "names the entry: {out}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("not consistent"), "{err}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}
