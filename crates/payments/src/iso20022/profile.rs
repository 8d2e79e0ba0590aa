//! Bank profiles: what each bank is assumed to accept in a pain.001 file.
//!
//! Which pain.001 version, whether IDR amounts may carry decimals and how many transfers fit in one
//! file are bank-specific and written in each bank's implementation guide, which is not public. The
//! values below are assumptions to confirm with each bank before going live (docs/bank-files.md); they
//! mix versions and amount styles on purpose so that both paths of the writer are used.

/// The pain.001 version a bank accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pain001Version {
    /// pain.001.001.03 (2009), still the most common in bank guides.
    V03,
    /// pain.001.001.09 (2019).
    V09,
}

impl Pain001Version {
    pub fn namespace(self) -> &'static str {
        match self {
            Pain001Version::V03 => "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03",
            Pain001Version::V09 => "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09",
        }
    }

    /// The message name without `urn:…:xsd:`, e.g. `pain.001.001.03`.
    pub fn message_name(self) -> &'static str {
        match self {
            Pain001Version::V03 => "pain.001.001.03",
            Pain001Version::V09 => "pain.001.001.09",
        }
    }
}

/// One bank that receives credit-transfer files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankProfile {
    /// tepat's code for the bank, as in the mapper's `provider` column (`bri`, `mandiri`, …).
    pub code: &'static str,
    pub name: &'static str,
    /// The bank's BIC (SWIFT code), also the creditor agent: households are paid from the office's
    /// account at the same bank, so debtor and creditor agents are one bank.
    pub bic: &'static str,
    pub version: Pain001Version,
    /// Whether amounts are written with two decimals (`150000.00`) or as whole rupiah (`150000`).
    pub decimals: bool,
    /// Larger batches are split into several files.
    pub max_transfers_per_file: usize,
}

impl BankProfile {
    /// The bank's four-letter code, the first part of its BIC (`BMRI` for Mandiri); it names the bank
    /// inside message ids.
    pub fn bank_code4(&self) -> &'static str {
        &self.bic[..4]
    }
}

/// The Himbara banks (state-owned banks that pay bansos) and BSI. Assumed, not confirmed: see the
/// module documentation.
pub const BANKS: &[BankProfile] = &[
    BankProfile {
        code: "bri",
        name: "Bank Rakyat Indonesia",
        bic: "BRINIDJA",
        version: Pain001Version::V03,
        decimals: false,
        max_transfers_per_file: 50_000,
    },
    BankProfile {
        code: "bni",
        name: "Bank Negara Indonesia",
        bic: "BNINIDJA",
        version: Pain001Version::V09,
        decimals: true,
        max_transfers_per_file: 25_000,
    },
    BankProfile {
        code: "mandiri",
        name: "Bank Mandiri",
        bic: "BMRIIDJA",
        version: Pain001Version::V09,
        decimals: false,
        max_transfers_per_file: 50_000,
    },
    BankProfile {
        code: "btn",
        name: "Bank Tabungan Negara",
        bic: "BTANIDJA",
        version: Pain001Version::V03,
        decimals: true,
        max_transfers_per_file: 10_000,
    },
    BankProfile {
        code: "bsi",
        name: "Bank Syariah Indonesia",
        bic: "BSMDIDJA",
        version: Pain001Version::V09,
        decimals: true,
        max_transfers_per_file: 25_000,
    },
];

/// The profile of the bank with tepat code `code` (case-insensitive).
pub fn bank(code: &str) -> Option<&'static BankProfile> {
    BANKS.iter().find(|b| b.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banks_are_found_by_code_and_use_both_versions_and_amount_styles() {
        assert_eq!(bank("Mandiri").unwrap().bic, "BMRIIDJA");
        assert!(bank("bca").is_none());
        assert!(BANKS.iter().any(|b| b.version == Pain001Version::V03));
        assert!(BANKS.iter().any(|b| b.version == Pain001Version::V09));
        assert!(BANKS.iter().any(|b| b.decimals) && BANKS.iter().any(|b| !b.decimals));
        let mut codes4: Vec<_> = BANKS.iter().map(|b| b.bank_code4()).collect();
        codes4.sort();
        codes4.dedup();
        assert_eq!(codes4.len(), BANKS.len());
    }
}
