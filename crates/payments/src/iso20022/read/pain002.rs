//! pain.002 status reports: a status per transaction, per payment information block and per original
//! message; a transaction without its own status takes its block's, else the message's.

use super::{
    amount, check_message, empty_line, end_to_end, id, reason, text_max, GroupStatus, Header,
    Outcome, ReadError, ReadErrorKind, StatusFile, StatusLine,
};
use crate::iso20022::xml::{clip, Name, Pull, Step};

use Name as N;

/// The status of the original message (`OrgnlGrpInfAndSts`) or of one block (`OrgnlPmtInfAndSts`).
/// `status` is `Some(None)` for `PART`, which leaves the outcome to each transaction.
#[derive(Default)]
struct Level {
    line: u32,
    id: Option<String>,
    status: Option<Option<Outcome>>,
    reason: Option<String>,
}

struct Tx {
    status: Option<Option<Outcome>>,
    reason: Option<String>,
    line: StatusLine,
}

/// The report being read: the message's level, the open block and the open transaction.
#[derive(Default)]
struct Report {
    group: Level,
    block: Option<Level>,
    tx: Option<Tx>,
}

pub(super) fn read(
    pull: &mut Pull,
    message: Name,
    header: &mut Header,
    file: &mut StatusFile,
) -> Result<(), ReadError> {
    let mut report = Report::default();
    while let Some(step) = pull.next()? {
        match step {
            Step::Start(name) => {
                check_message(pull, message, name)?;
                report.start(pull, name);
            }
            Step::End(name) => {
                if header.end(pull, message, name)? {
                    continue;
                }
                if report.tx.is_some() {
                    report.end_in_tx(pull, name, file)?;
                } else if report.block.is_some() {
                    report.end_in_block(pull, name, file)?;
                } else {
                    report.end_in_group(pull, message, name, file)?;
                }
            }
        }
    }
    if report.group.id.is_none() {
        return Err(pull.error(ReadErrorKind::Missing {
            element: "OrgnlGrpInfAndSts",
            within: "CstmrPmtStsRpt",
        }));
    }
    Ok(())
}

fn status(pull: &Pull, element: &'static str) -> Result<Option<Outcome>, ReadError> {
    Outcome::of_pain002(pull.text()).map_err(|()| {
        pull.error(ReadErrorKind::UnknownStatus {
            element,
            code: clip(pull.text()),
        })
    })
}

impl Report {
    fn start(&mut self, pull: &Pull, name: Name) {
        match name {
            N::OrgnlGrpInfAndSts => self.group.line = pull.line(),
            N::OrgnlPmtInfAndSts => {
                self.block = Some(Level {
                    line: pull.line(),
                    ..Level::default()
                })
            }
            N::TxInfAndSts => {
                self.tx = Some(Tx {
                    status: None,
                    reason: None,
                    line: empty_line(pull.line()),
                })
            }
            _ => {}
        }
    }

    fn end_in_tx(
        &mut self,
        pull: &Pull,
        name: Name,
        file: &mut StatusFile,
    ) -> Result<(), ReadError> {
        if name == N::TxInfAndSts {
            let tx = self.tx.take().expect("a transaction is open");
            file.lines.push(self.finish_tx(tx)?);
            return Ok(());
        }
        let tx = self.tx.as_mut().expect("a transaction is open");
        let l = &mut tx.line;
        match name {
            N::OrgnlEndToEndId => l.end_to_end_id = end_to_end(pull, "OrgnlEndToEndId")?,
            N::OrgnlInstrId => l.instruction_id = Some(id(pull, "OrgnlInstrId")?),
            N::TxSts if pull.ancestor(0) == N::TxInfAndSts => {
                tx.status = Some(status(pull, "TxSts")?)
            }
            N::Cd | N::Prtry if pull.under(&[N::StsRsnInf, N::Rsn]) => {
                tx.reason.get_or_insert(reason(pull)?);
            }
            N::AcctSvcrRef if pull.ancestor(0) == N::TxInfAndSts => {
                l.account_servicer_ref = Some(id(pull, "AcctSvcrRef")?)
            }
            N::InstdAmt if pull.under(&[N::OrgnlTxRef, N::Amt]) => l.amount = Some(amount(pull)?),
            N::Ustrd if pull.under(&[N::OrgnlTxRef, N::RmtInf]) => {
                l.remittance.get_or_insert(text_max(pull, "Ustrd", 140)?);
            }
            _ => {}
        }
        Ok(())
    }

