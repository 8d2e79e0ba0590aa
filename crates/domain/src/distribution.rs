//! Distribution (*penyaluran*): what a program pays each enrolled household in one cycle and how it gets
//! there (issue 7, `docs/distribution.md`).
//!
//! - [`CycleCode`]: one payment period of a program — `2027-01` (monthly), `2027-T1` (a quarterly
//!   *tahap*), `2027` (yearly) or `2027-SEKALI` (a one-off payment).
//! - [`Route`]: how one entitlement reaches the household: a bank transfer (ISO 20022 file), an
//!   e-wallet (G2P Connect), cash or goods at a distribution point against a signed voucher, or a premium
//!   paid to BPJS on the household's behalf.
//! - [`EnvelopeState`] and [`EnvelopeAction`]: the envelope (*amplop*) of a program-cycle with its
//!   control totals, prepared by one officer and approved by another (maker-checker), paid once.
//! - [`ControlTotals`]: count and amount that must agree at every stage.
//! - [`EntitlementState`] and [`PaymentState`]: one household's entitlement and one attempt to pay it.
//! - [`FinancialAddress`]: `id-type:id@provider`, the G2P Connect form of an account or wallet.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::lang::{Lang, Localized};
use crate::program::Cycle;
use crate::rupiah::{Rupiah, RupiahError};

/// One payment period of a program, e.g. `2027-T1`. See the module documentation for the forms.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CycleCode {
    year: i32,
    kind: Cycle,
    /// Month 1–12, quarter 1–4, or 0 for yearly and one-off.
    number: u32,
}

/// A cycle code that does not parse, or does not fit the program's cycle.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CycleCodeError {
    #[error("`{0}` is not a cycle code: write 2027-01 (a month), 2027-T1 (a quarter), 2027 (a year) or 2027-SEKALI")]
    Malformed(String),
    #[error("cycle {code} is a {found} cycle, but the program pays {expected}")]
    WrongKind {
        code: String,
        found: &'static str,
        expected: &'static str,
    },
    #[error("cycle {code} lies outside the program's period {start} to {end}")]
    OutsidePeriod {
        code: String,
        start: NaiveDate,
        end: NaiveDate,
    },
}

impl Localized for CycleCodeError {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (CycleCodeError::Malformed(s), Lang::Id) => format!(
                "`{s}` bukan kode siklus: tulis 2027-01 (bulan), 2027-T1 (triwulan/tahap), 2027 (tahun) \
                 atau 2027-SEKALI"
            ),
            (CycleCodeError::WrongKind { code, .. }, Lang::Id) => {
                format!("siklus {code} tidak sesuai dengan siklus pembayaran program")
            }
            (CycleCodeError::OutsidePeriod { code, start, end }, Lang::Id) => {
                format!("siklus {code} berada di luar masa program {start} s.d. {end}")
            }
        }
    }
}

impl CycleCode {
    /// The cycle of kind `kind` that contains `date`.
    pub fn containing(kind: Cycle, date: NaiveDate) -> CycleCode {
        let number = match kind {
            Cycle::Monthly => date.month(),
            Cycle::Quarterly => (date.month() - 1) / 3 + 1,
            Cycle::Yearly | Cycle::Once => 0,
        };
        CycleCode {
            year: date.year(),
            kind,
            number,
        }
    }

    pub fn kind(&self) -> Cycle {
        self.kind
    }

    /// First and last day (inclusive) of the cycle; a one-off payment covers its year.
    pub fn period(&self) -> (NaiveDate, NaiveDate) {
        let (first_month, months) = match self.kind {
            Cycle::Monthly => (self.number, 1),
            Cycle::Quarterly => ((self.number - 1) * 3 + 1, 3),
            Cycle::Yearly | Cycle::Once => (1, 12),
        };
        let start = NaiveDate::from_ymd_opt(self.year, first_month, 1).expect("valid month");
        let after = start
            .checked_add_months(chrono::Months::new(months))
            .expect("dates stay in range");
        (start, after.pred_opt().expect("after the start"))
    }

