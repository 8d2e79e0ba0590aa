//! Reading submitted forms: the values as typed (kept to show the form again on an error), errors that
//! name the field in the user's language, and the choices of `<select>` lists.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::strings::RegistryStrings;

/// A submitted (or pre-filled) form: field name → value as typed.
#[derive(Debug, Default, Clone)]
pub struct Values(BTreeMap<String, String>);

impl Values {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Values {
        let mut map = BTreeMap::new();
        for (k, v) in pairs {
            // A checkbox and a hidden field of the same name: the checkbox wins (it comes last).
            map.insert(k, v);
        }
        Values(map)
    }

    /// The value as typed, trimmed ("" when absent): what the template shows again.
    pub fn val(&self, name: impl AsRef<str>) -> &str {
        self.0.get(name.as_ref()).map_or("", |v| v.trim())
    }

    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.insert(name.into(), value.into());
    }

    pub fn checked(&self, name: impl AsRef<str>) -> bool {
        matches!(self.val(name), "1" | "on" | "true")
    }

    pub fn is_empty_at(&self, name: &str) -> bool {
        self.val(name).is_empty()
    }
}

/// Problems with a form: one message per field, shown beside the field and listed on top.
#[derive(Debug, Default)]
pub struct Errors {
    pub list: Vec<FieldError>,
}

#[derive(Debug)]
pub struct FieldError {
    /// The form field's name (for `id`/`aria-describedby`).
    pub field: String,
    /// "NIK (anggota 2): NIK harus 16 angka".
    pub message: String,
}

impl Errors {
    pub fn add(&mut self, field: &str, label: &str, problem: &str) {
        self.list.push(FieldError {
            field: field.to_owned(),
            message: format!("{label}: {problem}"),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The message for `field`, if it has one (templates show it under the field).
    pub fn of(&self, field: impl AsRef<str>) -> &str {
        self.list
            .iter()
            .find(|e| e.field == field.as_ref())
            .map_or("", |e| e.message.as_str())
    }
}

/// One `<option>`.
#[derive(Debug, Clone)]
pub struct Choice {
    pub code: &'static str,
    pub label: &'static str,
}

/// The choices of a code list (`Floor`, `Sector`, …) in `lang`.
macro_rules! choices {
    ($ty:ty, $lang:expr) => {
        <$ty>::ALL
            .iter()
            .map(|v| $crate::ui::registry::form::Choice {
                code: v.code(),
                label: v.label($lang),
            })
            .collect::<Vec<_>>()
    };
}
pub(crate) use choices;

/// A date as `<input type="date">` sends it.
pub fn date(
    v: &Values,
    field: &str,
    label: &str,
    r: &RegistryStrings,
    e: &mut Errors,
) -> Option<NaiveDate> {
    let s = v.val(field);
    if s.is_empty() {
        e.add(field, label, r.err_required);
        return None;
    }
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            e.add(field, label, r.err_date);
            None
        }
    }
}

/// A required text field.
pub fn required<'v>(
    v: &'v Values,
    field: &str,
    label: &str,
    r: &RegistryStrings,
    e: &mut Errors,
) -> Option<&'v str> {
    let s = v.val(field);
    if s.is_empty() {
        e.add(field, label, r.err_required);
        None
    } else {
        Some(s)
    }
}

/// A whole number ≥ 0 (empty is 0).
pub fn count(v: &Values, field: &str, label: &str, r: &RegistryStrings, e: &mut Errors) -> u32 {
    let s = v.val(field);
    if s.is_empty() {
        return 0;
    }
    s.parse().unwrap_or_else(|_| {
        e.add(field, label, r.err_number);
        0
    })
}
