//! Reading what banks send back: pain.002 status reports (.03 and .10) and camt.053 statements and
//! camt.054 notifications (.02 and .08), recognised by the root's namespace, into one line per
//! transaction. A file that is malformed, foreign or not in whole rupiah is refused whole, naming the
//! line, so nothing of a bad file is applied.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use tepat_domain::distribution::PaymentState;
use tepat_domain::Rupiah;
use thiserror::Error;

use super::text::{parse_amount, AmountProblem, MAX_ID};
use super::xml::{clip, Name, Pull, Step};

/// Which status message a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusKind {
    /// pain.002 CustomerPaymentStatusReport.
    Pain002,
    /// camt.053 BankToCustomerStatement (end of day, booked).
    Camt053,
    /// camt.054 BankToCustomerDebitCreditNotification (the details of batch-booked entries).
    Camt054,
}

impl StatusKind {
    /// The code stored with an import (`status_import.kind`).
    pub fn code(self) -> &'static str {
        match self {
            StatusKind::Pain002 => "pain.002",
            StatusKind::Camt053 => "camt.053",
            StatusKind::Camt054 => "camt.054",
        }
    }
}

/// What a status line says happened to one payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// The bank has the instruction (`RCVD`, `ACTC`).
    Received,
    /// Accepted, not yet booked (`ACCP`, `ACSP`, `ACWC`, `PDNG`; a pending camt entry).
    Accepted,
    /// Booked (`ACSC`, `ACCC`; a booked debit in a statement).
    Settled,
    /// Rejected or cancelled (`RJCT`, `CANC`).
    Rejected,
    /// Credited back to the office's account after settling (camt return or reversal).
    Returned,
}

impl Outcome {
    /// The payment state this outcome moves a payment to (subject to
    /// [`PaymentState::may_become`]).
    pub fn payment_state(self) -> PaymentState {
        match self {
            Outcome::Received => PaymentState::Sent,
            Outcome::Accepted => PaymentState::Accepted,
            Outcome::Settled => PaymentState::Settled,
            Outcome::Rejected => PaymentState::Rejected,
            Outcome::Returned => PaymentState::Returned,
        }
    }

    /// The pain.002 status code's outcome; `PART` (some accepted, some not) has none: the transactions
    /// carry their own.
    fn of_pain002(code: &str) -> Result<Option<Outcome>, ()> {
        Ok(Some(match code {
            "RCVD" | "ACTC" => Outcome::Received,
            "ACCP" | "ACSP" | "ACWC" | "PDNG" | "ACWP" => Outcome::Accepted,
            "ACSC" | "ACCC" => Outcome::Settled,
            "RJCT" | "CANC" => Outcome::Rejected,
            "PART" => return Ok(None),
            _ => return Err(()),
        }))
    }
}

/// One status file, read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusFile {
    pub kind: StatusKind,
    /// E.g. `pain.002.001.10`.
    pub message_name: String,
    /// The bank's `GrpHdr/MsgId`.
    pub message_id: String,
    /// `GrpHdr/CreDtTm`; a time without offset is taken as Western Indonesian Time (UTC+7).
    pub created: DateTime<Utc>,
    /// pain.002 statuses of a whole file or batch (`GrpSts`, `PmtInfSts`); they apply to the
    /// payments of that file or batch that have no line of their own.
    pub groups: Vec<GroupStatus>,
    pub lines: Vec<StatusLine>,
    /// camt entries that say nothing about a payment of ours (credits that are not returns,
    /// information-only entries).
    pub other_entries: u32,
}

/// A pain.002 status for a whole original message or one of its payment information blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupStatus {
    pub line: u32,
    pub original_msg_id: String,
    /// `None`: the status is for the whole original message.
    pub original_pmt_inf_id: Option<String>,
    pub outcome: Outcome,
    pub reason: Option<String>,
}

