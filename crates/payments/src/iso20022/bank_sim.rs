//! A bank as a test double: given a pain.001 it received, it answers with the files a bank sends back
//! — a pain.002 status report, a camt.053 statement and a camt.054 notification — with chosen or
//! seeded rejects and returns. Used by tests, the demo and the benchmarks; it speaks the same files as
//! a real bank, so the readers are exercised as they would be in production.
//!
//! A transfer is rejected (pain.002 `RJCT` with a reason, never booked), or accepted (`ACCP`) and
//! booked as a debit; a returned transfer is booked, then credited back with `RtrInf` and the
//! bank transaction code `PMNT/ICDT/RRTN`. A file whose control totals do not add up is rejected whole
//! (`GrpSts` `RJCT`, reason `AM10`), as a bank would.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use tepat_domain::Rupiah;

use super::read::{read_pain001, OrderedTransfer, PaymentOrder, ReadError};
use super::text::format_amount;

/// Reason codes a seeded reject draws from: account problems that need a new account (`AC01`,
/// `AC04`, `AC06`) and others that a retry may fix.
pub const REJECT_CODES: &[&str] = &["AC01", "AC04", "AC06", "AM04", "BE01", "MS03"];
/// Reason codes a seeded return draws from.
pub const RETURN_CODES: &[&str] = &["AC04", "AC06", "MD07"];

/// What the simulated bank does with a file.
#[derive(Debug, Clone)]
pub struct SimPlan {
    /// Drives the seeded choices: the same plan and file always give the same answer.
    pub seed: u64,
    /// Share of transfers rejected, in thousandths (besides `rejects`).
    pub reject_per_mille: u32,
    /// Share of accepted transfers returned after booking, in thousandths (besides `returns`).
    pub return_per_mille: u32,
    /// Transfers rejected for sure: end-to-end id → reason code.
    pub rejects: HashMap<String, String>,
    /// Transfers returned for sure: end-to-end id → reason code.
    pub returns: HashMap<String, String>,
    /// When the bank writes its files and books the debits.
    pub now: DateTime<Utc>,
}

impl SimPlan {
    /// Everything accepted and booked, nothing returned.
    pub fn all_paid(now: DateTime<Utc>) -> SimPlan {
        SimPlan {
            seed: 0,
            reject_per_mille: 0,
            return_per_mille: 0,
            rejects: HashMap::new(),
            returns: HashMap::new(),
            now,
        }
    }
}

/// The simulated bank's answer to one pain.001.
#[derive(Debug, Clone)]
pub struct SimFiles {
    pub pain002: Vec<u8>,
    pub camt053: Vec<u8>,
    pub camt054: Vec<u8>,
    /// What the bank read.
    pub order: PaymentOrder,
    /// What it decided per transfer, in file order.
    pub fates: Vec<(String, Fate)>,
}

/// What happened to one transfer at the simulated bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    Paid,
    Rejected(String),
    /// Booked, then credited back.
    Returned(String),
    /// The whole file was refused (control totals did not add up).
    FileRejected,
}

/// Answers a pain.001 as the bank would. Fails only if the file cannot be read.
pub fn respond(pain001: &[u8], plan: &SimPlan) -> Result<SimFiles, ReadError> {
    let order = read_pain001(pain001)?;
    let totals_ok = totals_add_up(&order);
    let fates: Vec<(String, Fate)> = order
        .transfers
        .iter()
        .map(|t| {
            let fate = if totals_ok {
                fate(t, plan)
            } else {
                Fate::FileRejected
            };
            (t.end_to_end_id.clone(), fate)
        })
        .collect();
    let v = Versions::of(&order.message_name);
    let sim = Sim {
        order: &order,
        plan,
        v,
        fates: &fates,
    };
    Ok(SimFiles {
        pain002: sim.pain002().into_bytes(),
        camt053: sim.camt(false).into_bytes(),
        camt054: sim.camt(true).into_bytes(),
        fates,
        order,
    })
}

fn totals_add_up(order: &PaymentOrder) -> bool {
    let count = order.transfers.len() as u64;
    let sum = Rupiah::checked_sum(order.transfers.iter().map(|t| t.amount));
    match sum {
        Ok(sum) => order.group_totals == (count, sum) && order.block_totals == (count, sum),
        Err(_) => false,
    }
}