    /// Checks the code against a program's cycle kind and period.
    pub fn check_for(
        &self,
        kind: Cycle,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<(), CycleCodeError> {
        if self.kind != kind {
            return Err(CycleCodeError::WrongKind {
                code: self.to_string(),
                found: self.kind.name(Lang::En),
                expected: kind.name(Lang::En),
            });
        }
        let (first, last) = self.period();
        if last < start || first > end {
            return Err(CycleCodeError::OutsidePeriod {
                code: self.to_string(),
                start,
                end,
            });
        }
        Ok(())
    }
}

impl fmt::Display for CycleCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            Cycle::Monthly => write!(f, "{}-{:02}", self.year, self.number),
            Cycle::Quarterly => write!(f, "{}-T{}", self.year, self.number),
            Cycle::Yearly => write!(f, "{}", self.year),
            Cycle::Once => write!(f, "{}-SEKALI", self.year),
        }
    }
}

impl FromStr for CycleCode {
    type Err = CycleCodeError;
    fn from_str(s: &str) -> Result<CycleCode, CycleCodeError> {
        let bad = || CycleCodeError::Malformed(s.chars().take(40).collect());
        let t = s.trim().to_ascii_uppercase();
        let (year, rest) = t
            .split_once('-')
            .map_or((t.as_str(), None), |(y, r)| (y, Some(r)));
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        if !(2000..=2200).contains(&year) {
            return Err(bad());
        }
        let (kind, number) = match rest {
            None => (Cycle::Yearly, 0),
            Some("SEKALI") => (Cycle::Once, 0),
            Some(q) if q.len() == 2 && q.starts_with('T') => {
                let n: u32 = q[1..].parse().map_err(|_| bad())?;
                (Cycle::Quarterly, n)
            }
            Some(m) if m.len() == 2 && m.bytes().all(|b| b.is_ascii_digit()) => {
                (Cycle::Monthly, m.parse().map_err(|_| bad())?)
            }
            Some(_) => return Err(bad()),
        };
        let in_range = match kind {
            Cycle::Monthly => (1..=12).contains(&number),
            Cycle::Quarterly => (1..=4).contains(&number),
            Cycle::Yearly | Cycle::Once => true,
        };
        if !in_range {
            return Err(bad());
        }
        Ok(CycleCode { year, kind, number })
    }
}

impl TryFrom<String> for CycleCode {
    type Error = CycleCodeError;
    fn try_from(s: String) -> Result<CycleCode, CycleCodeError> {
        s.parse()
    }
}

impl From<CycleCode> for String {
    fn from(c: CycleCode) -> String {
        c.to_string()
    }
}

/// Declares a closed set of states with their stable database codes and labels in both languages.
macro_rules! states {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $code:literal, $id:literal, $en:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code stored in the database and used in files.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            pub fn from_code(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            pub fn label(self, lang: Lang) -> &'static str {
                match (self, lang) { $(($name::$variant, Lang::Id) => $id, ($name::$variant, Lang::En) => $en,)+ }
            }
        }
    };
}

states! {
    /// How one entitlement reaches the household. Chosen per household when the envelope is prepared:
    /// a program paying by transfer uses the household's verified account from the mapper (bank or
    /// e-wallet) and falls back to cash at a distribution point when there is none.
    Route {
        /// ISO 20022 pain.001 credit transfer through the household's bank.
        Bank => "bank", "transfer bank", "bank transfer";
        /// G2P Connect `disburse` to the household's e-wallet.
        EWallet => "ewallet", "dompet digital", "e-wallet";
        /// Cash at a distribution point (post office, village hall) against a signed voucher.
        Cash => "cash", "tunai di titik salur", "cash at a distribution point";
        /// Goods at an e-Warung or distribution point against a signed voucher.
        Goods => "goods", "barang di e-Warung", "goods at an e-Warung";
        /// A premium paid to BPJS Kesehatan for the household (PBI-JK): no money reaches it.
        Premium => "premium", "iuran ke BPJS Kesehatan", "premium to BPJS Kesehatan";
    }
}

