//! Masked names for public lists (the village objection list): the first and the last letter of each
//! word, the rest as `*`, as Cek Bansos shows them (`SITI NURHALIZA` → `S**I N*******A`). A word of one or
//! two letters keeps only its first. See `reference/privacy-law.md`: never a full name, never with a NIK.

/// `Siti Nurhaliza` → `S**I N*******A`.
pub fn mask_name(name: &str) -> String {
    name.split_whitespace()
        .map(|word| {
            let letters: Vec<char> = word.chars().flat_map(char::to_uppercase).collect();
            let n = letters.len();
            letters
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 0 || (i == n - 1 && n > 2) {
                        *c
                    } else {
                        '*'
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::mask_name;

    #[test]
    fn names_keep_only_first_and_last_letters() {
        assert_eq!(mask_name("Siti Nurhaliza"), "S**I N*******A");
        assert_eq!(mask_name("  ahmad   fauzi "), "A***D F***I");
        assert_eq!(mask_name("Al"), "A*");
        assert_eq!(mask_name("I"), "I");
        assert_eq!(mask_name(""), "");
    }
}
