//! `/ledger/receipt`: paste a receipt (C2SP tlog-proof text) and have it verified against this log's
//! policy (log key, witness keys, quorum), with the result in the visitor's language.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use tepat_ledger::Receipt;

use crate::state::AppState;
use crate::ui::format::count;
use crate::ui::layout::{render, Layout};

#[derive(Template)]
#[template(path = "ledger_receipt.html")]
struct ReceiptPage<'a> {
    page: &'a Layout,
    has_ledger: bool,
    synthetic: bool,
    pasted: String,
    result: Option<Outcome>,
}

struct Outcome {
    ok: Option<Verified>,
    error: String,
}

struct Verified {
    kind: &'static str,
    program: String,
    cycle: String,
    region: String,
    amount: String,
    index: String,
    tree_size: String,
    origin: String,
    witnesses: String,
}

#[derive(Deserialize)]
pub(crate) struct Pasted {
    receipt: String,
}

fn page_for(state: &AppState, page: &Layout, pasted: String, result: Option<Outcome>) -> Response {
    let ledger = state.ledger();
    render(
        StatusCode::OK,
        page.lang,
        &ReceiptPage {
            page,
            has_ledger: ledger.is_some(),
            synthetic: ledger.is_some_and(|l| l.synthetic),
            pasted,
            result,
        },
    )
}

/// `GET /ledger/receipt`.
pub(crate) async fn form(State(state): State<AppState>, page: Layout) -> Response {
    page_for(&state, &page, String::new(), None)
}

/// `POST /ledger/receipt` (form field `receipt`).
pub(crate) async fn verify(
    State(state): State<AppState>,
    page: Layout,
    Form(pasted): Form<Pasted>,
) -> Response {
    // Browsers send textarea lines with CRLF; the receipt format uses LF.
    let text = pasted.receipt.replace("\r\n", "\n");
    let text = if text.ends_with('\n') {
        text
    } else {
        format!("{text}\n")
    };
    let outcome = match state.ledger() {
        None => Outcome {
            ok: None,
            error: page.t.receipt_no_log.to_owned(),
        },
        Some(ledger) => match Receipt::decode(text.trim_start().as_bytes())
            .and_then(|r| r.verify(&ledger.policy))
        {
            Ok(v) => Outcome {
                ok: Some(Verified {
                    kind: v.event.kind().name(),
                    program: v.event.program.clone(),
                    cycle: v.event.cycle.clone(),
                    region: v.event.region.clone(),
                    amount: count(v.event.amount() as i64, page.lang),
                    index: count(v.index as i64, page.lang),
                    tree_size: count(v.checkpoint.size as i64, page.lang),
                    origin: v.checkpoint.origin.clone(),
                    witnesses: v
                        .cosignatures
                        .iter()
                        .map(|c| c.witness.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                }),
                error: String::new(),
            },
            Err(e) => Outcome {
                ok: None,
                error: e.to_string(),
            },
        },
    };
    page_for(&state, &page, pasted.receipt, Some(outcome))
}