impl Route {
    /// Routes handed over in person against a voucher.
    pub fn needs_voucher(self) -> bool {
        matches!(self, Route::Cash | Route::Goods)
    }
}

states! {
    /// The envelope of one program-cycle. `Prepared` → `Approved` (by someone other than the preparer)
    /// → `Paying` (instructions released: bank files written, e-wallet requests sent, vouchers issued)
    /// → `Closed` (every entitlement settled). `Prepared` or `Approved` may be `Cancelled`; nothing
    /// leaves `Closed` or `Cancelled`, and nothing goes back to `Paying`, so an envelope is paid once.
    EnvelopeState {
        Prepared => "prepared", "disiapkan", "prepared";
        Approved => "approved", "disetujui", "approved";
        Paying => "paying", "sedang disalurkan", "being paid";
        Closed => "closed", "selesai", "closed";
        Cancelled => "cancelled", "dibatalkan", "cancelled";
    }
}

/// What can happen to an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeAction {
    Approve,
    Release,
    Close,
    Cancel,
}

/// An envelope action refused in the envelope's state.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("an envelope that is {} cannot be {}", .from.label(Lang::En), action_en(.action))]
pub struct EnvelopeTransitionError {
    pub from: EnvelopeState,
    pub action: EnvelopeAction,
}

fn action_en(a: &EnvelopeAction) -> &'static str {
    match a {
        EnvelopeAction::Approve => "approved",
        EnvelopeAction::Release => "released for payment",
        EnvelopeAction::Close => "closed",
        EnvelopeAction::Cancel => "cancelled",
    }
}

fn action_id(a: EnvelopeAction) -> &'static str {
    match a {
        EnvelopeAction::Approve => "disetujui",
        EnvelopeAction::Release => "disalurkan",
        EnvelopeAction::Close => "ditutup",
        EnvelopeAction::Cancel => "dibatalkan",
    }
}

impl Localized for EnvelopeTransitionError {
    fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Id => format!(
                "amplop yang berstatus {} tidak dapat {}",
                self.from.label(Lang::Id),
                action_id(self.action)
            ),
        }
    }
}

impl EnvelopeState {
    /// The state after `action`, or why not.
    pub fn after(self, action: EnvelopeAction) -> Result<EnvelopeState, EnvelopeTransitionError> {
        use EnvelopeAction as A;
        use EnvelopeState as S;
        match (self, action) {
            (S::Prepared, A::Approve) => Ok(S::Approved),
            (S::Approved, A::Release) => Ok(S::Paying),
            (S::Paying, A::Close) => Ok(S::Closed),
            (S::Prepared | S::Approved, A::Cancel) => Ok(S::Cancelled),
            (from, action) => Err(EnvelopeTransitionError { from, action }),
        }
    }
}

states! {
    /// One household's entitlement in an envelope.
    EntitlementState {
        /// Computed, not yet released for payment.
        Pending => "pending", "menunggu", "pending";
        /// A payment instruction is out (bank file, e-wallet request) or a voucher was issued.
        Instructed => "instructed", "dalam proses", "in progress";
        /// Credited to the account or wallet (or the premium paid).
        Paid => "paid", "sudah ditransfer", "paid";
        /// Handed over in person against the voucher.
        HandedOver => "handed_over", "sudah diterima", "handed over";
        /// The last attempt failed; waiting for a retry, a new account or rerouting to cash.
        Failed => "failed", "gagal", "failed";
        /// Not paid in this cycle (the envelope was cancelled, or the household left the program).
        Cancelled => "cancelled", "dibatalkan", "cancelled";
    }
}