/// The status of one transaction (a pain.002 `TxInfAndSts`, a camt `TxDtls`, or a camt entry without
/// details).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    /// Where it starts in the file.
    pub line: u32,
    pub end_to_end_id: Option<String>,
    pub instruction_id: Option<String>,
    pub account_servicer_ref: Option<String>,
    pub remittance: Option<String>,
    pub outcome: Outcome,
    /// The ISO reason code (`AC01`, `AM04`, …) or the bank's proprietary one.
    pub reason: Option<String>,
    pub amount: Option<Rupiah>,
    pub booked: Option<NaiveDate>,
}

/// A status file refused whole.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}: {kind}")]
pub struct ReadError {
    pub line: u32,
    pub kind: ReadErrorKind,
}

/// What is wrong with a status file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReadErrorKind {
    #[error("not a bank status file (pain.002, camt.053 or camt.054): {0}")]
    Foreign(String),
    #[error("the XML is malformed: {0}")]
    Malformed(String),
    #[error("the file ends before the document does: it was cut off")]
    Truncated,
    #[error("<{element}> is missing in <{within}>")]
    Missing {
        element: &'static str,
        within: &'static str,
    },
    #[error("<{element}> is empty")]
    Empty { element: &'static str },
    #[error("amount `{0}` is not a decimal number")]
    BadAmount(String),
    #[error("amount `{0}` has a fraction of a rupiah: tepat pays whole rupiah, so it is not one of its payments")]
    FractionalRupiah(String),
    #[error("amount `{0}` is too large")]
    AmountTooLarge(String),
    #[error("the amount is in `{0}`, not IDR")]
    Currency(String),
    #[error("`{code}` is not a known <{element}> status code")]
    UnknownStatus { element: &'static str, code: String },
    #[error("<CdtDbtInd> `{0}` is neither CRDT nor DBIT")]
    BadIndicator(String),
    #[error("<{element}> `{value}` is not a date")]
    BadDate {
        element: &'static str,
        value: String,
    },
    #[error("<{element}> is longer than {max} characters")]
    TooLong { element: &'static str, max: usize },
    #[error("the entry's amount {entry} is not the sum {sum} of its transactions")]
    EntrySum { entry: Rupiah, sum: Rupiah },
}

/// Reads a pain.002, camt.053 or camt.054 file. See the module documentation.
pub fn read_status_file(bytes: &[u8]) -> Result<StatusFile, ReadError> {
    let mut pull = Pull::open(bytes)?;
    let (kind, message_name, message) =
        classify(&pull.namespace).map_err(|what| pull.error(ReadErrorKind::Foreign(what)))?;
    let mut file = StatusFile {
        kind,
        message_name: message_name.to_string(),
        message_id: String::new(),
        created: DateTime::<Utc>::MIN_UTC,
        groups: Vec::new(),
        lines: Vec::new(),
        other_entries: 0,
    };
    let mut header = Header::default();
    match kind {
        StatusKind::Pain002 => pain002(&mut pull, message, &mut header, &mut file)?,
        StatusKind::Camt053 | StatusKind::Camt054 => {
            camt(&mut pull, message, &mut header, &mut file)?
        }
    }
    let missing = |element| {
        pull.error(ReadErrorKind::Missing {
            element,
            within: "GrpHdr",
        })
    };
    file.message_id = header.msg_id.ok_or_else(|| missing("MsgId"))?;
    file.created = header.created.ok_or_else(|| missing("CreDtTm"))?;
    Ok(file)
}

fn classify(namespace: &str) -> Result<(StatusKind, &'static str, Name), String> {
    const PREFIX: &str = "urn:iso:std:iso:20022:tech:xsd:";
    let Some(message) = namespace.strip_prefix(PREFIX) else {
        return Err(if namespace.is_empty() {
            "its root has no ISO 20022 namespace".into()
        } else {
            format!("its namespace is `{}`", clip(namespace))
        });
    };
    Ok(match message {
        "pain.002.001.03" => (StatusKind::Pain002, "pain.002.001.03", Name::CstmrPmtStsRpt),
        "pain.002.001.10" => (StatusKind::Pain002, "pain.002.001.10", Name::CstmrPmtStsRpt),
        "camt.053.001.02" => (StatusKind::Camt053, "camt.053.001.02", Name::BkToCstmrStmt),
        "camt.053.001.08" => (StatusKind::Camt053, "camt.053.001.08", Name::BkToCstmrStmt),
        "camt.054.001.02" => (
            StatusKind::Camt054,
            "camt.054.001.02",
            Name::BkToCstmrDbtCdtNtfctn,
        ),
        "camt.054.001.08" => (
            StatusKind::Camt054,
            "camt.054.001.08",
            Name::BkToCstmrDbtCdtNtfctn,
        ),
        m if m.starts_with("pain.001") => {
            return Err(format!(
                "it is {}, a payment order we send, not a status file",
                clip(m)
            ))
        }
        m => return Err(format!("{} is not a supported message", clip(m))),
    })
}

#[derive(Default)]
struct Header {
    msg_id: Option<String>,
    created: Option<DateTime<Utc>>,
}

impl Header {
    /// Handles `GrpHdr/MsgId` and `GrpHdr/CreDtTm` of the message; true when the element was one.
    fn end(&mut self, pull: &Pull, message: Name, name: Name) -> Result<bool, ReadError> {
        if !pull.under(&[Name::Document, message, Name::GrpHdr]) {
            return Ok(false);
        }
        match name {
            Name::MsgId => self.msg_id = Some(id(pull, "MsgId")?),
            Name::CreDtTm => self.created = Some(date_time(pull, "CreDtTm")?),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// Checks that the first element is the message element the namespace promises.
fn check_message(pull: &Pull, message: Name, name: Name) -> Result<(), ReadError> {
    if pull.stack.len() == 2 && name != message {
        return Err(pull.error(ReadErrorKind::Foreign(format!(
            "its namespace promises <{}>",
            message.as_str()
        ))));
    }
    Ok(())
}

fn id(pull: &Pull, element: &'static str) -> Result<String, ReadError> {
    text_max(pull, element, MAX_ID)
}

fn text_max(pull: &Pull, element: &'static str, max: usize) -> Result<String, ReadError> {
    let t = pull.text();
    if t.is_empty() {
        return Err(pull.error(ReadErrorKind::Empty { element }));
    }
    if t.chars().count() > max {
        return Err(pull.error(ReadErrorKind::TooLong { element, max }));
    }
    Ok(t.to_string())
}

fn date_time(pull: &Pull, element: &'static str) -> Result<DateTime<Utc>, ReadError> {
    let t = pull.text();
    let bad = || {
        pull.error(ReadErrorKind::BadDate {
            element,
            value: clip(t),
        })
    };
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f").map_err(|_| bad())?;
    let wib = FixedOffset::east_opt(7 * 3600).expect("valid offset");
    Ok(naive
        .and_local_timezone(wib)
        .single()
        .ok_or_else(bad)?
        .with_timezone(&Utc))
}

fn date(pull: &Pull, element: &'static str) -> Result<NaiveDate, ReadError> {
    let t = pull.text();
    let day = t.get(..10).unwrap_or(t);
    NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
        pull.error(ReadErrorKind::BadDate {
            element,
            value: clip(t),
        })
    })
}

fn amount(pull: &Pull) -> Result<Rupiah, ReadError> {
    match pull.ccy.as_deref() {
        Some("IDR") => {}
        Some(other) => return Err(pull.error(ReadErrorKind::Currency(clip(other)))),
        None => return Err(pull.error(ReadErrorKind::Currency("(none given)".into()))),
    }
    let t = pull.text();
    parse_amount(t).map_err(|p| {
        pull.error(match p {
            AmountProblem::Malformed => ReadErrorKind::BadAmount(clip(t)),
            AmountProblem::Fractional => ReadErrorKind::FractionalRupiah(clip(t)),
            AmountProblem::TooLarge => ReadErrorKind::AmountTooLarge(clip(t)),
        })
    })
}

/// A reason code (`StsRsnInf/Rsn/Cd`, `RtrInf/Rsn/Cd`, or `Prtry`).
fn reason(pull: &Pull) -> Result<String, ReadError> {
    text_max(pull, "Rsn", MAX_ID)
}

/// An end-to-end id; `NOTPROVIDED` (what banks write when the debtor gave none) counts as none.
fn end_to_end(pull: &Pull, element: &'static str) -> Result<Option<String>, ReadError> {
    let id = id(pull, element)?;
    Ok((id != "NOTPROVIDED").then_some(id))
}

#[derive(Default)]
struct Block {
    line: u32,
    pmt_inf_id: Option<String>,
    status: Option<Option<Outcome>>,
    reason: Option<String>,
}

struct Tx {
    line: u32,
    status: Option<Option<Outcome>>,
    reason: Option<String>,
    status_line: StatusLine,
}

fn empty_line(line: u32) -> StatusLine {
    StatusLine {
        line,
        end_to_end_id: None,
        instruction_id: None,
        account_servicer_ref: None,
        remittance: None,
        outcome: Outcome::Received,
        reason: None,
        amount: None,
        booked: None,
    }
}

fn pain002_status(pull: &Pull, element: &'static str) -> Result<Option<Outcome>, ReadError> {
    Outcome::of_pain002(pull.text()).map_err(|()| {
        pull.error(ReadErrorKind::UnknownStatus {
            element,
            code: clip(pull.text()),
        })
    })
}

fn pain002(
    pull: &mut Pull,
    message: Name,
    header: &mut Header,
    file: &mut StatusFile,
) -> Result<(), ReadError> {
    use Name as N;
    let mut group = Block::default();
    let mut group_msg_id: Option<String> = None;
    let mut block: Option<Block> = None;
    let mut tx: Option<Tx> = None;
    while let Some(step) = pull.next()? {
        match step {
            Step::Start(name) => {
                check_message(pull, message, name)?;
                match name {
                    N::OrgnlGrpInfAndSts => group.line = pull.line(),
                    N::OrgnlPmtInfAndSts => {
                        block = Some(Block {
                            line: pull.line(),
                            ..Block::default()
                        })
                    }
                    N::TxInfAndSts => {
                        tx = Some(Tx {
                            line: pull.line(),
                            status: None,
                            reason: None,
                            status_line: empty_line(pull.line()),
                        })
                    }
                    _ => {}
                }
            }
            Step::End(name) => {
                if header.end(pull, message, name)? {
                    continue;
                }
                if let Some(t) = tx.as_mut() {
                    if name == N::TxInfAndSts {
                        let t = tx.take().expect("open");
                        let status = t
                            .status
                            .or(block.as_ref().and_then(|b| b.status))
                            .or(group.status);
                        let Some(Some(outcome)) = status else {
                            return Err(ReadError {
                                line: t.line,
                                kind: ReadErrorKind::Missing {
                                    element: "TxSts",
                                    within: "TxInfAndSts",
                                },
                            });
                        };
                        let mut line = t.status_line;
                        line.outcome = outcome;
                        // A reason goes with the status it explains: a batch's reason only for a
                        // transaction that takes the batch's status.
                        line.reason = if t.status.is_some() {
                            t.reason
                        } else if block.as_ref().is_some_and(|b| b.status.is_some()) {
                            block.as_ref().and_then(|b| b.reason.clone())
                        } else {
                            group.reason.clone()
                        };
                        file.lines.push(line);
                        continue;
                    }
                    let l = &mut t.status_line;
                    match name {
                        N::OrgnlEndToEndId => {
                            l.end_to_end_id = end_to_end(pull, "OrgnlEndToEndId")?
                        }
                        N::OrgnlInstrId => l.instruction_id = Some(id(pull, "OrgnlInstrId")?),
                        N::TxSts if pull.ancestor(0) == N::TxInfAndSts => {
                            t.status = Some(pain002_status(pull, "TxSts")?)
                        }
                        N::Cd | N::Prtry if pull.under(&[N::StsRsnInf, N::Rsn]) => {
                            t.reason.get_or_insert(reason(pull)?);
                        }
                        N::AcctSvcrRef if pull.ancestor(0) == N::TxInfAndSts => {
                            l.account_servicer_ref = Some(id(pull, "AcctSvcrRef")?)
                        }
                        N::InstdAmt if pull.under(&[N::OrgnlTxRef, N::Amt]) => {
                            l.amount = Some(amount(pull)?)
                        }
                        N::Ustrd if pull.under(&[N::OrgnlTxRef, N::RmtInf]) => {
                            l.remittance.get_or_insert(text_max(pull, "Ustrd", 140)?);
                        }
                        _ => {}
                    }
                    continue;
                }
                if let Some(b) = block.as_mut() {
                    match name {
                        N::OrgnlPmtInfAndSts => {
                            let b = block.take().expect("open");
                            if let Some(Some(outcome)) = b.status {
                                file.groups.push(GroupStatus {
                                    line: b.line,
                                    original_msg_id: group_msg_id.clone().ok_or(ReadError {
                                        line: group.line,
                                        kind: ReadErrorKind::Missing {
                                            element: "OrgnlMsgId",
                                            within: "OrgnlGrpInfAndSts",
                                        },
                                    })?,
                                    original_pmt_inf_id: b.pmt_inf_id,
                                    outcome,
                                    reason: b.reason,
                                });
                            }
                        }
                        N::OrgnlPmtInfId => b.pmt_inf_id = Some(id(pull, "OrgnlPmtInfId")?),
                        N::PmtInfSts => b.status = Some(pain002_status(pull, "PmtInfSts")?),
                        N::Cd | N::Prtry
                            if pull.under(&[N::OrgnlPmtInfAndSts, N::StsRsnInf, N::Rsn]) =>
                        {
                            b.reason.get_or_insert(reason(pull)?);
                        }
                        _ => {}
                    }
                    continue;
                }
                if pull.under(&[N::Document, message, N::OrgnlGrpInfAndSts])
                    || name == N::OrgnlGrpInfAndSts
                {
                    match name {
                        N::OrgnlGrpInfAndSts => {
                            let msg_id =
                                group_msg_id
                                    .clone()
                                    .ok_or(pull.error(ReadErrorKind::Missing {
                                        element: "OrgnlMsgId",
                                        within: "OrgnlGrpInfAndSts",
                                    }))?;
                            if let Some(Some(outcome)) = group.status {
                                file.groups.push(GroupStatus {
                                    line: group.line,
                                    original_msg_id: msg_id,
                                    original_pmt_inf_id: None,
                                    outcome,
                                    reason: group.reason.clone(),
                                });
                            }
                        }
                        N::OrgnlMsgId => group_msg_id = Some(id(pull, "OrgnlMsgId")?),
                        N::GrpSts => group.status = Some(pain002_status(pull, "GrpSts")?),
                        _ => {}
                    }
                } else if matches!(name, N::Cd | N::Prtry)
                    && pull.under(&[N::OrgnlGrpInfAndSts, N::StsRsnInf, N::Rsn])
                {
                    group.reason.get_or_insert(reason(pull)?);
                }
            }
        }
    }
    if group_msg_id.is_none() {
        return Err(pull.error(ReadErrorKind::Missing {
            element: "OrgnlGrpInfAndSts",
            within: "CstmrPmtStsRpt",
        }));
    }
    Ok(())
}

/// A camt entry (`Ntry`) being read.
#[derive(Default)]
struct Entry {
    line: u32,
    amount: Option<Rupiah>,
    credit: Option<bool>,
    reversal: bool,
    status: Option<String>,
    booked: Option<NaiveDate>,
    account_servicer_ref: Option<String>,
    return_code: bool,
    details: Vec<Detail>,
}

struct Detail {
    line: StatusLine,
    returned: bool,
    credit: Option<bool>,
}

/// Bank transaction sub-families that mean a credit transfer came back (ISO external code list).
fn is_return_code(code: &str) -> bool {
    matches!(code, "RRTN" | "RPCR" | "ARET")
}

fn camt(
    pull: &mut Pull,
    message: Name,
    header: &mut Header,
    file: &mut StatusFile,
) -> Result<(), ReadError> {
    use Name as N;
    let mut entry: Option<Entry> = None;
    while let Some(step) = pull.next()? {
        match step {
            Step::Start(name) => {
                check_message(pull, message, name)?;
                match name {
                    N::Ntry => {
                        entry = Some(Entry {
                            line: pull.line(),
                            ..Entry::default()
                        })
                    }
                    N::TxDtls => {
                        if let Some(e) = entry.as_mut() {
                            e.details.push(Detail {
                                line: empty_line(pull.line()),
                                returned: false,
                                credit: None,
                            })
                        }
                    }
                    _ => {}
                }
            }
            Step::End(name) => {
                if header.end(pull, message, name)? {
                    continue;
                }
                let Some(e) = entry.as_mut() else { continue };
                if name == N::Ntry {
                    let e = entry.take().expect("open");
                    finish_entry(e, file)?;
                    continue;
                }
                let in_detail = pull.stack.contains(&N::TxDtls);
                if in_detail {
                    let d = e.details.last_mut().expect("opened with TxDtls");
                    let l = &mut d.line;
                    match name {
                        N::EndToEndId if pull.ancestor(0) == N::Refs => {
                            l.end_to_end_id = end_to_end(pull, "EndToEndId")?
                        }
                        N::InstrId if pull.ancestor(0) == N::Refs => {
                            l.instruction_id = Some(id(pull, "InstrId")?)
                        }
                        N::AcctSvcrRef if pull.ancestor(0) == N::Refs => {
                            l.account_servicer_ref = Some(id(pull, "AcctSvcrRef")?)
                        }
                        N::Amt
                            if pull.ancestor(0) == N::TxDtls
                                || pull.under(&[N::AmtDtls, N::TxAmt])
                                || (pull.under(&[N::AmtDtls, N::InstdAmt])
                                    && l.amount.is_none()) =>
                        {
                            l.amount = Some(amount(pull)?)
                        }
                        N::CdtDbtInd if pull.ancestor(0) == N::TxDtls => {
                            d.credit = Some(indicator(pull)?)
                        }
                        N::Ustrd if pull.ancestor(0) == N::RmtInf => {
                            l.remittance.get_or_insert(text_max(pull, "Ustrd", 140)?);
                        }
                        N::RtrInf => d.returned = true,
                        N::Cd | N::Prtry if pull.under(&[N::RtrInf, N::Rsn]) => {
                            l.reason.get_or_insert(reason(pull)?);
                        }
                        N::SubFmlyCd if pull.under(&[N::BkTxCd, N::Domn, N::Fmly]) => {
                            d.returned |= is_return_code(pull.text())
                        }
                        _ => {}
                    }
                    continue;
                }
                match name {
                    N::Amt if pull.ancestor(0) == N::Ntry => e.amount = Some(amount(pull)?),
                    N::CdtDbtInd if pull.ancestor(0) == N::Ntry => {
                        e.credit = Some(indicator(pull)?)
                    }
                    N::RvslInd if pull.ancestor(0) == N::Ntry => e.reversal = pull.text() == "true",
                    N::Sts if pull.ancestor(0) == N::Ntry && !pull.text().is_empty() => {
                        e.status = Some(pull.text().to_string())
                    }
                    N::Cd if pull.under(&[N::Ntry, N::Sts]) => {
                        e.status = Some(pull.text().to_string())
                    }
                    N::Dt | N::DtTm if pull.under(&[N::Ntry, N::BookgDt]) => {
                        e.booked = Some(date(pull, "BookgDt")?)
                    }
                    N::AcctSvcrRef if pull.ancestor(0) == N::Ntry => {
                        e.account_servicer_ref = Some(id(pull, "AcctSvcrRef")?)
                    }
                    N::SubFmlyCd if pull.under(&[N::Ntry, N::BkTxCd, N::Domn, N::Fmly]) => {
                        e.return_code |= is_return_code(pull.text())
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

fn indicator(pull: &Pull) -> Result<bool, ReadError> {
    match pull.text() {
        "CRDT" => Ok(true),
        "DBIT" => Ok(false),
        other => Err(pull.error(ReadErrorKind::BadIndicator(clip(other)))),
    }
}

/// One line per transaction of a finished entry: a booked or pending debit is our payment going out,
/// a credit marked as a return (or a reversal) is one coming back.
fn finish_entry(e: Entry, file: &mut StatusFile) -> Result<(), ReadError> {
    let missing = |element| ReadError {
        line: e.line,
        kind: ReadErrorKind::Missing {
            element,
            within: "Ntry",
        },
    };
    let entry_amount = e.amount.ok_or_else(|| missing("Amt"))?;
    let credit = e.credit.ok_or_else(|| missing("CdtDbtInd"))?;
    let status = e.status.clone().ok_or_else(|| missing("Sts"))?;
    let booked = match status.as_str() {
        "BOOK" => true,
        "PDNG" => false,
        "INFO" | "FUTR" => {
            file.other_entries += 1;
            return Ok(());
        }
        other => {
            return Err(ReadError {
                line: e.line,
                kind: ReadErrorKind::UnknownStatus {
                    element: "Sts",
                    code: clip(other),
                },
            })
        }
    };
    let amounts: Vec<Rupiah> = e.details.iter().filter_map(|d| d.line.amount).collect();
    if !e.details.is_empty() && amounts.len() == e.details.len() {
        let sum = Rupiah::checked_sum(amounts).map_err(|_| ReadError {
            line: e.line,
            kind: ReadErrorKind::AmountTooLarge("sum of the entry".into()),
        })?;
        if sum != entry_amount {
            return Err(ReadError {
                line: e.line,
                kind: ReadErrorKind::EntrySum {
                    entry: entry_amount,
                    sum,
                },
            });
        }
    }
    let mut details = e.details;
    if details.is_empty() {
        details.push(Detail {
            line: empty_line(e.line),
            returned: false,
            credit: None,
        });
    }
    let single = details.len() == 1;
    let before = file.lines.len();
    for d in details {
        let credit = d.credit.unwrap_or(credit);
        let returned = d.returned || e.return_code || e.reversal;
        let outcome = match (credit, returned, booked) {
            (false, false, true) => Outcome::Settled,
            (false, false, false) => Outcome::Accepted,
            (true, true, true) => Outcome::Returned,
            _ => continue,
        };
        let mut line = d.line;
        line.outcome = outcome;
        line.booked = e.booked;
        if line.amount.is_none() && single {
            line.amount = Some(entry_amount);
        }
        if line.account_servicer_ref.is_none() {
            line.account_servicer_ref = e.account_servicer_ref.clone();
        }
        file.lines.push(line);
    }
    if file.lines.len() == before {
        file.other_entries += 1;
    }
    Ok(())
}

/// A pain.001 as a bank sees it: what the bank simulator answers and what tests check control totals
/// against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentOrder {
    /// E.g. `pain.001.001.09`.
    pub message_name: String,
    pub msg_id: String,
    pub payment_info_id: String,
    pub requested_date: NaiveDate,
    /// The debtor's account: the account a statement is about.
    pub debtor_account: String,
    /// Whether amounts were written with decimals.
    pub decimals: bool,
    /// `NbOfTxs` and `CtrlSum` of the group header and of the payment information block.
    pub group_totals: (u64, Rupiah),
    pub block_totals: (u64, Rupiah),
    pub transfers: Vec<OrderedTransfer>,
}

/// One credit transfer of a [`PaymentOrder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderedTransfer {
    pub end_to_end_id: String,
    pub instruction_id: Option<String>,
    pub amount: Rupiah,
    pub remittance: Option<String>,
}

fn plain_amount(pull: &Pull) -> Result<Rupiah, ReadError> {
    let t = pull.text();
    parse_amount(t).map_err(|p| {
        pull.error(match p {
            AmountProblem::Malformed => ReadErrorKind::BadAmount(clip(t)),
            AmountProblem::Fractional => ReadErrorKind::FractionalRupiah(clip(t)),
            AmountProblem::TooLarge => ReadErrorKind::AmountTooLarge(clip(t)),
        })
    })
}

fn count(pull: &Pull) -> Result<u64, ReadError> {
    pull.text()
        .parse()
        .map_err(|_| pull.error(ReadErrorKind::BadAmount(clip(pull.text()))))
}

/// Reads a pain.001 (.03 or .09) with one payment information block, as written by
/// [`write_pain001`](super::write_pain001). Control totals are returned as written, not checked.
pub fn read_pain001(bytes: &[u8]) -> Result<PaymentOrder, ReadError> {
    use Name as N;
    let mut pull = Pull::open(bytes)?;
    let message_name = match pull
        .namespace
        .strip_prefix("urn:iso:std:iso:20022:tech:xsd:")
    {
        Some(m @ ("pain.001.001.03" | "pain.001.001.09")) => m.to_string(),
        _ => {
            return Err(pull.error(ReadErrorKind::Foreign(
                "not a pain.001.001.03 or .09 payment order".into(),
            )))
        }
    };
    let mut order = PaymentOrder {
        message_name,
        msg_id: String::new(),
        payment_info_id: String::new(),
        requested_date: NaiveDate::MIN,
        debtor_account: String::new(),
        decimals: false,
        group_totals: (0, Rupiah::ZERO),
        block_totals: (0, Rupiah::ZERO),
        transfers: Vec::new(),
    };
    while let Some(step) = pull.next()? {
        match step {
            Step::Start(N::CdtTrfTxInf) => order.transfers.push(OrderedTransfer {
                end_to_end_id: String::new(),
                instruction_id: None,
                amount: Rupiah::ZERO,
                remittance: None,
            }),
            Step::Start(_) => {}
            Step::End(name) => {
                let parent = pull.ancestor(0);
                match (parent, name) {
                    (N::GrpHdr, N::MsgId) => order.msg_id = id(&pull, "MsgId")?,
                    (N::GrpHdr, N::NbOfTxs) => order.group_totals.0 = count(&pull)?,
                    (N::GrpHdr, N::CtrlSum) => {
                        order.decimals = pull.text().contains('.');
                        order.group_totals.1 = plain_amount(&pull)?
                    }
                    (N::PmtInf, N::PmtInfId) => order.payment_info_id = id(&pull, "PmtInfId")?,
                    (N::PmtInf, N::NbOfTxs) => order.block_totals.0 = count(&pull)?,
                    (N::PmtInf, N::CtrlSum) => order.block_totals.1 = plain_amount(&pull)?,
                    (N::PmtInf | N::ReqdExctnDt, N::ReqdExctnDt | N::Dt)
                        if !pull.text().is_empty() =>
                    {
                        order.requested_date = date(&pull, "ReqdExctnDt")?
                    }
                    (N::PmtId, N::EndToEndId) => {
                        if let Some(t) = order.transfers.last_mut() {
                            t.end_to_end_id = id(&pull, "EndToEndId")?
                        }
                    }
                    (N::PmtId, N::InstrId) => {
                        if let Some(t) = order.transfers.last_mut() {
                            t.instruction_id = Some(id(&pull, "InstrId")?)
                        }
                    }
                    (N::Amt, N::InstdAmt) => {
                        if let Some(t) = order.transfers.last_mut() {
                            t.amount = amount(&pull)?
                        }
                    }
                    (N::Othr, N::Id) if pull.under(&[N::DbtrAcct, N::Id, N::Othr]) => {
                        order.debtor_account = text_max(&pull, "Id", 34)?
                    }
                    (N::RmtInf, N::Ustrd) => {
                        if let Some(t) = order.transfers.last_mut() {
                            t.remittance = Some(text_max(&pull, "Ustrd", 140)?)
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(order)
}
