//! C2SP tlog-witness: the witness core (`add-checkpoint` without the HTTP around it), the client side a log
//! uses to collect cosignatures, and the quorum publisher.
//!
//! The web layer only adds the route: `POST <prefix>/add-checkpoint` → [`Witness::add_checkpoint`], and on
//! error the status [`WitnessError::status`] with body [`WitnessError::body`] and content type
//! [`WitnessError::content_type`].

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use thiserror::Error;

use crate::checkpoint::{parse_decimal, Checkpoint, SignedCheckpoint};
use crate::hash::{empty_root, Hash};
use crate::merkle::verify_consistency;
use crate::note::{KeyType, Note, NoteSignature, NoteSigner, NoteVerifier};
use crate::service::Publisher;

/// Most consistency-proof lines a request may carry.
pub const MAX_PROOF_LINES: usize = 63;

/// A request body: `old <size>\n`, proof lines, blank line, checkpoint note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpointRequest {
    /// Size of the previous checkpoint the client believes the witness holds.
    pub old_size: u64,
    /// Consistency proof from `old_size` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note.
    pub checkpoint: Vec<u8>,
}

impl AddCheckpointRequest {
    /// Parses a body strictly.
    pub fn parse(body: &[u8]) -> Result<Self, WitnessError> {
        let bad = |why: String| WitnessError::BadRequest(why);
        let line_end = |from: usize| {
            body[from..]
                .iter()
                .position(|&b| b == b'\n')
                .map(|p| from + p)
        };
        let end = line_end(0).ok_or_else(|| bad("the body has no `old <size>` line".into()))?;
        let first = std::str::from_utf8(&body[..end])
            .map_err(|_| bad("the old size line is not UTF-8".into()))?;
        let old = first
            .strip_prefix("old ")
            .and_then(parse_decimal)
            .ok_or_else(|| {
                bad(format!(
                    "the first line must be `old <size>`, got {:?}",
                    clip(first)
                ))
            })?;
        let mut at = end + 1;
        let mut proof = Vec::new();
        loop {
            let end = line_end(at).ok_or_else(|| {
                bad("the body ends before the blank line that precedes the checkpoint".into())
            })?;
            if end == at {
                at = end + 1;
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err(bad(format!(
                    "more than {MAX_PROOF_LINES} consistency proof lines"
                )));
            }
            let line = std::str::from_utf8(&body[at..end])
                .map_err(|_| bad("a proof line is not UTF-8".into()))?;
            let h = Hash::from_base64(line).ok_or_else(|| {
                bad(format!(
                    "proof line {} is not the base64 of a 32-byte hash: {:?}",
                    proof.len() + 1,
                    clip(line)
                ))
            })?;
            proof.push(h);
            at = end + 1;
        }
        Ok(AddCheckpointRequest {
            old_size: old,
            proof,
            checkpoint: body[at..].to_vec(),
        })
    }

    /// The body bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("old {}\n", self.old_size).into_bytes();
        for h in &self.proof {
            out.extend_from_slice(h.to_base64().as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
        out.extend_from_slice(&self.checkpoint);
        out
    }
}

fn clip(s: &str) -> String {
    s.chars().take(80).collect()
}

/// Why the witness did not cosign; maps to the spec's HTTP status.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum WitnessError {
    /// 400: malformed request, or old size larger than the checkpoint's.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 403: no signature from a key trusted for this origin verifies (or a trusted one fails).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: this witness does not know the log's origin.
    #[error("unknown log origin {0:?}")]
    UnknownLog(String),
    /// 409: the old size is not the size of the latest checkpoint cosigned for this origin.
    #[error("conflict: the latest checkpoint cosigned for this log has size {0}")]
    Conflict(u64),
    /// 422: the consistency proof does not verify, or the checkpoint contradicts the stored one.
    #[error("unprocessable: {0}")]
    Unprocessable(String),
    /// 500: the witness could not persist its state.
    #[error("internal error: {0}")]
    Internal(String),
}

impl WitnessError {
    /// The HTTP status the spec requires.
    pub fn status(&self) -> u16 {
        match self {
            WitnessError::BadRequest(_) => 400,
            WitnessError::Forbidden(_) => 403,
            WitnessError::UnknownLog(_) => 404,
            WitnessError::Conflict(_) => 409,
            WitnessError::Unprocessable(_) => 422,
            WitnessError::Internal(_) => 500,
        }
    }