impl EntitlementState {
    /// Settled: nothing more will happen to it in this cycle.
    pub fn is_settled(self) -> bool {
        matches!(
            self,
            EntitlementState::Paid | EntitlementState::HandedOver | EntitlementState::Cancelled
        )
    }
}

states! {
    /// One attempt to pay an entitlement through a provider. Moves forward only:
    /// `Created` → `Sent` → `Accepted` → `Settled`, or to `Rejected` from any of the first three;
    /// `Settled` may become `Returned` (the bank returned the credit).
    PaymentState {
        Created => "created", "dibuat", "created";
        Sent => "sent", "dikirim", "sent";
        Accepted => "accepted", "diterima bank", "accepted by the provider";
        Settled => "settled", "berhasil", "settled";
        Rejected => "rejected", "ditolak", "rejected";
        Returned => "returned", "dikembalikan", "returned";
    }
}

impl PaymentState {
    /// Whether a status report may move a payment from `self` to `to`. A report that would move it
    /// backwards (a late `ACCP` after `ACSC`) or out of a final state is ignored, which makes imports
    /// of reordered or repeated files harmless.
    pub fn may_become(self, to: PaymentState) -> bool {
        use PaymentState as P;
        matches!(
            (self, to),
            (P::Created, P::Sent | P::Accepted | P::Settled | P::Rejected)
                | (P::Sent, P::Accepted | P::Settled | P::Rejected)
                | (P::Accepted, P::Settled | P::Rejected)
                | (P::Settled, P::Returned)
        )
    }

    /// Final: no status report changes it any more (a settled payment can still be returned).
    pub fn is_final(self) -> bool {
        matches!(self, PaymentState::Rejected | PaymentState::Returned)
    }
}

/// Count and amount that must agree at every stage of an envelope: entitlements, instructions (per file
/// and in all), results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlTotals {
    pub count: u64,
    pub amount: Rupiah,
}

impl ControlTotals {
    pub fn add(&mut self, amount: Rupiah) -> Result<(), RupiahError> {
        self.amount = self.amount.checked_add(amount)?;
        self.count += 1;
        Ok(())
    }

    pub fn of<I: IntoIterator<Item = Rupiah>>(amounts: I) -> Result<ControlTotals, RupiahError> {
        let mut t = ControlTotals::default();
        for a in amounts {
            t.add(a)?;
        }
        Ok(t)
    }
}

impl fmt::Display for ControlTotals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} entitlements, {}", self.count, self.amount)
    }
}

/// A financial address in the G2P Connect form `id-type:id@provider`, e.g. `account:0123456789@bri` or
/// `mobile:081234567890@dana`. Personal data: sealed at rest, never logged; `Debug` hides the id.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FinancialAddress {
    kind: AddressKind,
    id: String,
    provider: String,
}

/// What the id of a [`FinancialAddress`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressKind {
    /// A bank account number (6–20 digits).
    Account,
    /// A mobile number registered with an e-wallet (`08…` or `628…`, 10–15 digits).
    Mobile,
}

/// A financial address that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AddressError {
    #[error("a financial address has the form id-type:id@provider, e.g. account:0123456789@bri")]
    Form,
    #[error("the id type must be `account` or `mobile`")]
    Kind,
    #[error("an account number has 6 to 20 digits")]
    Account,
    #[error("a mobile number starts with 08 or 628 and has 10 to 15 digits")]
    Mobile,
    #[error("the provider is a short code of letters and digits, e.g. bri or dana")]
    Provider,
}

impl Localized for AddressError {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (AddressError::Form, Lang::Id) => {
                "alamat rekening ditulis jenis:nomor@penyedia, misalnya account:0123456789@bri"
                    .into()
            }
            (AddressError::Kind, Lang::Id) => "jenis harus `account` atau `mobile`".into(),
            (AddressError::Account, Lang::Id) => {
                "nomor rekening terdiri dari 6 sampai 20 angka".into()
            }
            (AddressError::Mobile, Lang::Id) => {
                "nomor HP diawali 08 atau 628 dan terdiri dari 10 sampai 15 angka".into()
            }
            (AddressError::Provider, Lang::Id) => {
                "penyedia ditulis dengan kode pendek huruf dan angka, misalnya bri atau dana".into()
            }
        }
    }
}

