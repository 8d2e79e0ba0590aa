//! pain.001 (CustomerCreditTransferInitiation): the credit transfers of one batch, written for one
//! bank's profile. One file holds one payment information block (one debit side: the office's account)
//! with its transfers; control totals are written at group and block level, as banks reject files whose
//! `NbOfTxs`/`CtrlSum` do not add up (reason `AM10`).

use std::io::{self, Write};

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};
use tepat_domain::distribution::ControlTotals;
use tepat_domain::Rupiah;
use thiserror::Error;

use super::profile::{BankProfile, Pain001Version};
use super::text::{basic_latin, format_amount, is_valid_id, MAX_ID, MAX_NAME, MAX_REMITTANCE};

/// One pain.001 file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pain001 {
    /// `MsgId`, see [`BatchRef::message_id`](super::BatchRef::message_id).
    pub msg_id: String,
    /// `CreDtTm`. Part of the bytes: a re-export must pass the time of the first export to produce the
    /// same file.
    pub created: DateTime<Utc>,
    /// `InitgPty/Nm`: the office that sends the file.
    pub initiating_party: String,
    pub payment_info_id: String,
    /// `ReqdExctnDt`: the day the bank should pay.
    pub requested_date: NaiveDate,
    /// The office's account the money leaves from.
    pub debtor: Party,
    pub transfers: Vec<CreditTransfer>,
}

/// A party with an account at the file's bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub name: String,
    /// The account number at the bank (letters and digits, at most 34).
    pub account: String,
}

/// One credit to one household's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditTransfer {
    /// `EndToEndId`, also written as `InstrId`: the payment id ([`end_to_end_id`](super::end_to_end_id)).
    pub end_to_end_id: String,
    pub amount: Rupiah,
    pub creditor_name: String,
    pub creditor_account: String,
    /// `RmtInf/Ustrd`, e.g. `PKH 2027-T1`: what the household sees on its statement.
    pub remittance: String,
}

/// A file that cannot be written. Names the transfer by its end-to-end id (a payment id), never by a
/// name or account.
#[derive(Debug, Error)]
pub enum WriteError {
    #[error("{field} `{value}` is not an identifier: 1–{MAX_ID} letters, digits or - / . : +")]
    BadId { field: &'static str, value: String },
    #[error("the file has no transfers")]
    NoTransfers,
    #[error("the file has {count} transfers, more than the {max} {bank} accepts in one file: split the batch")]
    TooManyTransfers {
        count: usize,
        max: usize,
        bank: &'static str,
    },
    #[error("transfer {end_to_end_id} has amount {amount}: only positive amounts are paid")]
    NotPositive {
        end_to_end_id: String,
        amount: Rupiah,
    },
    #[error("end-to-end id {0} appears twice in the file")]
    DuplicateId(String),
    #[error("the {field} of transfer {end_to_end_id} is empty once written in basic Latin")]
    EmptyText {
        field: &'static str,
        end_to_end_id: String,
    },
    #[error(
        "the remittance of transfer {end_to_end_id} is longer than {MAX_REMITTANCE} characters"
    )]
    RemittanceTooLong { end_to_end_id: String },
    #[error("the {whose} account is not 1–34 letters or digits")]
    BadAccount { whose: String },
    #[error("the debtor's name is empty once written in basic Latin")]
    EmptyDebtorName,
    #[error("the sum of the amounts overflows")]
    Overflow,
    #[error("writing the file failed: {0}")]
    Io(#[from] io::Error),
}

/// Writes `doc` as pain.001 in `profile`'s version and amount style. Everything is checked before the
/// first byte is written; the same input always gives the same bytes. Returns the control totals
/// written in the file.
pub fn write_pain001(
    doc: &Pain001,
    profile: &BankProfile,
    out: &mut impl Write,
) -> Result<ControlTotals, WriteError> {
    let totals = check(doc, profile)?;
    let mut w = io::BufWriter::with_capacity(1 << 16, out);
    write_document(&mut w, doc, profile, &totals)?;
    w.flush()?;
    Ok(totals)
}

