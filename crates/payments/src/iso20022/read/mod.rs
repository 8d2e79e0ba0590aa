//! Reading what banks send back: pain.002 status reports (.03 and .10) and camt.053 statements and
//! camt.054 notifications (.02 and .08), recognised by the root's namespace, into one line per
//! transaction. A file that is malformed, foreign or not in whole rupiah is refused whole, naming the
//! line, so nothing of a bad file is applied.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use tepat_domain::distribution::PaymentState;
use tepat_domain::{Lang, Localized, Rupiah};
use thiserror::Error;

use super::text::{parse_amount, AmountProblem, MAX_ID};
use super::xml::{clip, Name, Pull};

mod camt;
mod order;
mod pain002;

pub use order::{read_pain001, OrderedTransfer, PaymentOrder};

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
    pub(super) fn of_pain002(code: &str) -> Result<Option<Outcome>, ()> {
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

/// Shown when an officer uploads a status file in the web app.
impl Localized for ReadError {
    fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Id => format!("baris {}: {}", self.line, self.kind.message(Lang::Id)),
        }
    }
}

impl Localized for ReadErrorKind {
    fn message(&self, lang: Lang) -> String {
        use ReadErrorKind as K;
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            K::Foreign(_) => "bukan berkas status bank (pain.002, camt.053 atau camt.054)".into(),
            K::Malformed(why) => format!("XML tidak sah: {why}"),
            K::Truncated => "berkas berakhir sebelum dokumennya selesai: berkas terpotong".into(),
            K::Missing { element, within } => format!("<{element}> tidak ada di dalam <{within}>"),
            K::Empty { element } => format!("<{element}> kosong"),
            K::BadAmount(a) => format!("jumlah `{a}` bukan angka desimal"),
            K::FractionalRupiah(a) => format!(
                "jumlah `{a}` memuat pecahan rupiah: tepat hanya membayar rupiah bulat, jadi ini bukan \
                 pembayarannya"
            ),
            K::AmountTooLarge(a) => format!("jumlah `{a}` terlalu besar"),
            K::Currency(c) => format!("mata uangnya `{c}`, bukan IDR"),
            K::UnknownStatus { element, code } => {
                format!("`{code}` bukan kode status <{element}> yang dikenal")
            }
            K::BadIndicator(v) => format!("<CdtDbtInd> `{v}` bukan CRDT atau DBIT"),
            K::BadDate { element, value } => format!("<{element}> `{value}` bukan tanggal"),
            K::TooLong { element, max } => format!("<{element}> lebih dari {max} karakter"),
            K::EntrySum { entry, sum } => {
                format!("jumlah entri {entry} tidak sama dengan total transaksinya {sum}")
            }
        }
    }
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
        StatusKind::Pain002 => pain002::read(&mut pull, message, &mut header, &mut file)?,
        StatusKind::Camt053 | StatusKind::Camt054 => {
            camt::read(&mut pull, message, &mut header, &mut file)?
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
pub(super) struct Header {
    msg_id: Option<String>,
    created: Option<DateTime<Utc>>,
}

impl Header {
    /// Handles `GrpHdr/MsgId` and `GrpHdr/CreDtTm` of the message; true when the element was one.
    pub(super) fn end(
        &mut self,
        pull: &Pull,
        message: Name,
        name: Name,
    ) -> Result<bool, ReadError> {
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
pub(super) fn check_message(pull: &Pull, message: Name, name: Name) -> Result<(), ReadError> {
    if pull.stack.len() == 2 && name != message {
        return Err(pull.error(ReadErrorKind::Foreign(format!(
            "its namespace promises <{}>",
            message.as_str()
        ))));
    }
    Ok(())
}

pub(super) fn id(pull: &Pull, element: &'static str) -> Result<String, ReadError> {
    text_max(pull, element, MAX_ID)
}

pub(super) fn text_max(
    pull: &Pull,
    element: &'static str,
    max: usize,
) -> Result<String, ReadError> {
    let t = pull.text();
    if t.is_empty() {
        return Err(pull.error(ReadErrorKind::Empty { element }));
    }
    if t.chars().count() > max {
        return Err(pull.error(ReadErrorKind::TooLong { element, max }));
    }
    Ok(t.to_string())
}

pub(super) fn date_time(pull: &Pull, element: &'static str) -> Result<DateTime<Utc>, ReadError> {
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

pub(super) fn date(pull: &Pull, element: &'static str) -> Result<NaiveDate, ReadError> {
    let t = pull.text();
    let day = t.get(..10).unwrap_or(t);
    NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
        pull.error(ReadErrorKind::BadDate {
            element,
            value: clip(t),
        })
    })
}

pub(super) fn amount(pull: &Pull) -> Result<Rupiah, ReadError> {
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
pub(super) fn reason(pull: &Pull) -> Result<String, ReadError> {
    text_max(pull, "Rsn", MAX_ID)
}

/// An end-to-end id; `NOTPROVIDED` (what banks write when the debtor gave none) counts as none.
pub(super) fn end_to_end(pull: &Pull, element: &'static str) -> Result<Option<String>, ReadError> {
    let id = id(pull, element)?;
    Ok((id != "NOTPROVIDED").then_some(id))
}

pub(super) fn empty_line(line: u32) -> StatusLine {
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