    /// The response body: for 409 the stored size and a newline, else the reason as text.
    pub fn body(&self) -> Vec<u8> {
        match self {
            WitnessError::Conflict(size) => format!("{size}\n").into_bytes(),
            other => format!("{other}\n").into_bytes(),
        }
    }

    /// The response content type (`text/x.tlog.size` for 409).
    pub fn content_type(&self) -> &'static str {
        match self {
            WitnessError::Conflict(_) => "text/x.tlog.size",
            _ => "text/plain; charset=utf-8",
        }
    }
}

/// The latest checkpoint a witness cosigned for one log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WitnessedState {
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
}

/// A witness: its own cosigning key, the logs it follows, and durable state per log origin.
pub struct Witness {
    signer: NoteSigner,
    logs: BTreeMap<String, Vec<NoteVerifier>>,
    state_path: PathBuf,
    state: Mutex<BTreeMap<String, WitnessedState>>,
    clock: Box<dyn Fn() -> u64 + Send + Sync>,
}

const STATE_HEADER: &str = "tepat-witness-state v1";

impl Witness {
    /// Opens a witness with a `cosignature/v1` key, the log keys it trusts (the log's origin is the key
    /// name), and the file that keeps its state (created on first cosignature).
    pub fn open(
        signer: NoteSigner,
        logs: Vec<NoteVerifier>,
        state_path: impl Into<PathBuf>,
    ) -> io::Result<Self> {
        if signer.key_type() != KeyType::CosignatureV1 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a witness needs a cosignature/v1 key (type 0x04)",
            ));
        }
        let state_path = state_path.into();
        let state = match fs::read_to_string(&state_path) {
            Ok(text) => parse_state(&text).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}: {e}", state_path.display()),
                )
            })?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(e),
        };
        let mut by_origin: BTreeMap<String, Vec<NoteVerifier>> = BTreeMap::new();
        for v in logs {
            by_origin.entry(v.name().to_string()).or_default().push(v);
        }
        Ok(Witness {
            signer,
            logs: by_origin,
            state_path,
            state: Mutex::new(state),
            clock: Box::new(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(1, |d| d.as_secs().max(1))
            }),
        })
    }

    /// Replaces the clock (Unix seconds; tests).
    pub fn with_clock(mut self, clock: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// The witness's public key.
    pub fn verifier(&self) -> NoteVerifier {
        self.signer.verifier()
    }

    /// The latest checkpoint cosigned for `origin`.
    pub fn latest(&self, origin: &str) -> Option<WitnessedState> {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(origin)
            .copied()
    }

    /// Handles an `add-checkpoint` request body; returns the response body (cosignature lines).
    pub fn add_checkpoint(&self, body: &[u8]) -> Result<Vec<u8>, WitnessError> {
        let req = AddCheckpointRequest::parse(body)?;
        let note = Note::parse(&req.checkpoint)
            .map_err(|e| WitnessError::BadRequest(format!("checkpoint note: {e}")))?;
        let cp = Checkpoint::parse(&note.text)
            .map_err(|e| WitnessError::BadRequest(format!("checkpoint: {e}")))?;
        let keys = self
            .logs
            .get(&cp.origin)
            .ok_or_else(|| WitnessError::UnknownLog(cp.origin.clone()))?;
        note.verify(keys)
            .map_err(|e| WitnessError::Forbidden(e.to_string()))?;
        if req.old_size > cp.size {
            return Err(WitnessError::BadRequest(format!(
                "old size {} is larger than the checkpoint size {}",
                req.old_size, cp.size
            )));
        }
        // Check and update atomically: the lock is held until the new state is durable.
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let result = self.check_and_update(&mut state, &req, &cp);
        if let Err(WitnessError::Unprocessable(why)) = &result {
            // A validly signed checkpoint the witness cannot reconcile with what it cosigned: keep it as
            // evidence of possible log misbehaviour (best effort; the refusal stands either way).
            let _ = self.record_evidence(body, why);
        }
        drop(state);
        result?;
        let time = (self.clock)().max(1);
        Ok(self.signer.cosign(&note.text, time).to_line().into_bytes())
    }

    /// Where refused, validly signed checkpoints are kept: `<state file>.evidence`, records of
    /// `evidence <unix time> <length>\n<reason>\n<request body>`.
    pub fn evidence_path(&self) -> PathBuf {
        let mut p = self.state_path.as_os_str().to_owned();
        p.push(".evidence");
        PathBuf::from(p)
    }

    fn record_evidence(&self, body: &[u8], why: &str) -> io::Result<()> {
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.evidence_path())?;
        let reason = why.replace('\n', " ");
        f.write_all(format!("evidence {} {}\n{reason}\n", (self.clock)(), body.len()).as_bytes())?;
        f.write_all(body)?;
        f.sync_all()
    }

    fn check_and_update(
        &self,
        state: &mut BTreeMap<String, WitnessedState>,
        req: &AddCheckpointRequest,
        cp: &Checkpoint,
    ) -> Result<(), WitnessError> {
        let stored = state.get(&cp.origin).copied();
        let stored_size = stored.map_or(0, |s| s.size);
        if req.old_size != stored_size {
            return Err(WitnessError::Conflict(stored_size));
        }
        if cp.size == 0 && cp.root != empty_root() {
            return Err(WitnessError::Unprocessable(
                "a checkpoint of size 0 must have the empty-tree root".into(),
            ));
        }
        match stored {
            None => {
                if !req.proof.is_empty() {
                    return Err(WitnessError::Unprocessable(
                        "the consistency proof must be empty when the old size is 0".into(),
                    ));
                }
            }
            Some(s) if s.size == 0 => {
                if !req.proof.is_empty() {
                    return Err(WitnessError::Unprocessable(
                        "the consistency proof must be empty when the old size is 0".into(),
                    ));
                }
            }
            Some(s) if s.size == cp.size => {
                if s.root != cp.root {
                    return Err(WitnessError::Unprocessable(format!(
                        "same size {} as the cosigned checkpoint but a different root",
                        s.size
                    )));
                }
                if !req.proof.is_empty() {
                    return Err(WitnessError::Unprocessable(
                        "the consistency proof must be empty for equal sizes".into(),
                    ));
                }
            }
            Some(s) => {
                verify_consistency(s.size, cp.size, &s.root, &cp.root, &req.proof).map_err(
                    |e| {
                        WitnessError::Unprocessable(format!(
                            "consistency proof from {} to {}: {e}",
                            s.size, cp.size
                        ))
                    },
                )?;
            }
        }
        let new = WitnessedState {
            size: cp.size,
            root: cp.root,
        };
        if stored != Some(new) {
            let mut next = state.clone();
            next.insert(cp.origin.clone(), new);
            write_state(&self.state_path, &next)
                .map_err(|e| WitnessError::Internal(format!("saving witness state: {e}")))?;
            *state = next;
        }
        Ok(())
    }
}