fn check(doc: &Pain001, profile: &BankProfile) -> Result<ControlTotals, WriteError> {
    check_id("MsgId", &doc.msg_id)?;
    check_id("PmtInfId", &doc.payment_info_id)?;
    check_account("debtor's", &doc.debtor.account)?;
    if basic_latin(&doc.debtor.name, MAX_NAME).is_empty() {
        return Err(WriteError::EmptyDebtorName);
    }
    if doc.transfers.is_empty() {
        return Err(WriteError::NoTransfers);
    }
    if doc.transfers.len() > profile.max_transfers_per_file {
        return Err(WriteError::TooManyTransfers {
            count: doc.transfers.len(),
            max: profile.max_transfers_per_file,
            bank: profile.name,
        });
    }
    let mut seen = std::collections::HashSet::with_capacity(doc.transfers.len());
    let mut totals = ControlTotals::default();
    for t in &doc.transfers {
        check_transfer(t)?;
        if !seen.insert(t.end_to_end_id.as_str()) {
            return Err(WriteError::DuplicateId(t.end_to_end_id.clone()));
        }
        totals.add(t.amount).map_err(|_| WriteError::Overflow)?;
    }
    Ok(totals)
}

fn check_id(field: &'static str, value: &str) -> Result<(), WriteError> {
    if is_valid_id(value) {
        Ok(())
    } else {
        Err(WriteError::BadId {
            field,
            value: value.chars().take(40).collect(),
        })
    }
}

fn check_account(whose: &str, account: &str) -> Result<(), WriteError> {
    if !account.is_empty()
        && account.len() <= 34
        && account.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        Ok(())
    } else {
        Err(WriteError::BadAccount {
            whose: whose.to_string(),
        })
    }
}

fn check_transfer(t: &CreditTransfer) -> Result<(), WriteError> {
    check_id("EndToEndId", &t.end_to_end_id)?;
    let id = || t.end_to_end_id.clone();
    if t.amount <= Rupiah::ZERO {
        return Err(WriteError::NotPositive {
            end_to_end_id: id(),
            amount: t.amount,
        });
    }
    if basic_latin(&t.creditor_name, MAX_NAME).is_empty() {
        return Err(WriteError::EmptyText {
            field: "creditor name",
            end_to_end_id: id(),
        });
    }
    if t.remittance.chars().count() > MAX_REMITTANCE {
        return Err(WriteError::RemittanceTooLong {
            end_to_end_id: id(),
        });
    }
    if basic_latin(&t.remittance, MAX_REMITTANCE).is_empty() {
        return Err(WriteError::EmptyText {
            field: "remittance",
            end_to_end_id: id(),
        });
    }
    check_account(
        &format!("creditor's (transfer {})", t.end_to_end_id),
        &t.creditor_account,
    )
}

/// The element naming a bank's BIC: `BIC` up to .03, `BICFI` from .04 on.
fn bic_element(v: Pain001Version) -> &'static str {
    match v {
        Pain001Version::V03 => "BIC",
        Pain001Version::V09 => "BICFI",
    }
}

