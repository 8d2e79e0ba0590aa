//! Programs as versioned data (`docs/programs.md`): the built-in set stored as version 1 of each program,
//! the current set read back and checked, and admins' edits saved as the next version.
//!
//! A stored version is never changed: an edit is checked ([`Program::edited`], then with the rest of the
//! set for `exclusive_with`) and saved as version n + 1 only if the editor saw version n. Someone who
//! edited an older version is told to reload instead of silently overwriting another admin's change.

use tepat_domain::program::{Program, ProgramDef, ProgramError, ProgramErrorKind, Programs};
use tepat_domain::{Lang, Localized};
use tepat_store::{ProgramVersion, Store, StoreError};
use uuid::Uuid;

use crate::access::{Grant, ManagePrograms};
use crate::registry::Origin;

/// The note stored with the built-in programs' first version.
pub const BUILTIN_NOTE: &str = "built-in programs (programs/default.toml)";

/// The longest note kept with a saved version.
pub const NOTE_MAX_CHARS: usize = 500;

/// What an admin saves: a definition from the form, or the program's whole TOML.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    Def(Box<ProgramDef>),
    Toml(String),
}

/// Why programs could not be read or saved. Nothing was saved when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum ProgramsError {
    /// The definition does not check (with the field, the line for TOML, the column for a rule).
    #[error(transparent)]
    Invalid(#[from] ProgramError),
    /// Someone saved another version since the editor loaded `expected`.
    #[error(
        "program {code} was changed by someone else (you edited version {expected}, the latest is {latest}); reload it and make your change again"
    )]
    Stale {
        code: String,
        expected: u32,
        latest: u32,
    },
    #[error("there is no program {code}")]
    NotFound { code: String },
    /// A stored version no longer checks (e.g. a field the rule language dropped).
    #[error("the stored version {version} of program {code} does not check: {error}")]
    Stored {
        code: String,
        version: u32,
        error: ProgramError,
    },
    #[error("the note is longer than {NOTE_MAX_CHARS} characters")]
    NoteTooLong,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ProgramsError {
    /// A stable code for forms and the API.
    pub fn code(&self) -> &'static str {
        match self {
            ProgramsError::Invalid(_) => "program_invalid",
            ProgramsError::Stale { .. } => "program_stale",
            ProgramsError::NotFound { .. } => "not_found",
            ProgramsError::Stored { .. } => "program_stored_invalid",
            ProgramsError::NoteTooLong => "note_too_long",
            ProgramsError::Store(_) => "store",
        }
    }
}

impl Localized for ProgramsError {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (ProgramsError::Invalid(e), _) => e.message(lang),
            (_, Lang::En) => self.to_string(),
            (
                ProgramsError::Stale {
                    code,
                    expected,
                    latest,
                },
                Lang::Id,
            ) => format!(
                "program {code} sudah diubah orang lain (Anda mengubah versi {expected}, versi terakhir {latest}); muat ulang lalu ulangi perubahan Anda"
            ),
            (ProgramsError::NotFound { code }, Lang::Id) => format!("tidak ada program {code}"),
            (
                ProgramsError::Stored {
                    code,
                    version,
                    error,
                },
                Lang::Id,
            ) => format!(
                "versi {version} program {code} yang tersimpan tidak lolos pemeriksaan: {}",
                error.message(Lang::Id)
            ),
            (ProgramsError::NoteTooLong, Lang::Id) => {
                format!("catatan lebih dari {NOTE_MAX_CHARS} karakter")
            }
            (ProgramsError::Store(_), Lang::Id) => {
                "terjadi kesalahan basis data; coba lagi atau hubungi administrator".into()
            }
        }
    }
}

/// Stores the built-in programs as version 1 of each when the store has no program yet (a fresh
/// database); returns how many were stored (0 when programs were there already).
pub async fn seed_builtin(store: &dyn Store, origin: &Origin) -> Result<usize, ProgramsError> {
    if !store.programs().await?.is_empty() {
        return Ok(0);
    }
    let builtin = Programs::builtin();
    let mut saved = 0;
    for program in builtin.iter() {
        let mut def = program.def().clone();
        def.version = 1;
        let version = ProgramVersion {
            code: def.code.clone(),
            version: 1,
            body: def.to_toml(),
            saved_by: Uuid::nil(),
            saved_at: origin.now,
            note: BUILTIN_NOTE.into(),
        };
        match store.save_program_version(&version).await {
            Ok(()) => saved += 1,
            // Another process seeded the same program at the same moment: its version 1 stands.
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(saved)
}

/// The latest version of every stored program, checked together.
pub async fn current(store: &dyn Store) -> Result<Programs, ProgramsError> {
    let versions = store.programs().await?;
    let programs = versions
        .iter()
        .map(checked)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Programs::new(programs)?)
}

/// The latest version of one program.
pub async fn get(store: &dyn Store, code: &str) -> Result<Program, ProgramsError> {
    match store.program(code).await? {
        Some(v) => checked(&v),
        None => Err(not_found(code)),
    }
}

/// One version of a program, as a run that used it saw it.
pub async fn get_version(
    store: &dyn Store,
    code: &str,
    version: u32,
) -> Result<Program, ProgramsError> {
    match store.program_at(code, version).await? {
        Some(v) => checked(&v),
        None => Err(not_found(code)),
    }
}

/// Every stored version of a program, newest first (empty for an unknown code).
pub async fn history(store: &dyn Store, code: &str) -> Result<Vec<ProgramVersion>, ProgramsError> {
    Ok(store.program_history(code).await?)
}

/// Saves an admin's edit of program `code` as its next version. `expected_version` is the version the
/// admin edited (0 for a new program); a stale one is refused with [`ProgramsError::Stale`].
pub async fn save(
    store: &dyn Store,
    grant: &Grant<'_, ManagePrograms>,
    code: &str,
    expected_version: u32,
    edit: Edit,
    note: &str,
    origin: &Origin,
) -> Result<Program, ProgramsError> {
    if note.chars().count() > NOTE_MAX_CHARS {
        return Err(ProgramsError::NoteTooLong);
    }
    let mut def = match edit {
        Edit::Def(def) => *def,
        Edit::Toml(text) => ProgramDef::from_toml(&text)?,
    };
    if def.code != code {
        return Err(ProgramError {
            program: Some(code.to_owned()),
            field: "code".into(),
            line: None,
            kind: ProgramErrorKind::CodeChanged,
        }
        .into());
    }
    let programs = current(store).await?;
    let latest = programs.get(code).map_or(0, |p| p.version);
    if latest != expected_version {
        return Err(ProgramsError::Stale {
            code: code.to_owned(),
            expected: expected_version,
            latest,
        });
    }
    let program = match programs.get(code) {
        Some(_) => {
            let mut next = programs.clone();
            next.save(def)?.clone()
        }
        None => {
            def.version = 1;
            let program = Program::new(def)?;
            let mut all: Vec<Program> = programs.iter().cloned().collect();
            all.push(program.clone());
            Programs::new(all)?;
            program
        }
    };
    let version = ProgramVersion {
        code: program.code.clone(),
        version: program.version,
        body: program.def().to_toml(),
        saved_by: grant.actor().user(),
        saved_at: origin.now,
        note: note.trim().to_owned(),
    };
    store
        .save_program_version(&version)
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => ProgramsError::Stale {
                code: code.to_owned(),
                expected: expected_version,
                latest: expected_version + 1,
            },
            other => other.into(),
        })?;
    Ok(program)
}

