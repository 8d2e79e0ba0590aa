//! Program files: reading a set of programs from TOML with errors that name the program, the field and
//! the line, and writing them back.

use serde::{Deserialize, Serialize};

use super::{Program, ProgramDef, ProgramError, ProgramErrorKind};

/// A set of checked programs with unique codes; exclusivity names only programs in the set.
#[derive(Debug, Clone, PartialEq)]
pub struct Programs {
    programs: Vec<Program>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIn {
    #[serde(default)]
    program: Vec<ProgramDef>,
}

#[derive(Serialize)]
struct FileOut<'a> {
    program: Vec<&'a ProgramDef>,
}

impl ProgramDef {
    /// One program in the file format (a file with one `[[program]]`): what a stored version keeps.
    pub fn to_toml(&self) -> String {
        let file = FileOut {
            program: vec![self],
        };
        toml::to_string(&file).expect("program definitions are plain TOML data")
    }

    /// Reads a file of exactly one program; only its shape is checked here ([`Program::new`] checks
    /// the rest, and [`Programs::new`] the codes it excludes).
    pub fn from_toml(text: &str) -> Result<ProgramDef, ProgramError> {
        let file: FileIn = toml::from_str(text).map_err(|e| format_error(text, &e))?;
        let count = file.program.len();
        let mut programs = file.program.into_iter();
        match (programs.next(), count) {
            (Some(def), 1) => Ok(def),
            _ => Err(ProgramError {
                program: None,
                field: "program".into(),
                line: None,
                kind: ProgramErrorKind::Format(format!("expected one program, found {count}")),
            }),
        }
    }
}

impl Programs {
    /// The programs shipped with tepat (`programs/default.toml`).
    pub fn builtin() -> Programs {
        Programs::from_toml(include_str!("../../../../programs/default.toml"))
            .expect("programs/default.toml is checked by the tests")
    }

    /// Reads and checks a programs file; an error names the program, the field and the line.
    pub fn from_toml(text: &str) -> Result<Programs, ProgramError> {
        let file: FileIn = toml::from_str(text).map_err(|e| format_error(text, &e))?;
        let sections = program_sections(text, file.program.len());
        let programs = file
            .program
            .into_iter()
            .map(Program::new)
            .collect::<Result<Vec<_>, _>>()
            .and_then(Programs::new);
        programs.map_err(|mut e| {
            e.line = e
                .program
                .as_deref()
                .and_then(|code| section_of(text, &sections, code))
                .map(|range| locate(text, range, &e.field));
            e
        })
    }

    /// Checks a set of programs together: unique codes, known exclusivity codes.
    pub fn new(programs: Vec<Program>) -> Result<Programs, ProgramError> {
        for (i, p) in programs.iter().enumerate() {
            if programs[..i].iter().any(|q| q.code == p.code) {
                return Err(ProgramError::new(
                    &p.code,
                    "code",
                    ProgramErrorKind::DuplicateCode,
                ));
            }
            for other in &p.exclusive_with {
                if !programs.iter().any(|q| q.code == *other) {
                    let kind = ProgramErrorKind::UnknownProgram(other.clone());
                    return Err(ProgramError::new(&p.code, "exclusive_with", kind));
                }
            }
        }
        Ok(Programs { programs })
    }

    /// The file form, for export and the admin editor; reading it back gives the same programs.
    pub fn to_toml(&self) -> String {
        let file = FileOut {
            program: self.programs.iter().map(Program::def).collect(),
        };
        toml::to_string(&file).expect("program definitions are plain TOML data")
    }

    pub fn get(&self, code: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.code == code)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Program> {
        self.programs.iter()
    }

    /// Saves an edit of program `def.code` as its next version, checked with the rest of the set.
    pub fn save(&mut self, def: ProgramDef) -> Result<&Program, ProgramError> {
        let Some(index) = self.programs.iter().position(|p| p.code == def.code) else {
            let kind = ProgramErrorKind::UnknownProgram(def.code.clone());
            return Err(ProgramError::new(&def.code, "code", kind));
        };
        let mut next = self.programs.clone();
        next[index] = self.programs[index].edited(def)?;
        *self = Programs::new(next)?;
        Ok(&self.programs[index])
    }
}

/// A TOML or shape error, with its line and the code of the program it is in when one precedes it.
fn format_error(text: &str, e: &toml::de::Error) -> ProgramError {
    let offset = e.span().map(|s| s.start);
    let line = offset.map(|o| line_at(text, o));
    let before = &text[..offset.unwrap_or(0).min(text.len())];
    let program = before
        .rsplit("[[program]]")
        .next()
        .filter(|_| before.contains("[[program]]"))
        .and_then(|section| section.lines().find_map(code_value));
    ProgramError {
        program,
        field: line
            .and_then(|n| text.lines().nth(n - 1))
            .and_then(|l| l.split_once('='))
            .map_or("file", |(key, _)| key.trim())
            .to_owned(),
        line,
        kind: ProgramErrorKind::Format(e.message().to_owned()),
    }
}

fn code_value(line: &str) -> Option<String> {
    let rest = key_value(line, "code")?;
    Some(rest.trim().trim_matches('"').to_owned())
}

/// The text after `key =` when `line` assigns `key`.
fn key_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.trim_start()
        .strip_prefix(key)?
        .trim_start()
        .strip_prefix('=')
}

fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Line ranges (0-based, end exclusive) of the `[[program]]` sections, when the file uses them.
fn program_sections(text: &str, count: usize) -> Vec<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let starts: Vec<usize> = (0..lines.len())
        .filter(|i| lines[*i].trim() == "[[program]]")
        .collect();
    if starts.len() != count {
        return Vec::new();
    }
    starts
        .iter()
        .enumerate()
        .map(|(k, s)| (*s, starts.get(k + 1).copied().unwrap_or(lines.len())))
        .collect()
}

/// The section whose `code = …` is `code` (the last one, for a duplicate).
fn section_of(text: &str, sections: &[(usize, usize)], code: &str) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    sections.iter().rev().copied().find(|(s, e)| {
        lines[*s..*e]
            .iter()
            .any(|l| code_value(l).as_deref() == Some(code))
    })
}

/// The 1-based line of `field` (e.g. `benefit.component[2].condition`) within a program's section; the
/// section's header when the field is not written there.
fn locate(text: &str, (start, end): (usize, usize), field: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let (mut from, mut to) = (start, end);
    let key = match field.split_once('[') {
        Some((table, rest)) => {
            let (index, key) = rest
                .split_once("].")
                .unwrap_or((rest.trim_end_matches(']'), ""));
            let header = format!("[[program.{table}]]");
            let index: usize = index.parse().unwrap_or(0);
            if let Some(h) = (start..end)
                .filter(|i| lines[*i].trim() == header)
                .nth(index)
            {
                from = h;
                to = (h + 1..end)
                    .find(|i| lines[*i].trim_start().starts_with('['))
                    .unwrap_or(end);
            }
            key
        }
        None => field.rsplit('.').next().unwrap_or(field),
    };
    (from..to)
        .find(|i| key_value(lines[*i], key).is_some())
        .unwrap_or(from)
        + 1
}
