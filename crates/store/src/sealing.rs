//! How population rows are made safe to store: the NIK and KK number are encrypted (bound to table, column
//! and row id) and indexed with keyed blind indexes; a keyed content hash tells whether a row changed.
//!
//! Sealing is CPU work independent of the database, so [`PopulationSealer`] can run on the thread that
//! reads the file while the database writes the previous batch. Its output ([`SealedPopulationBatch`]) can
//! only be made here, so nothing outside this crate can hand the database a plaintext NIK.

use std::sync::Arc;

use rayon::prelude::*;
use tepat_crypto::{Aad, BlindIndex, Keyring};
use tepat_domain::{KkNumber, Nik};
use uuid::Uuid;

use crate::error::StoreError;
use crate::model::PopulationRecord;

pub(crate) const PERSON_TABLE: &str = "population_person";
const NIK_COLUMN: &str = "nik_sealed";
const KK_COLUMN: &str = "kk_sealed";
/// Blind-index purposes, fixed by the design (`docs/storage.md`): changing them orphans every index.
const NIK_PURPOSE: &str = "nik";
const KK_PURPOSE: &str = "kk";
const CONTENT_PURPOSE: &str = "population_row";

/// A blind index as stored: the first 128 bits of the HMAC. Half the size in the table and in both
/// indexes, and still without collisions in practice (two of 300 million NIKs colliding: about 1 in
/// 10^20).
pub(crate) type StoredIndex = [u8; 16];

/// Length of the stored content hash. 128 bits is plenty to notice a change; the full 256 would only
/// make every row 16 bytes bigger.
pub(crate) const CONTENT_HASH_LEN: usize = 16;

/// Seals population records with the store's keyring. Cheap to clone; `Send`, so it can live on a
/// reader thread.
#[derive(Clone)]
pub struct PopulationSealer {
    keyring: Arc<Keyring>,
    /// Encrypt in [`seal`](Self::seal) (true), or only index and hash there and encrypt when the row is
    /// known to be written (false: an import into a table that has rows, where most rows of a
    /// re-import turn out unchanged and encrypting them would be wasted).
    eager: bool,
}

/// Records ready for [`crate::PopulationImport::write_sealed`]: identifiers encrypted and indexed.
pub struct SealedPopulationBatch {
    pub(crate) rows: Vec<SealedRow>,
}

impl SealedPopulationBatch {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// One record with everything the database stores for it. `id` is a fresh UUIDv7; when the person is
/// already stored, the import re-seals under the stored id instead. The ciphertexts are empty until
/// sealed (a lazy sealer leaves them to the import).
pub(crate) struct SealedRow {
    pub record: PopulationRecord,
    pub id: Uuid,
    pub nik_index: StoredIndex,
    pub kk_index: StoredIndex,
    pub nik_sealed: Vec<u8>,
    pub kk_sealed: Vec<u8>,
    pub content_hash: [u8; CONTENT_HASH_LEN],
}

/// Rows per rayon task: sealing one row takes microseconds, so small tasks would cost more than they save.
const PAR_MIN_LEN: usize = 256;

impl PopulationSealer {
    /// The keys this sealer seals with.
    pub(crate) fn keyring(&self) -> &Arc<Keyring> {
        &self.keyring
    }

    pub(crate) fn new(keyring: Arc<Keyring>) -> PopulationSealer {
        PopulationSealer {
            keyring,
            eager: true,
        }
    }

    /// The same keys, encrypting only rows that are going to be written.
    pub(crate) fn lazy(&self) -> PopulationSealer {
        PopulationSealer {
            keyring: self.keyring.clone(),
            eager: false,
        }
    }

    /// Seals a batch, in parallel where cores are free.
    pub fn seal(&self, records: Vec<PopulationRecord>) -> SealedPopulationBatch {
        let rows = records
            .into_par_iter()
            .with_min_len(PAR_MIN_LEN)
            .map(|record| self.seal_row(record, new_id()))
            .collect();
        SealedPopulationBatch { rows }
    }

