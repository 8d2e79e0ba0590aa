//! String similarity kernels on bytes (normalised names are almost always ASCII).
//!
//! Written here rather than taken from `strsim` because the hot loop compares short byte strings millions of
//! times: working on bytes with fixed-size flag arrays and no allocation is several times faster than the
//! generic `char` versions. The tests check them against `strsim` on random input.

/// Jaro similarity of two byte strings, in `[0, 1]`.
pub fn jaro(a: &[u8], b: &[u8]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let (a, b) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if b.len() > 128 {
        return jaro_long(a, b);
    }
    // Flags as bit sets: no memory to clear, short strings stay in registers.
    let window = (b.len() / 2).saturating_sub(1);
    let mut b_used: u128 = 0;
    let mut a_used: u128 = 0;
    let mut matches = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for (j, &cb) in b.iter().enumerate().take(hi).skip(lo) {
            if cb == ca && b_used & (1u128 << j) == 0 {
                b_used |= 1u128 << j;
                a_used |= 1u128 << i;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut rest_b = b_used;
    let mut rest_a = a_used;
    while rest_a != 0 {
        let i = rest_a.trailing_zeros() as usize;
        let j = rest_b.trailing_zeros() as usize;
        if a[i] != b[j] {
            transpositions += 1;
        }
        rest_a &= rest_a - 1;
        rest_b &= rest_b - 1;
    }
    let m = matches as f64;
    let t = (transpositions / 2) as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - t) / m) / 3.0
}

fn jaro_long(a: &[u8], b: &[u8]) -> f64 {
    let window = (b.len() / 2).saturating_sub(1);
    let mut b_used = vec![false; b.len()];
    let mut a_used = vec![false; a.len()];
    let mut matches = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_used[j] && b[j] == ca {
                b_used[j] = true;
                a_used[i] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        if a_used[i] {
            while !b_used[j] {
                j += 1;
            }
            if ca != b[j] {
                transpositions += 1;
            }
            j += 1;
        }
    }
    let m = matches as f64;
    let t = (transpositions / 2) as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - t) / m) / 3.0
}

/// Jaro-Winkler similarity (prefix scale 0.1, prefix up to 4, boost only above 0.7), in `[0, 1]`.
pub fn jaro_winkler(a: &[u8], b: &[u8]) -> f64 {
    let j = jaro(a, b);
    if j <= 0.7 {
        return j;
    }
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count() as f64;
    j + 0.1 * prefix * (1.0 - j)
}

/// Jaro-Winkler similarity when it can reach `min`, otherwise 0.0 (a cheap upper bound from letter counts,
/// lengths and the common prefix rules most unrelated pairs out without running Jaro).
pub fn jaro_winkler_min(a: &[u8], b: &[u8], min: f64) -> f64 {
    if a.is_empty() || b.is_empty() {
        return jaro_winkler(a, b);
    }
    let mut ca = [0u8; 32];
    let mut cb = [0u8; 32];
    for &x in a {
        let i = (x & 31) as usize;
        ca[i] = ca[i].saturating_add(1);
    }
    for &x in b {
        let i = (x & 31) as usize;
        cb[i] = cb[i].saturating_add(1);
    }
    let common: usize = ca
        .iter()
        .zip(cb.iter())
        .map(|(x, y)| (*x).min(*y) as usize)
        .sum();
    let m = common as f64;
    let j_ub = (m / a.len() as f64 + m / b.len() as f64 + 1.0) / 3.0;
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count() as f64;
    let jw_ub = if j_ub > 0.7 {
        j_ub + 0.1 * prefix * (1.0 - j_ub)
    } else {
        j_ub
    };
    if jw_ub < min {
        return 0.0;
    }
    jaro_winkler(a, b)
}

/// How two identifier strings of digits differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigitsDiff {
    Equal,
    /// Same length, exactly one position differs.
    OneSubstitution,
    /// Same length, two adjacent positions swapped, nothing else differs.
    AdjacentSwap,
    /// Same length, exactly two positions differ (not a swap).
    TwoSubstitutions,
    /// Anything else.
    Other,
}

/// Compares two identifiers position by position (NIK, KK number): typing errors keep the length.
pub fn digits_diff(a: &[u8], b: &[u8]) -> DigitsDiff {
    if a == b {
        return DigitsDiff::Equal;
    }
    if a.len() != b.len() {
        return DigitsDiff::Other;
    }
    let mut first = usize::MAX;
    let mut second = usize::MAX;
    let mut count = 0;
    for i in 0..a.len() {
        if a[i] != b[i] {
            count += 1;
            if count == 1 {
                first = i;
            } else if count == 2 {
                second = i;
            } else {
                return DigitsDiff::Other;
            }
        }
    }
    match count {
        1 => DigitsDiff::OneSubstitution,
        2 if second == first + 1 && a[first] == b[second] && a[second] == b[first] => {
            DigitsDiff::AdjacentSwap
        }
        2 => DigitsDiff::TwoSubstitutions,
        _ => DigitsDiff::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        assert!((jaro_winkler(b"martha", b"marhta") - 0.9611).abs() < 1e-3);
        assert!((jaro_winkler(b"dixon", b"dicksonx") - 0.8133).abs() < 1e-3);
        assert_eq!(jaro_winkler(b"", b""), 1.0);
        assert_eq!(jaro_winkler(b"a", b""), 0.0);
        assert_eq!(digits_diff(b"1234", b"1234"), DigitsDiff::Equal);
        assert_eq!(digits_diff(b"1234", b"1284"), DigitsDiff::OneSubstitution);
        assert_eq!(digits_diff(b"1234", b"1324"), DigitsDiff::AdjacentSwap);
        assert_eq!(digits_diff(b"1234", b"9294"), DigitsDiff::TwoSubstitutions);
        assert_eq!(digits_diff(b"1234", b"12345"), DigitsDiff::Other);
        assert_eq!(digits_diff(b"1234", b"9999"), DigitsDiff::Other);
    }

    proptest! {
        #[test]
        fn matches_strsim(a in "[a-e ]{0,20}", b in "[a-e ]{0,20}") {
            // Matching is greedy, so Jaro depends on which string is scanned first; this implementation
            // always scans the shorter one (symmetric), so compare with strsim called that way round.
            let (x, y) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
            let ours = jaro_winkler(a.as_bytes(), b.as_bytes());
            prop_assert_eq!(ours, jaro_winkler(b.as_bytes(), a.as_bytes()));
            let theirs = strsim::jaro_winkler(x, y);
            prop_assert!((ours - theirs).abs() < 1e-9, "{a:?} {b:?} {ours} {theirs}");
        }

        #[test]
        fn bounded_version_agrees_above_its_minimum(a in "[a-f ]{0,12}", b in "[a-f ]{0,12}", min in 0.5f64..1.0) {
            let full = jaro_winkler(a.as_bytes(), b.as_bytes());
            let bounded = jaro_winkler_min(a.as_bytes(), b.as_bytes(), min);
            if full >= min {
                prop_assert_eq!(bounded, full);
            } else {
                prop_assert!(bounded == 0.0 || bounded == full);
            }
        }

        #[test]
        fn matches_strsim_long(a in "[a-c]{100,200}", b in "[a-c]{120,200}") {
            let ours = jaro_winkler(a.as_bytes(), b.as_bytes());
            let theirs = strsim::jaro_winkler(&a, &b);
            prop_assert!((ours - theirs).abs() < 1e-9);
        }
    }
}
