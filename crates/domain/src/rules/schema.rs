//! What a rule may name: fields of the household and of each member, with their types.
//!
//! The schema is data, so that a program's rules can be checked in the app before they are saved; the
//! fields tepat's targeting offers are defined where the registry records are (targeting).

/// Whose field it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Household,
    /// Each member; only inside `any`, `all` and `count`.
    Member,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Int,
    Bool,
    /// One code of a code list (e.g. the sector of work).
    Code(&'static [&'static str]),
}

/// One field a rule may name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    pub name: &'static str,
    pub scope: Scope,
    pub ty: FieldType,
    /// What it means, for the rule editor's help.
    pub about_id: &'static str,
    pub about_en: &'static str,
}

/// The fields, in a fixed order: a field's index is how [`super::Subject`] is asked for its value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    fields: Vec<FieldDef>,
}

impl Schema {
    /// # Panics
    /// On two fields with the same name and scope: a schema is written by the developers, not the users.
    pub fn new(fields: Vec<FieldDef>) -> Schema {
        for (i, f) in fields.iter().enumerate() {
            assert!(
                !fields[..i]
                    .iter()
                    .any(|g| g.name == f.name && g.scope == f.scope),
                "field {} defined twice",
                f.name
            );
        }
        Schema { fields }
    }

    pub fn fields(&self) -> &[FieldDef] {
        &self.fields
    }

    pub(crate) fn find(&self, scope: Scope, name: &str) -> Option<(usize, &FieldDef)> {
        self.fields
            .iter()
            .enumerate()
            .find(|(_, f)| f.scope == scope && f.name == name)
    }

    /// The closest field name, for "did you mean".
    pub(crate) fn closest(&self, name: &str) -> Option<String> {
        closest(name, self.fields.iter().map(|f| f.name))
    }
}

/// The candidate within edit distance 2 (or a third of the word) of `word`, if any.
pub(crate) fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .map(|c| (distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_owned())
}

/// Levenshtein distance, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_suggests_only_near_words() {
        let words = ["nelayan", "kukm", "phk", "dirumahkan"];
        assert_eq!(
            closest("nelayn", words.into_iter()).as_deref(),
            Some("nelayan")
        );
        assert_eq!(
            closest("dirumahkn", words.into_iter()).as_deref(),
            Some("dirumahkan")
        );
        assert_eq!(closest("petani", words.into_iter()), None);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