fn parse_state(text: &str) -> Result<BTreeMap<String, WitnessedState>, String> {
    let mut lines = text.lines();
    if lines.next() != Some(STATE_HEADER) {
        return Err(format!("the first line must be {STATE_HEADER:?}"));
    }
    let mut out = BTreeMap::new();
    for (i, line) in lines.enumerate() {
        let parts: Vec<&str> = line.split(' ').collect();
        let [origin, size, root] = parts[..] else {
            return Err(format!("line {}: expected `origin size root`", i + 2));
        };
        let size = parse_decimal(size).ok_or_else(|| format!("line {}: bad size", i + 2))?;
        let root = Hash::from_base64(root).ok_or_else(|| format!("line {}: bad root", i + 2))?;
        out.insert(origin.to_string(), WitnessedState { size, root });
    }
    Ok(out)
}

fn write_state(path: &Path, state: &BTreeMap<String, WitnessedState>) -> io::Result<()> {
    let mut text = format!("{STATE_HEADER}\n");
    for (origin, s) in state {
        text.push_str(&format!("{origin} {} {}\n", s.size, s.root.to_base64()));
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f = File::create(&tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    drop(f);
    fs::rename(&tmp, path)?;
    File::open(dir)?.sync_all()
}

/// A witness as the log sees it: something that answers `add-checkpoint`.
pub trait WitnessClient: Send {
    /// Sends a request body; returns the response body on 200, or the failure.
    fn add_checkpoint(&mut self, body: &[u8]) -> Result<Vec<u8>, ClientError>;
}

/// A witness call failed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// The witness answered with a non-200 status.
    #[error("witness answered {status}: {}", String::from_utf8_lossy(.body).trim_end())]
    Status {
        /// HTTP status.
        status: u16,
        /// Response body.
        body: Vec<u8>,
    },
    /// The witness could not be reached.
    #[error("witness unreachable: {0}")]
    Transport(String),
}

/// A witness running in this process (the demo runs its witnesses beside the log; tests use it too).
/// It goes through the same byte protocol as over HTTP.
impl WitnessClient for Arc<Witness> {
    fn add_checkpoint(&mut self, body: &[u8]) -> Result<Vec<u8>, ClientError> {
        Witness::add_checkpoint(self, body).map_err(|e| ClientError::Status {
            status: e.status(),
            body: e.body(),
        })
    }
}

/// One configured witness of a log.
pub struct WitnessEndpoint {
    /// The witness's public key.
    pub key: NoteVerifier,
    /// How to reach it.
    pub client: Box<dyn WitnessClient>,
    known_size: Option<u64>,
}

impl WitnessEndpoint {
    /// A witness with its key and client.
    pub fn new(key: NoteVerifier, client: Box<dyn WitnessClient>) -> Self {
        WitnessEndpoint {
            key,
            client,
            known_size: None,
        }
    }
}

/// Publishes a checkpoint only with at least `quorum` cosignatures from the configured witnesses.
pub struct QuorumPublisher {
    witnesses: Vec<WitnessEndpoint>,
    quorum: usize,
}

impl QuorumPublisher {
    /// Witnesses and the number of cosignatures required.
    pub fn new(witnesses: Vec<WitnessEndpoint>, quorum: usize) -> Self {
        QuorumPublisher { witnesses, quorum }
    }

    fn ask(
        w: &mut WitnessEndpoint,
        signed: &SignedCheckpoint,
        consistency: &dyn Fn(u64) -> Result<Vec<Hash>, String>,
    ) -> Result<Vec<NoteSignature>, String> {
        let note_bytes = signed.note.to_bytes();
        let size = signed.checkpoint.size;
        // Two tries: the first with the size we believe, the second with the size a 409 reports.
        let mut old = w.known_size.unwrap_or(0).min(size);
        for _ in 0..2 {
            let proof = if old == 0 || old == size {
                Vec::new()
            } else {
                consistency(old)?
            };
            let body = AddCheckpointRequest {
                old_size: old,
                proof,
                checkpoint: note_bytes.clone(),
            }
            .to_bytes();
            match w.client.add_checkpoint(&body) {
                Ok(resp) => {
                    let sigs = parse_cosignatures(&resp, &signed.note.text, &w.key)?;
                    w.known_size = Some(size);
                    return Ok(sigs);
                }
                Err(ClientError::Status { status: 409, body }) => {
                    let text = String::from_utf8_lossy(&body);
                    let reported = parse_decimal(text.trim_end_matches('\n'))
                        .ok_or_else(|| format!("409 with a malformed size {text:?}"))?;
                    if reported > size {
                        w.known_size = Some(reported);
                        return Err(format!(
                            "the witness has cosigned size {reported}, larger than {size}"
                        ));
                    }
                    old = reported;
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        Err("the witness kept answering 409".into())
    }
}

/// Parses an `add-checkpoint` response and keeps the cosignature lines that verify with `key`.
pub fn parse_cosignatures(
    body: &[u8],
    checkpoint_text: &str,
    key: &NoteVerifier,
) -> Result<Vec<NoteSignature>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "response is not UTF-8".to_string())?;
    if !text.ends_with('\n') || text.len() > 64 * 1024 {
        return Err("response is not a sequence of newline-terminated signature lines".into());
    }
    let mut out = Vec::new();
    for line in text[..text.len() - 1].split('\n') {
        let sig = NoteSignature::parse_line(line).map_err(|e| e.to_string())?;
        if key.matches(&sig) {
            if !key.verify(checkpoint_text, &sig.signature) {
                return Err(format!("cosignature from {} does not verify", sig.name));
            }
            if sig.cosignature_time() == Some(0) {
                return Err(format!("cosignature from {} has timestamp 0", sig.name));
            }
            out.push(sig);
        }
    }
    if out.is_empty() {
        return Err(format!(
            "no cosignature from {} in the response",
            key.name()
        ));
    }
    Ok(out)
}

impl Publisher for QuorumPublisher {
    fn cosign(
        &mut self,
        signed: &SignedCheckpoint,
        consistency: &dyn Fn(u64) -> Result<Vec<Hash>, String>,
    ) -> Result<Note, String> {
        let mut note = signed.note.clone();
        let mut got = 0;
        let mut errors = Vec::new();
        for w in &mut self.witnesses {
            match Self::ask(w, signed, consistency) {
                Ok(sigs) => {
                    got += 1;
                    note.signatures.extend(sigs);
                }
                Err(e) => errors.push(format!("{}: {e}", w.key.name())),
            }
        }
        if got < self.quorum {
            return Err(format!(
                "{got} of {} required cosignatures ({})",
                self.quorum,
                errors.join("; ")
            ));
        }
        Ok(note)
    }
}