/// A 64-bit mix of the seed and an id (SplitMix64 over FNV-1a): stable across runs and platforms.
fn mix(seed: u64, id: &str, salt: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut z = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn fate(t: &OrderedTransfer, plan: &SimPlan) -> Fate {
    let id = &t.end_to_end_id;
    if let Some(code) = plan.rejects.get(id) {
        return Fate::Rejected(code.clone());
    }
    let r = mix(plan.seed, id, 1);
    if r % 1000 < u64::from(plan.reject_per_mille) {
        return Fate::Rejected(REJECT_CODES[(r >> 32) as usize % REJECT_CODES.len()].into());
    }
    if let Some(code) = plan.returns.get(id) {
        return Fate::Returned(code.clone());
    }
    let r = mix(plan.seed, id, 2);
    if r % 1000 < u64::from(plan.return_per_mille) {
        return Fate::Returned(RETURN_CODES[(r >> 32) as usize % RETURN_CODES.len()].into());
    }
    Fate::Paid
}

/// The answer's message versions, following the order's: an old bank answers in old versions.
#[derive(Clone, Copy)]
struct Versions {
    pain002: &'static str,
    camt053: &'static str,
    camt054: &'static str,
    /// camt .02 writes `Sts` as a bare code and transaction amounts under `AmtDtls`.
    old_camt: bool,
}

impl Versions {
    fn of(pain001: &str) -> Versions {
        if pain001 == "pain.001.001.03" {
            Versions {
                pain002: "pain.002.001.03",
                camt053: "camt.053.001.02",
                camt054: "camt.054.001.02",
                old_camt: true,
            }
        } else {
            Versions {
                pain002: "pain.002.001.10",
                camt053: "camt.053.001.08",
                camt054: "camt.054.001.08",
                old_camt: false,
            }
        }
    }
}

struct Sim<'a> {
    order: &'a PaymentOrder,
    plan: &'a SimPlan,
    v: Versions,
    fates: &'a [(String, Fate)],
}

