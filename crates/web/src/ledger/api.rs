//! The ledger's JSON read API: `logs.json`, entries, proofs, receipts.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{json, Value};
use tepat_ledger::tiles::{read_bundle, TileReader, TILE_WIDTH};
use tepat_ledger::{leaf_hash, merkle, AidEvent, EventBody, Hash, Receipt};

use super::files::{blocking, find, not_found, server_error, NO_CACHE};
use super::index::AnySize;
use crate::state::AppState;

fn json_response(status: StatusCode, cache: &'static str, value: Value) -> Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
        ],
        format!("{value:#}\n"),
    )
        .into_response()
}

fn bad_request(why: impl Into<String>) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        "no-store",
        json!({ "error": why.into() }),
    )
}

/// `GET /ledger/logs.json`.
pub(super) async fn logs(State(state): State<AppState>) -> Response {
    let mut logs = Vec::new();
    if let Some(l) = state.ledger() {
        let urls: HashMap<&str, &str> = l
            .witness_urls
            .iter()
            .map(|(n, u)| (n.as_str(), u.as_str()))
            .collect();
        let witnesses: Vec<Value> = l
            .policy
            .witnesses
            .iter()
            .map(|(name, key)| {
                json!({
                    "name": name,
                    "key": key.to_vkey(),
                    "url": urls.get(name.as_str()),
                })
            })
            .collect();
        let quorum = l.quorum;
        logs.push(json!({
            "name": l.name,
            "origin": l.policy.log.name(),
            "key": l.policy.log.to_vkey(),
            "witnesses": witnesses,
            "quorum": quorum,
            "policy": l.policy.to_text(),
            "synthetic_sample": l.synthetic,
            "checkpoint": format!("/ledger/{}/checkpoint", l.name),
            "tiles": format!("/ledger/{}/tile/", l.name),
        }));
    }
    json_response(StatusCode::OK, NO_CACHE, json!({ "logs": logs }))
}

/// An aid event as JSON (amounts in rupiah, hashes in hex).
pub fn event_json(e: &AidEvent) -> Value {
    let mut v = json!({
        "kind": e.kind().name(),
        "id": e.id,
        "time": e.time,
        "program": e.program,
        "cycle": e.cycle,
        "region": e.region,
        "parent": e.parent.map(|p| json!({"index": p.index, "leaf_hash": p.leaf_hash.to_hex()})),
    });
    let fields = match &e.body {
        EventBody::Budget { amount, document } => json!({"amount": amount, "document": document}),
        EventBody::BeneficiaryList {
            list_hash,
            count,
            amount,
        } => json!({"list_hash": list_hash.to_hex(), "count": count, "amount": amount}),
        EventBody::Envelope {
            count,
            amount,
            envelope_hash,
        } => json!({"envelope_hash": envelope_hash.to_hex(), "count": count, "amount": amount}),
        EventBody::Entitlement {
            beneficiary,
            amount,
        } => json!({"beneficiary_commitment": beneficiary.to_hex(), "amount": amount}),
        EventBody::PaymentInstruction {
            amount,
            channel,
            reference,
        } => json!({"amount": amount, "channel": format!("{channel:?}"), "reference": reference}),
        EventBody::PaymentResult {
            status,
            amount,
            reference,
        } => json!({"status": format!("{status:?}"), "amount": amount, "reference": reference}),
        EventBody::HandOver {
            amount,
            channel,
            evidence,
        } => {
            json!({"amount": amount, "channel": format!("{channel:?}"), "evidence_hash": evidence.to_hex()})
        }
        EventBody::Reversal { amount, reason } => json!({"amount": amount, "reason": reason}),
        EventBody::AuditAnchor { entries, head } => {
            json!({"audit_entries": entries, "audit_head": head.to_hex()})
        }
    };
    if let (Value::Object(m), Value::Object(f)) = (&mut v, fields) {
        m.extend(f);
    }
    v
}

fn parse_index(s: &str) -> Option<u64> {
    tepat_ledger::checkpoint::parse_decimal(s)
}

/// `GET /ledger/<log>/entry/<index>`.
pub(super) async fn entry(
    State(state): State<AppState>,
    Path((log, index)): Path<(String, String)>,
) -> Response {
    let ledger = match find(&state, &log) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some(index) = parse_index(&index) else {
        return bad_request("the index must be a whole number without leading zeros");
    };
    let result = blocking(move || -> std::io::Result<Option<(Vec<u8>, u64)>> {
        let size = ledger.published()?.map_or(0, |(_, cp)| cp.size);
        if index >= size {
            return Ok(None);
        }
        let bundle = read_bundle(&ledger.storage, index / TILE_WIDTH, size)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(bundle
            .get((index % TILE_WIDTH) as usize)
            .cloned()
            .map(|e| (e, size)))
    })
    .await;
    match result {
        Ok(Ok(Some((bytes, size)))) => {
            let (event, error) = match AidEvent::decode(&bytes) {
                Ok(e) => (event_json(&e), Value::Null),
                Err(e) => (Value::Null, Value::String(e.to_string())),
            };
            json_response(
                StatusCode::OK,
                "public, max-age=3600",
                json!({
                    "index": index,
                    "tree_size": size,
                    "leaf_hash": leaf_hash(&bytes).to_hex(),
                    "raw": base64::engine::general_purpose::STANDARD.encode(&bytes),
                    "event": event,
                    "decode_error": error,
                }),
            )
        }
        Ok(Ok(None)) => not_found("no entry with this index in the published tree"),
        Ok(Err(e)) => server_error("cannot read an entry", e),
        Err(r) => r,
    }
}

