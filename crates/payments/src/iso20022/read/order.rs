//! Reading a pain.001 back: what the bank simulator answers and what tests check control totals
//! against.

use chrono::NaiveDate;
use tepat_domain::Rupiah;

use super::{amount, date, id, text_max, ReadError, ReadErrorKind};
use crate::iso20022::text::{parse_amount, AmountProblem};
use crate::iso20022::xml::{clip, Name, Pull, Step};

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