fn write_document(
    w: &mut impl Write,
    doc: &Pain001,
    profile: &BankProfile,
    totals: &ControlTotals,
) -> io::Result<()> {
    let v = profile.version;
    let ctrl_sum = format_amount(totals.amount, profile.decimals);
    // Western Indonesian Time with its offset: what the bank's staff read, and unambiguous.
    let wib = FixedOffset::east_opt(7 * 3600).expect("valid offset");
    let created = doc
        .created
        .with_timezone(&wib)
        .to_rfc3339_opts(SecondsFormat::Secs, false);
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(w, r#"<Document xmlns="{}">"#, v.namespace())?;
    writeln!(w, "  <CstmrCdtTrfInitn>")?;
    writeln!(w, "    <GrpHdr>")?;
    writeln!(w, "      <MsgId>{}</MsgId>", doc.msg_id)?;
    writeln!(w, "      <CreDtTm>{created}</CreDtTm>")?;
    writeln!(w, "      <NbOfTxs>{}</NbOfTxs>", totals.count)?;
    writeln!(w, "      <CtrlSum>{ctrl_sum}</CtrlSum>")?;
    writeln!(
        w,
        "      <InitgPty><Nm>{}</Nm></InitgPty>",
        escape(&basic_latin(&doc.initiating_party, MAX_NAME))
    )?;
    writeln!(w, "    </GrpHdr>")?;
    writeln!(w, "    <PmtInf>")?;
    writeln!(w, "      <PmtInfId>{}</PmtInfId>", doc.payment_info_id)?;
    writeln!(w, "      <PmtMtd>TRF</PmtMtd>")?;
    writeln!(w, "      <BtchBookg>true</BtchBookg>")?;
    writeln!(w, "      <NbOfTxs>{}</NbOfTxs>", totals.count)?;
    writeln!(w, "      <CtrlSum>{ctrl_sum}</CtrlSum>")?;
    match v {
        Pain001Version::V03 => {
            writeln!(w, "      <ReqdExctnDt>{}</ReqdExctnDt>", doc.requested_date)?
        }
        Pain001Version::V09 => writeln!(
            w,
            "      <ReqdExctnDt><Dt>{}</Dt></ReqdExctnDt>",
            doc.requested_date
        )?,
    }
    writeln!(
        w,
        "      <Dbtr><Nm>{}</Nm></Dbtr>",
        escape(&basic_latin(&doc.debtor.name, MAX_NAME))
    )?;
    writeln!(
        w,
        "      <DbtrAcct><Id><Othr><Id>{}</Id></Othr></Id><Ccy>IDR</Ccy></DbtrAcct>",
        doc.debtor.account
    )?;
    let agent = format!(
        "<FinInstnId><{b}>{}</{b}></FinInstnId>",
        profile.bic,
        b = bic_element(v)
    );
    writeln!(w, "      <DbtrAgt>{agent}</DbtrAgt>")?;
    writeln!(w, "      <ChrgBr>SLEV</ChrgBr>")?;
    for t in &doc.transfers {
        write_transfer(w, t, profile, &agent)?;
    }
    writeln!(w, "    </PmtInf>")?;
    writeln!(w, "  </CstmrCdtTrfInitn>")?;
    writeln!(w, "</Document>")
}

fn write_transfer(
    w: &mut impl Write,
    t: &CreditTransfer,
    profile: &BankProfile,
    agent: &str,
) -> io::Result<()> {
    let id = &t.end_to_end_id;
    writeln!(w, "      <CdtTrfTxInf>")?;
    writeln!(
        w,
        "        <PmtId><InstrId>{id}</InstrId><EndToEndId>{id}</EndToEndId></PmtId>"
    )?;
    writeln!(
        w,
        r#"        <Amt><InstdAmt Ccy="IDR">{}</InstdAmt></Amt>"#,
        format_amount(t.amount, profile.decimals)
    )?;
    writeln!(w, "        <CdtrAgt>{agent}</CdtrAgt>")?;
    writeln!(
        w,
        "        <Cdtr><Nm>{}</Nm></Cdtr>",
        escape(&basic_latin(&t.creditor_name, MAX_NAME))
    )?;
    writeln!(
        w,
        "        <CdtrAcct><Id><Othr><Id>{}</Id></Othr></Id></CdtrAcct>",
        t.creditor_account
    )?;
    writeln!(
        w,
        "        <RmtInf><Ustrd>{}</Ustrd></RmtInf>",
        escape(&basic_latin(&t.remittance, MAX_REMITTANCE))
    )?;
    writeln!(w, "      </CdtTrfTxInf>")
}

/// Basic Latin text needs escaping only for the apostrophe, and not even there in element content;
/// kept for any character a future change to the set lets through.
fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if text.bytes().any(|b| matches!(b, b'<' | b'>' | b'&')) {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .into()
    } else {
        text.into()
    }
}