impl FinancialAddress {
    /// Builds an address from its parts; spaces, dashes and dots in the number are dropped, and a
    /// mobile number is kept as typed after that (`08…` or `628…`).
    pub fn new(
        kind: AddressKind,
        id: &str,
        provider: &str,
    ) -> Result<FinancialAddress, AddressError> {
        let provider = provider.trim().to_ascii_lowercase();
        let provider_ok = !provider.is_empty()
            && provider.len() <= 20
            && provider
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !provider_ok {
            return Err(AddressError::Provider);
        }
        let id: String = id
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.'))
            .collect();
        if !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(match kind {
                AddressKind::Account => AddressError::Account,
                AddressKind::Mobile => AddressError::Mobile,
            });
        }
        match kind {
            AddressKind::Account if !(6..=20).contains(&id.len()) => Err(AddressError::Account),
            AddressKind::Mobile
                if !(10..=15).contains(&id.len())
                    || !(id.starts_with("08") || id.starts_with("628")) =>
            {
                Err(AddressError::Mobile)
            }
            _ => Ok(FinancialAddress { kind, id, provider }),
        }
    }

    pub fn kind(&self) -> AddressKind {
        self.kind
    }

    /// The account or mobile number. Personal data.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The bank or e-wallet code, lower case.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The id with all but the last four digits hidden, for screens.
    pub fn masked(&self) -> String {
        let keep = self.id.len().min(4);
        format!(
            "{}:{}{}@{}",
            self.kind_code(),
            "•".repeat(self.id.len() - keep),
            &self.id[self.id.len() - keep..],
            self.provider
        )
    }

    fn kind_code(&self) -> &'static str {
        match self.kind {
            AddressKind::Account => "account",
            AddressKind::Mobile => "mobile",
        }
    }
}

impl fmt::Display for FinancialAddress {
    /// The full address. Personal data: for files and partner messages, never for logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}@{}", self.kind_code(), self.id, self.provider)
    }
}

impl fmt::Debug for FinancialAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FinancialAddress({})", self.masked())
    }
}