/// `GET /ledger/<log>/proof/inclusion?leaf_hash=<hex>&size=<n>` (size: default the published size).
pub(super) async fn inclusion(
    State(state): State<AppState>,
    Path(log): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let ledger = match find(&state, &log) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some(leaf) = q.get("leaf_hash").and_then(|h| Hash::from_hex(h)) else {
        return bad_request("leaf_hash must be 64 hex digits: SHA-256(0x00 || entry)");
    };
    let size = match q.get("size").map(|s| parse_index(s)) {
        None => None,
        Some(Some(n)) => Some(n),
        Some(None) => return bad_request("size must be a whole number"),
    };
    let result = blocking(
        move || -> std::io::Result<Result<Value, (StatusCode, String)>> {
            let published = ledger.published()?.map_or(0, |(_, cp)| cp.size);
            let size = size.unwrap_or(published);
            if size > published {
                return Ok(Err((
                    StatusCode::BAD_REQUEST,
                    format!("size {size} is larger than the published tree ({published})"),
                )));
            }
            let Some(index) = ledger.find_leaf(&leaf, size)? else {
                return Ok(Err((
                    StatusCode::NOT_FOUND,
                    format!("no entry with this leaf hash in the first {size} entries"),
                )));
            };
            let any = AnySize(&ledger.storage);
            let reader = TileReader::with_cache(&any, size, ledger.cache());
            let proof = merkle::inclusion_proof(&reader, index, size)
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            Ok(Ok(json!({
                "index": index,
                "tree_size": size,
                "leaf_hash": leaf.to_hex(),
                "inclusion_path": proof.iter().map(Hash::to_base64).collect::<Vec<_>>(),
            })))
        },
    )
    .await;
    match result {
        Ok(Ok(Ok(v))) => json_response(StatusCode::OK, "public, max-age=3600", v),
        Ok(Ok(Err((status, why)))) => json_response(status, "no-cache", json!({ "error": why })),
        Ok(Err(e)) => server_error("cannot build the inclusion proof", e),
        Err(r) => r,
    }
}

/// `GET /ledger/<log>/proof/consistency?from=<m>&to=<n>` (to: default the published size).
pub(super) async fn consistency(
    State(state): State<AppState>,
    Path(log): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let ledger = match find(&state, &log) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some(from) = q.get("from").and_then(|s| parse_index(s)) else {
        return bad_request("from must be a whole number");
    };
    let to = match q.get("to").map(|s| parse_index(s)) {
        None => None,
        Some(Some(n)) => Some(n),
        Some(None) => return bad_request("to must be a whole number"),
    };
    let result = blocking(move || -> std::io::Result<Result<Value, String>> {
        let published = ledger.published()?.map_or(0, |(_, cp)| cp.size);
        let to = to.unwrap_or(published);
        if to > published {
            return Ok(Err(format!(
                "to = {to} is larger than the published tree ({published})"
            )));
        }
        if from == 0 || from > to {
            return Ok(Err(format!(
                "need 0 < from <= to, got from = {from}, to = {to}"
            )));
        }
        let any = AnySize(&ledger.storage);
        let reader = TileReader::with_cache(&any, to, ledger.cache());
        let proof = merkle::consistency_proof(&reader, from, to)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(Ok(json!({
            "from": from,
            "to": to,
            "consistency_path": proof.iter().map(Hash::to_base64).collect::<Vec<_>>(),
        })))
    })
    .await;
    match result {
        Ok(Ok(Ok(v))) => json_response(StatusCode::OK, "public, max-age=3600", v),
        Ok(Ok(Err(why))) => bad_request(why),
        Ok(Err(e)) => server_error("cannot build the consistency proof", e),
        Err(r) => r,
    }
}

/// `GET /ledger/<log>/receipt/<index>`: the receipt (C2SP tlog-proof) against the published checkpoint.
pub(super) async fn receipt(
    State(state): State<AppState>,
    Path((log, index)): Path<(String, String)>,
) -> Response {
    let ledger = match find(&state, &log) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some(index) = parse_index(&index) else {
        return bad_request("the index must be a whole number without leading zeros");
    };
    let result = blocking(move || -> std::io::Result<Option<Vec<u8>>> {
        let Some((note, cp)) = ledger.published()? else {
            return Ok(None);
        };
        if index >= cp.size {
            return Ok(None);
        }
        let r = Receipt::build(&ledger.storage, index, &note)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(Some(r.encode()))
    })
    .await;
    match result {
        Ok(Ok(Some(body))) => (
            StatusCode::OK,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE)),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_str(&format!(
                        "inline; filename=\"tepat-{log}-{index}.tlog-proof\""
                    ))
                    .unwrap_or(HeaderValue::from_static("inline")),
                ),
            ],
            body,
        )
            .into_response(),
        Ok(Ok(None)) => not_found("no entry with this index in the published tree"),
        Ok(Err(e)) => server_error("cannot build the receipt", e),
        Err(r) => r,
    }
}

#[cfg(test)]
mod tests {
    use super::event_json;

    #[test]
    fn audit_anchors_render_their_count_and_head_without_an_amount() {
        let head = tepat_ledger::hash::sha256(b"head");
        let ev = tepat_ledger::entry::audit_anchor(1_795_392_000, "19.02", 42, head);
        let v = event_json(&ev);
        assert_eq!(v["kind"], "audit-anchor");
        assert_eq!(v["program"], "AUDIT");
        assert_eq!(v["cycle"], "2026-11-23");
        assert_eq!(v["region"], "19.02");
        assert_eq!(v["audit_entries"], 42);
        assert_eq!(v["audit_head"], head.to_hex());
        assert!(v["parent"].is_null());
        assert!(v.get("amount").is_none());
    }
}