impl Sim<'_> {
    fn amount(&self, a: Rupiah) -> String {
        format_amount(a, self.order.decimals)
    }

    fn created(&self) -> String {
        self.plan.now.to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    fn booking_date(&self) -> NaiveDate {
        self.plan.now.date_naive()
    }

    /// The bank's own reference for a transfer.
    fn bank_ref(&self, id: &str, salt: u64) -> String {
        format!("SIM{:016X}", mix(self.plan.seed, id, salt + 10))
    }

    fn message_id(&self, what: &str) -> String {
        let key = format!("{}/{what}", self.order.msg_id);
        format!("SIM{:016X}", mix(self.plan.seed, &key, 100))
    }

    fn pain002(&self) -> String {
        let o = self.order;
        let mut x = String::with_capacity(512 + 400 * o.transfers.len());
        let rejected = self
            .fates
            .iter()
            .filter(|(_, f)| matches!(f, Fate::Rejected(_)))
            .count();
        let whole = self.fates.iter().any(|(_, f)| *f == Fate::FileRejected);
        let group_status = if whole {
            "RJCT"
        } else if rejected == 0 {
            "ACCP"
        } else if rejected == o.transfers.len() {
            "RJCT"
        } else {
            "PART"
        };
        let _ = writeln!(x, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        let _ = writeln!(
            x,
            r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{}">"#,
            self.v.pain002
        );
        let _ = writeln!(x, "  <CstmrPmtStsRpt>");
        let _ = writeln!(
            x,
            "    <GrpHdr><MsgId>{}</MsgId><CreDtTm>{}</CreDtTm></GrpHdr>",
            self.message_id("pain.002"),
            self.created()
        );
        let _ = writeln!(x, "    <OrgnlGrpInfAndSts>");
        let _ = writeln!(x, "      <OrgnlMsgId>{}</OrgnlMsgId>", esc(&o.msg_id));
        let _ = writeln!(x, "      <OrgnlMsgNmId>{}</OrgnlMsgNmId>", o.message_name);
        let _ = writeln!(x, "      <OrgnlNbOfTxs>{}</OrgnlNbOfTxs>", o.group_totals.0);
        let _ = writeln!(
            x,
            "      <OrgnlCtrlSum>{}</OrgnlCtrlSum>",
            self.amount(o.group_totals.1)
        );
        let _ = writeln!(x, "      <GrpSts>{group_status}</GrpSts>");
        if whole {
            let _ = writeln!(x, "      <StsRsnInf><Rsn><Cd>AM10</Cd></Rsn></StsRsnInf>");
        }
        let _ = writeln!(x, "    </OrgnlGrpInfAndSts>");
        if !whole {
            let _ = writeln!(x, "    <OrgnlPmtInfAndSts>");
            let _ = writeln!(
                x,
                "      <OrgnlPmtInfId>{}</OrgnlPmtInfId>",
                esc(&o.payment_info_id)
            );
            let _ = writeln!(x, "      <PmtInfSts>{group_status}</PmtInfSts>");
            for (t, (_, fate)) in o.transfers.iter().zip(self.fates) {
                self.pain002_tx(&mut x, t, fate);
            }
            let _ = writeln!(x, "    </OrgnlPmtInfAndSts>");
        }
        let _ = writeln!(x, "  </CstmrPmtStsRpt>");
        let _ = writeln!(x, "</Document>");
        x
    }

    fn pain002_tx(&self, x: &mut String, t: &OrderedTransfer, fate: &Fate) {
        let id = &t.end_to_end_id;
        let _ = writeln!(x, "      <TxInfAndSts>");
        if let Some(instr) = &t.instruction_id {
            let _ = writeln!(x, "        <OrgnlInstrId>{}</OrgnlInstrId>", esc(instr));
        }
        let _ = writeln!(x, "        <OrgnlEndToEndId>{}</OrgnlEndToEndId>", esc(id));
        match fate {
            Fate::Rejected(code) => {
                let _ = writeln!(x, "        <TxSts>RJCT</TxSts>");
                let _ = writeln!(
                    x,
                    "        <StsRsnInf><Rsn><Cd>{code}</Cd></Rsn></StsRsnInf>"
                );
            }
            _ => {
                let _ = writeln!(x, "        <TxSts>ACCP</TxSts>");
            }
        }
        let _ = writeln!(
            x,
            "        <AcctSvcrRef>{}</AcctSvcrRef>",
            self.bank_ref(id, 0)
        );
        let _ = writeln!(
            x,
            r#"        <OrgnlTxRef><Amt><InstdAmt Ccy="IDR">{}</InstdAmt></Amt></OrgnlTxRef>"#,
            self.amount(t.amount)
        );
        let _ = writeln!(x, "      </TxInfAndSts>");
    }

    /// camt.053 (one entry per booked transfer) or camt.054 (`batch`: one batch-booked entry with a
    /// detail per transfer); returns are entries of their own in both.
    fn camt(&self, batch: bool) -> String {
        let o = self.order;
        let (version, message, report) = if batch {
            (self.v.camt054, "BkToCstmrDbtCdtNtfctn", "Ntfctn")
        } else {
            (self.v.camt053, "BkToCstmrStmt", "Stmt")
        };
        let booked: Vec<&OrderedTransfer> = o
            .transfers
            .iter()
            .zip(self.fates)
            .filter(|(_, (_, f))| matches!(f, Fate::Paid | Fate::Returned(_)))
            .map(|(t, _)| t)
            .collect();
        let returned: Vec<(&OrderedTransfer, &str)> = o
            .transfers
            .iter()
            .zip(self.fates)
            .filter_map(|(t, (_, f))| match f {
                Fate::Returned(code) => Some((t, code.as_str())),
                _ => None,
            })
            .collect();
        let mut x = String::with_capacity(512 + 700 * (booked.len() + returned.len()));
        let _ = writeln!(x, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        let _ = writeln!(
            x,
            r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{version}">"#
        );
        let _ = writeln!(x, "  <{message}>");
        let _ = writeln!(
            x,
            "    <GrpHdr><MsgId>{}</MsgId><CreDtTm>{}</CreDtTm></GrpHdr>",
            self.message_id(version),
            self.created()
        );
        let _ = writeln!(x, "    <{report}>");
        let _ = writeln!(x, "      <Id>{}</Id>", self.message_id(report));
        let _ = writeln!(x, "      <CreDtTm>{}</CreDtTm>", self.created());
        let _ = writeln!(
            x,
            "      <Acct><Id><Othr><Id>{}</Id></Othr></Id><Ccy>IDR</Ccy></Acct>",
            esc(&o.debtor_account)
        );
        if !batch {
            let _ = writeln!(
                x,
                r#"      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="IDR">{}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{}</Dt></Dt></Bal>"#,
                self.amount(Rupiah::ZERO),
                self.booking_date()
            );
        }
        if batch && !booked.is_empty() {
            let sum = Rupiah::checked_sum(booked.iter().map(|t| t.amount)).unwrap_or(Rupiah::ZERO);
            self.entry_open(
                &mut x,
                sum,
                "DBIT",
                &self.bank_ref(&o.payment_info_id, 3),
                "ESCT",
            );
            for t in &booked {
                self.detail(&mut x, t, "DBIT", None);
            }
            self.entry_close(&mut x);
        } else {
            for t in &booked {
                self.entry_open(
                    &mut x,
                    t.amount,
                    "DBIT",
                    &self.bank_ref(&t.end_to_end_id, 3),
                    "ESCT",
                );
                self.detail(&mut x, t, "DBIT", None);
                self.entry_close(&mut x);
            }
        }
        for (t, code) in &returned {
            self.entry_open(
                &mut x,
                t.amount,
                "CRDT",
                &self.bank_ref(&t.end_to_end_id, 4),
                "RRTN",
            );
            self.detail(&mut x, t, "CRDT", Some(code));
            self.entry_close(&mut x);
        }
        let _ = writeln!(x, "    </{report}>");
        let _ = writeln!(x, "  </{message}>");
        let _ = writeln!(x, "</Document>");
        x
    }

    fn entry_open(
        &self,
        x: &mut String,
        amount: Rupiah,
        side: &str,
        reference: &str,
        subfamily: &str,
    ) {
        let day = self.booking_date();
        let status = if self.v.old_camt {
            "<Sts>BOOK</Sts>"
        } else {
            "<Sts><Cd>BOOK</Cd></Sts>"
        };
        let _ = writeln!(x, "      <Ntry>");
        let _ = writeln!(x, r#"        <Amt Ccy="IDR">{}</Amt>"#, self.amount(amount));
        let _ = writeln!(x, "        <CdtDbtInd>{side}</CdtDbtInd>");
        let _ = writeln!(x, "        {status}");
        let _ = writeln!(
            x,
            "        <BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>"
        );
        let _ = writeln!(x, "        <AcctSvcrRef>{reference}</AcctSvcrRef>");
        let _ = writeln!(
            x,
            "        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>{subfamily}</SubFmlyCd></Fmly></Domn></BkTxCd>"
        );
        let _ = writeln!(x, "        <NtryDtls>");
    }

    fn entry_close(&self, x: &mut String) {
        let _ = writeln!(x, "        </NtryDtls>");
        let _ = writeln!(x, "      </Ntry>");
    }

    fn detail(&self, x: &mut String, t: &OrderedTransfer, side: &str, returned: Option<&str>) {
        let id = &t.end_to_end_id;
        let amount = self.amount(t.amount);
        let _ = writeln!(x, "          <TxDtls>");
        let _ = write!(
            x,
            "            <Refs><AcctSvcrRef>{}</AcctSvcrRef>",
            self.bank_ref(id, 0)
        );
        if let Some(instr) = &t.instruction_id {
            let _ = write!(x, "<InstrId>{}</InstrId>", esc(instr));
        }
        let _ = writeln!(x, "<EndToEndId>{}</EndToEndId></Refs>", esc(id));
        if self.v.old_camt {
            let _ = writeln!(
                x,
                r#"            <AmtDtls><TxAmt><Amt Ccy="IDR">{amount}</Amt></TxAmt></AmtDtls>"#
            );
        } else {
            let _ = writeln!(x, r#"            <Amt Ccy="IDR">{amount}</Amt>"#);
            let _ = writeln!(x, "            <CdtDbtInd>{side}</CdtDbtInd>");
        }
        if let Some(u) = &t.remittance {
            let _ = writeln!(x, "            <RmtInf><Ustrd>{}</Ustrd></RmtInf>", esc(u));
        }
        if let Some(code) = returned {
            let _ = writeln!(x, "            <RtrInf><Rsn><Cd>{code}</Cd></Rsn></RtrInf>");
        }
        let _ = writeln!(x, "          </TxDtls>");
    }
}

/// Text read from the order goes back into XML.
fn esc(text: &str) -> std::borrow::Cow<'_, str> {
    if text.bytes().any(|b| matches!(b, b'<' | b'>' | b'&')) {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .into()
    } else {
        text.into()
    }
}
