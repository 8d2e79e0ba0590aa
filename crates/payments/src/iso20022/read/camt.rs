//! camt.053 statements and camt.054 notifications: booked and pending entries, one line per
//! transaction detail, returns recognised by their return information or bank transaction code.

use chrono::NaiveDate;
use tepat_domain::Rupiah;

use super::{
    amount, check_message, date, empty_line, end_to_end, id, reason, text_max, Header, Outcome,
    ReadError, ReadErrorKind, StatusFile, StatusLine,
};
use crate::iso20022::xml::{clip, Name, Pull, Step};

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

pub(super) fn read(
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
                if pull.stack.contains(&N::TxDtls) {
                    let d = e.details.last_mut().expect("opened with TxDtls");
                    end_in_detail(pull, name, d)?;
                } else {
                    end_in_entry(pull, name, e)?;
                }
            }
        }
    }
    Ok(())
}

/// An element of a transaction detail (`TxDtls`) closed.
fn end_in_detail(pull: &Pull, name: Name, d: &mut Detail) -> Result<(), ReadError> {
    use Name as N;
    let l = &mut d.line;
    match name {
        N::EndToEndId if pull.ancestor(0) == N::Refs => {
            l.end_to_end_id = end_to_end(pull, "EndToEndId")?
        }
        N::InstrId if pull.ancestor(0) == N::Refs => l.instruction_id = Some(id(pull, "InstrId")?),
        N::AcctSvcrRef if pull.ancestor(0) == N::Refs => {
            l.account_servicer_ref = Some(id(pull, "AcctSvcrRef")?)
        }
        N::Amt
            if pull.ancestor(0) == N::TxDtls
                || pull.under(&[N::AmtDtls, N::TxAmt])
                || (pull.under(&[N::AmtDtls, N::InstdAmt]) && l.amount.is_none()) =>
        {
            l.amount = Some(amount(pull)?)
        }
        N::CdtDbtInd if pull.ancestor(0) == N::TxDtls => d.credit = Some(indicator(pull)?),
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
    Ok(())
}

/// An element of an entry (`Ntry`) outside its details closed.
fn end_in_entry(pull: &Pull, name: Name, e: &mut Entry) -> Result<(), ReadError> {
    use Name as N;
    match name {
        N::Amt if pull.ancestor(0) == N::Ntry => e.amount = Some(amount(pull)?),
        N::CdtDbtInd if pull.ancestor(0) == N::Ntry => e.credit = Some(indicator(pull)?),
        N::RvslInd if pull.ancestor(0) == N::Ntry => e.reversal = pull.text() == "true",
        N::Sts if pull.ancestor(0) == N::Ntry && !pull.text().is_empty() => {
            e.status = Some(pull.text().to_string())
        }
        N::Cd if pull.under(&[N::Ntry, N::Sts]) => e.status = Some(pull.text().to_string()),
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