    fn seal_row(&self, record: PopulationRecord, id: Uuid) -> SealedRow {
        let mut row = SealedRow {
            nik_index: self.nik_index(&record.nik),
            kk_index: self.kk_index(&record.kk_number),
            nik_sealed: Vec::new(),
            kk_sealed: Vec::new(),
            content_hash: self.content_hash(&record),
            id,
            record,
        };
        if self.eager {
            self.reseal(&mut row, id);
        }
        row
    }

    /// Seals the row's identifiers under `id` (its own, or the one already stored for the person).
    pub(crate) fn reseal(&self, row: &mut SealedRow, id: Uuid) {
        row.id = id;
        row.nik_sealed = self.seal_nik(id, &row.record.nik);
        row.kk_sealed = self.seal_kk(id, &row.record.kk_number);
    }

    pub(crate) fn nik_index(&self, nik: &Nik) -> StoredIndex {
        truncate(
            self.keyring
                .blind_index(NIK_PURPOSE, nik.digits().as_bytes()),
        )
    }

    pub(crate) fn kk_index(&self, kk: &KkNumber) -> StoredIndex {
        truncate(self.keyring.blind_index(KK_PURPOSE, kk.digits().as_bytes()))
    }

    fn seal_nik(&self, id: Uuid, nik: &Nik) -> Vec<u8> {
        self.keyring
            .seal(&aad(NIK_COLUMN, &id), nik.digits().as_bytes())
    }

    fn seal_kk(&self, id: Uuid, kk: &KkNumber) -> Vec<u8> {
        self.keyring
            .seal(&aad(KK_COLUMN, &id), kk.digits().as_bytes())
    }

    pub(crate) fn open_nik(&self, id: Uuid, sealed: &[u8]) -> Result<Nik, StoreError> {
        let digits = self.open(NIK_COLUMN, id, sealed, "NIK")?;
        Nik::parse_structure(&digits).map_err(|_| StoreError::Undecryptable { what: "NIK" })
    }

    pub(crate) fn open_kk(&self, id: Uuid, sealed: &[u8]) -> Result<KkNumber, StoreError> {
        let digits = self.open(KK_COLUMN, id, sealed, "KK number")?;
        KkNumber::parse_structure(&digits)
            .map_err(|_| StoreError::Undecryptable { what: "KK number" })
    }

    fn open(
        &self,
        column: &str,
        id: Uuid,
        sealed: &[u8],
        what: &'static str,
    ) -> Result<String, StoreError> {
        let plain = self
            .keyring
            .open(&aad(column, &id), sealed)
            .map_err(|_| StoreError::Undecryptable { what })?;
        String::from_utf8(plain).map_err(|_| StoreError::Undecryptable { what })
    }

    /// A keyed hash of every field. Keyed because a plain hash over a row that contains a NIK would let
    /// anyone with the database confirm a guessed NIK offline.
    fn content_hash(&self, r: &PopulationRecord) -> [u8; CONTENT_HASH_LEN] {
        let mut buf = Vec::with_capacity(256);
        let mut field = |s: &str| {
            buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
            buf.extend_from_slice(s.as_bytes());
        };
        field(r.nik.digits());
        field(r.kk_number.digits());
        field(&r.full_name);
        field(r.sex.letter());
        field(&r.birth_place);
        field(&r.birth_date.to_string());
        field(r.religion.map_or("", |x| x.code()));
        field(r.marital_status.map_or("", |x| x.code()));
        field(r.relationship.code());
        field(&r.address);
        field(&r.rt);
        field(&r.rw);
        field(r.village.plain());
        field(&r.occupation);
        field(&r.death_date.map(|d| d.to_string()).unwrap_or_default());
        truncate(self.keyring.blind_index(CONTENT_PURPOSE, &buf))
    }
}

fn truncate(full: BlindIndex) -> [u8; 16] {
    full[..16].try_into().expect("16 of 32 bytes")
}

/// A UUIDv7: milliseconds since 1970, then random bits from the thread's generator. (`Uuid::now_v7` asks
/// the operating system for randomness on every call, a system call per row.)
pub(crate) fn new_id() -> Uuid {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let mut random = [0u8; 10];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut random);
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
}

fn aad<'a>(column: &'a str, id: &'a Uuid) -> Aad<'a> {
    Aad {
        table: PERSON_TABLE,
        column,
        row: id.as_bytes(),
    }
}