fn checked(version: &ProgramVersion) -> Result<Program, ProgramsError> {
    let stored = |error| ProgramsError::Stored {
        code: version.code.clone(),
        version: version.version,
        error,
    };
    let mut def = ProgramDef::from_toml(&version.body).map_err(stored)?;
    // The store's version number is the authority, whatever the body says.
    def.version = version.version;
    Program::new(def).map_err(stored)
}

fn not_found(code: &str) -> ProgramsError {
    ProgramsError::NotFound {
        code: code.to_owned(),
    }
}

/// What loading a programs file did to one program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    /// Not stored before: version 1.
    New { code: String },
    /// Different from the stored latest: saved as the next version.
    Changed { code: String, version: u32 },
    /// The same as the stored latest (apart from the version number): nothing saved.
    Unchanged { code: String, version: u32 },
}

/// Loads a programs file (the format of `programs/default.toml`, `docs/programs.md`): every program in it
/// that differs from its stored latest version becomes the next version, a new code version 1. The file
/// is checked whole (its `exclusive_with` name programs of the same file, as in `programs/default.toml`),
/// then together with the stored programs it leaves out, before anything is saved; those are kept.
pub async fn load(
    store: &dyn Store,
    grant: &Grant<'_, ManagePrograms>,
    text: &str,
    note: &str,
    origin: &Origin,
) -> Result<Vec<Loaded>, ProgramsError> {
    if note.chars().count() > NOTE_MAX_CHARS {
        return Err(ProgramsError::NoteTooLong);
    }
    let file = Programs::from_toml(text)?;
    let stored = current(store).await?;
    let (merged, outcome) = merge(&stored, &file)?;
    Programs::new(merged.clone())?;
    for program in merged.iter().filter(|p| is_saved_by(&outcome, p)) {
        let version = ProgramVersion {
            code: program.code.clone(),
            version: program.version,
            body: program.def().to_toml(),
            saved_by: grant.actor().user(),
            saved_at: origin.now,
            note: note.trim().to_owned(),
        };
        store
            .save_program_version(&version)
            .await
            .map_err(|e| match e {
                StoreError::Conflict { .. } => ProgramsError::Stale {
                    code: program.code.clone(),
                    expected: program.version - 1,
                    latest: program.version,
                },
                other => other.into(),
            })?;
    }
    Ok(outcome)
}

/// The stored set with the file's programs in it, each numbered as the version it would be saved as.
fn merge(stored: &Programs, file: &Programs) -> Result<(Vec<Program>, Vec<Loaded>), ProgramsError> {
    let mut merged: Vec<Program> = stored
        .iter()
        .filter(|p| file.get(&p.code).is_none())
        .cloned()
        .collect();
    let mut outcome = Vec::new();
    for program in file.iter() {
        let code = program.code.clone();
        match stored.get(&code) {
            None => {
                let mut def = program.def().clone();
                def.version = 1;
                merged.push(Program::new(def)?);
                outcome.push(Loaded::New { code });
            }
            Some(old) if same_apart_from_version(old.def(), program.def()) => {
                merged.push(old.clone());
                outcome.push(Loaded::Unchanged {
                    code,
                    version: old.version,
                });
            }
            Some(old) => {
                let next = old.edited(program.def().clone())?;
                outcome.push(Loaded::Changed {
                    code,
                    version: next.version,
                });
                merged.push(next);
            }
        }
    }
    Ok((merged, outcome))
}

fn same_apart_from_version(a: &ProgramDef, b: &ProgramDef) -> bool {
    let mut b = b.clone();
    b.version = a.version;
    *a == b
}

fn is_saved_by(outcome: &[Loaded], program: &Program) -> bool {
    outcome.iter().any(|o| match o {
        Loaded::New { code } | Loaded::Changed { code, .. } => *code == program.code,
        Loaded::Unchanged { .. } => false,
    })
}