    /// The transaction's line, its status and reason taken from the nearest level that has one: a
    /// reason goes with the status it explains.
    fn finish_tx(&self, tx: Tx) -> Result<StatusLine, ReadError> {
        let block = self.block.as_ref().filter(|b| b.status.is_some());
        let (status, reason) = match (tx.status, block) {
            (Some(s), _) => (Some(s), tx.reason),
            (None, Some(b)) => (b.status, b.reason.clone()),
            (None, None) => (self.group.status, self.group.reason.clone()),
        };
        let Some(Some(outcome)) = status else {
            return Err(ReadError {
                line: tx.line.line,
                kind: ReadErrorKind::Missing {
                    element: "TxSts",
                    within: "TxInfAndSts",
                },
            });
        };
        Ok(StatusLine {
            outcome,
            reason,
            ..tx.line
        })
    }

    fn end_in_block(
        &mut self,
        pull: &Pull,
        name: Name,
        file: &mut StatusFile,
    ) -> Result<(), ReadError> {
        if name == N::OrgnlPmtInfAndSts {
            let block = self.block.take().expect("a block is open");
            if let Some(Some(outcome)) = block.status {
                let original_msg_id = self.group.id.clone().ok_or(ReadError {
                    line: block.line,
                    kind: ReadErrorKind::Missing {
                        element: "OrgnlMsgId",
                        within: "OrgnlGrpInfAndSts",
                    },
                })?;
                file.groups.push(GroupStatus {
                    line: block.line,
                    original_msg_id,
                    original_pmt_inf_id: block.id,
                    outcome,
                    reason: block.reason,
                });
            }
            return Ok(());
        }
        let block = self.block.as_mut().expect("a block is open");
        match name {
            N::OrgnlPmtInfId => block.id = Some(id(pull, "OrgnlPmtInfId")?),
            N::PmtInfSts => block.status = Some(status(pull, "PmtInfSts")?),
            N::Cd | N::Prtry if pull.under(&[N::OrgnlPmtInfAndSts, N::StsRsnInf, N::Rsn]) => {
                block.reason.get_or_insert(reason(pull)?);
            }
            _ => {}
        }
        Ok(())
    }

    fn end_in_group(
        &mut self,
        pull: &Pull,
        message: Name,
        name: Name,
        file: &mut StatusFile,
    ) -> Result<(), ReadError> {
        let group = &mut self.group;
        let direct = pull.under(&[N::Document, message, N::OrgnlGrpInfAndSts]);
        match name {
            N::OrgnlGrpInfAndSts => {
                let original_msg_id =
                    group.id.clone().ok_or(pull.error(ReadErrorKind::Missing {
                        element: "OrgnlMsgId",
                        within: "OrgnlGrpInfAndSts",
                    }))?;
                if let Some(Some(outcome)) = group.status {
                    file.groups.push(GroupStatus {
                        line: group.line,
                        original_msg_id,
                        original_pmt_inf_id: None,
                        outcome,
                        reason: group.reason.clone(),
                    });
                }
            }
            N::OrgnlMsgId if direct => group.id = Some(id(pull, "OrgnlMsgId")?),
            N::GrpSts if direct => group.status = Some(status(pull, "GrpSts")?),
            N::Cd | N::Prtry if pull.under(&[N::OrgnlGrpInfAndSts, N::StsRsnInf, N::Rsn]) => {
                group.reason.get_or_insert(reason(pull)?);
            }
            _ => {}
        }
        Ok(())
    }
}