impl FromStr for FinancialAddress {
    type Err = AddressError;
    /// Case-insensitive in the type and provider (the spec's own regex omits `:`; not used).
    fn from_str(s: &str) -> Result<FinancialAddress, AddressError> {
        let (left, provider) = s.trim().rsplit_once('@').ok_or(AddressError::Form)?;
        let (kind, id) = left.split_once(':').ok_or(AddressError::Form)?;
        let kind = match kind.to_ascii_lowercase().as_str() {
            "account" => AddressKind::Account,
            "mobile" => AddressKind::Mobile,
            _ => return Err(AddressError::Kind),
        };
        FinancialAddress::new(kind, id, provider)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycle_codes_round_trip_and_cover_their_period() {
        for (text, start, end) in [
            ("2027-01", "2027-01-01", "2027-01-31"),
            ("2027-T1", "2027-01-01", "2027-03-31"),
            ("2027-T4", "2027-10-01", "2027-12-31"),
            ("2028-02", "2028-02-01", "2028-02-29"),
            ("2027", "2027-01-01", "2027-12-31"),
        ] {
            let code: CycleCode = text.parse().unwrap();
            assert_eq!(code.to_string(), text);
            let (s, e) = code.period();
            assert_eq!((s.to_string(), e.to_string()), (start.into(), end.into()));
        }
        assert_eq!(
            "2027-t2".parse::<CycleCode>().unwrap().to_string(),
            "2027-T2"
        );
        for bad in [
            "2027-13", "2027-T5", "27-01", "2027-1", "2027-Q1", "", "2027-T0",
        ] {
            assert!(bad.parse::<CycleCode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn cycle_containing_a_date_and_period_check() {
        let d = NaiveDate::from_ymd_opt(2027, 5, 17).unwrap();
        assert_eq!(
            CycleCode::containing(Cycle::Quarterly, d).to_string(),
            "2027-T2"
        );
        assert_eq!(
            CycleCode::containing(Cycle::Monthly, d).to_string(),
            "2027-05"
        );
        let code: CycleCode = "2027-T2".parse().unwrap();
        let (s, e) = (
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
        );
        assert!(code.check_for(Cycle::Quarterly, s, e).is_ok());
        assert!(matches!(
            code.check_for(Cycle::Monthly, s, e),
            Err(CycleCodeError::WrongKind { .. })
        ));
        let late: CycleCode = "2028-T1".parse().unwrap();
        assert!(matches!(
            late.check_for(Cycle::Quarterly, s, e),
            Err(CycleCodeError::OutsidePeriod { .. })
        ));
    }

    #[test]
    fn an_envelope_is_paid_once() {
        use EnvelopeAction as A;
        use EnvelopeState as S;
        let paying = S::Prepared
            .after(A::Approve)
            .unwrap()
            .after(A::Release)
            .unwrap();
        assert_eq!(paying, S::Paying);
        assert!(paying.after(A::Release).is_err());
        assert!(paying.after(A::Cancel).is_err());
        let closed = paying.after(A::Close).unwrap();
        for a in [A::Approve, A::Release, A::Close, A::Cancel] {
            assert!(closed.after(a).is_err());
            assert!(S::Cancelled.after(a).is_err());
        }
        assert!(
            S::Prepared.after(A::Release).is_err(),
            "not without approval"
        );
        let e = S::Closed.after(A::Release).unwrap_err();
        assert!(e.message(Lang::Id).contains("selesai"));
    }

    #[test]
    fn payment_states_only_move_forward() {
        use PaymentState as P;
        assert!(P::Sent.may_become(P::Settled));
        assert!(!P::Settled.may_become(P::Accepted));
        assert!(!P::Rejected.may_become(P::Settled));
        assert!(P::Settled.may_become(P::Returned));
        assert!(!P::Returned.may_become(P::Settled));
        for s in PaymentState::ALL {
            assert_eq!(PaymentState::from_code(s.code()), Some(*s));
            assert!(!s.may_become(*s));
        }
    }

    #[test]
    fn control_totals_add_up_without_overflow() {
        let t = ControlTotals::of([Rupiah::new(200_000), Rupiah::new(750_000)]).unwrap();
        assert_eq!(t.count, 2);
        assert_eq!(t.amount, Rupiah::new(950_000));
        assert!(ControlTotals::of([Rupiah::new(i64::MAX), Rupiah::new(1)]).is_err());
    }

    #[test]
    fn financial_addresses_parse_and_hide_their_id() {
        let a: FinancialAddress = "ACCOUNT:0123-4567-8901@BRI".parse().unwrap();
        assert_eq!(a.to_string(), "account:012345678901@bri");
        assert_eq!(a.masked(), "account:••••••••8901@bri");
        assert!(!format!("{a:?}").contains("0123"));
        let m: FinancialAddress = "mobile:081234567890@dana".parse().unwrap();
        assert_eq!(m.kind(), AddressKind::Mobile);
        assert_eq!(m.provider(), "dana");
        for (bad, err) in [
            ("0123456789@bri", AddressError::Form),
            ("account:0123456789", AddressError::Form),
            ("iban:0123456789@bri", AddressError::Kind),
            ("account:12345@bri", AddressError::Account),
            ("account:12345x789@bri", AddressError::Account),
            ("mobile:0712345678@dana", AddressError::Mobile),
            ("account:0123456789@b r i", AddressError::Provider),
        ] {
            assert_eq!(bad.parse::<FinancialAddress>().unwrap_err(), err, "{bad}");
        }
    }
}
