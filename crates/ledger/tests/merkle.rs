//! RFC 9162 vectors (the 8-leaf CT / transparency-dev set), the known negative cases, and properties over
//! random trees.

use proptest::prelude::*;
use tepat_ledger::hash::sha256;
use tepat_ledger::merkle::{consistency_proof_len, inclusion_proof_len};
use tepat_ledger::{
    empty_root, leaf_hash, verify_consistency, verify_inclusion, Hash, MemoryTree, VerifyError,
};

fn h(hex: &str) -> Hash {
    Hash::from_hex(hex).unwrap()
}

fn entries() -> Vec<Vec<u8>> {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|s| {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    })
    .collect()
}

fn tree() -> MemoryTree {
    let mut t = MemoryTree::new();
    for e in entries() {
        t.push_entry(&e);
    }
    t
}

struct Names;
impl Names {
    fn get(name: &str) -> Hash {
        h(match name {
            "L0[0]" => "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "L0[1]" => "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "L0[2]" => "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "L0[3]" => "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "L0[4]" => "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "L0[5]" => "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
            "L0[6]" => "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "L0[7]" => "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
            "L1[0]" => "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "L1[1]" => "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "L1[2]" => "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "L1[3]" => "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "L2[0]" => "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "L2[1]" => "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            "X" => "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
            other => panic!("unknown name {other}"),
        })
    }
    fn list(names: &[&str]) -> Vec<Hash> {
        names.iter().map(|n| Self::get(n)).collect()
    }
}

const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

fn inclusion_vectors() -> Vec<(u64, u64, Vec<&'static str>)> {
    vec![
        (0, 1, vec![]),
        (0, 2, vec!["L0[1]"]),
        (1, 2, vec!["L0[0]"]),
        (2, 3, vec!["L1[0]"]),
        (1, 5, vec!["L0[0]", "L1[1]", "L0[4]"]),
        (2, 5, vec!["L0[3]", "L1[0]", "L0[4]"]),
        (0, 7, vec!["L0[1]", "L1[1]", "X"]),
        (3, 7, vec!["L0[2]", "L1[0]", "X"]),
        (4, 7, vec!["L0[5]", "L0[6]", "L2[0]"]),
        (6, 7, vec!["L1[2]", "L2[0]"]),
        (0, 8, vec!["L0[1]", "L1[1]", "L2[1]"]),
        (3, 8, vec!["L0[2]", "L1[0]", "L2[1]"]),
        (5, 8, vec!["L0[4]", "L1[3]", "L2[0]"]),
        (7, 8, vec!["L0[6]", "L1[2]", "L2[0]"]),
    ]
}

fn consistency_vectors() -> Vec<(u64, u64, Vec<&'static str>)> {
    vec![
        (1, 2, vec!["L0[1]"]),
        (1, 8, vec!["L0[1]", "L1[1]", "L2[1]"]),
        (2, 5, vec!["L1[1]", "L0[4]"]),
        (3, 7, vec!["L0[2]", "L0[3]", "L1[0]", "X"]),
        (3, 8, vec!["L0[2]", "L0[3]", "L1[0]", "L2[1]"]),
        (4, 7, vec!["X"]),
        (4, 8, vec!["L2[1]"]),
        (6, 7, vec!["L1[2]", "L0[6]", "L2[0]"]),
        (6, 8, vec!["L1[2]", "L1[3]", "L2[0]"]),
        (7, 8, vec!["L0[6]", "L0[7]", "L1[2]", "L2[0]"]),
    ]
}

#[test]
fn roots_by_size() {
    let t = tree();
    for (n, want) in ROOTS.iter().enumerate() {
        assert_eq!(t.root_at(n as u64), h(want), "root of size {n}");
    }
    assert_eq!(t.root_at(0), empty_root());
    for i in 0..8 {
        assert_eq!(t.leaf(i).unwrap(), Names::get(&format!("L0[{i}]")));
    }
}

#[test]
fn inclusion_vectors_generate_and_verify() {
    let t = tree();
    let es = entries();
    for (m, n, names) in inclusion_vectors() {
        let want = Names::list(&names);
        let got = t.inclusion_proof(m, n).unwrap();
        assert_eq!(got, want, "PATH({m}, {n})");
        assert_eq!(inclusion_proof_len(m, n), want.len());
        let root = h(ROOTS[n as usize]);
        verify_inclusion(&leaf_hash(&es[m as usize]), m, n, &want, &root).unwrap();
    }
}

#[test]
fn consistency_vectors_generate_and_verify() {
    let t = tree();
    for (m, n, names) in consistency_vectors() {
        let want = Names::list(&names);
        let got = t.consistency_proof(m, n).unwrap();
        assert_eq!(got, want, "PROOF({m}, {n})");
        assert_eq!(consistency_proof_len(m, n), want.len());
        verify_consistency(m, n, &h(ROOTS[m as usize]), &h(ROOTS[n as usize]), &want).unwrap();
    }
}

#[test]
fn every_proof_of_the_8_leaf_tree_verifies() {
    let t = tree();
    for n in 1..=8 {
        for m in 0..n {
            let p = t.inclusion_proof(m, n).unwrap();
            verify_inclusion(&t.leaf(m).unwrap(), m, n, &p, &t.root_at(n)).unwrap();
        }
        for m in 1..=n {
            let p = t.consistency_proof(m, n).unwrap();
            verify_consistency(m, n, &t.root_at(m), &t.root_at(n), &p).unwrap();
        }
    }
}

#[test]
fn inclusion_negative_cases() {
    let t = tree();
    let es = entries();
    for (m, n, names) in inclusion_vectors() {
        let path = Names::list(&names);
        let root = h(ROOTS[n as usize]);
        let leaf = leaf_hash(&es[m as usize]);
        let bad = |leaf: &Hash, m: u64, n: u64, path: &[Hash], root: &Hash| {
            assert!(
                verify_inclusion(leaf, m, n, path, root).is_err(),
                "accepted m={m} n={n} len={}",
                path.len()
            )
        };
        // Index out of range.
        bad(&leaf, n, n, &path, &root);
        bad(&leaf, n + 5, n, &path, &root);
        // Index ±1.
        bad(&leaf, m + 1, n, &path, &root);
        if m > 0 {
            bad(&leaf, m - 1, n, &path, &root);
        }
        // Size ×2 and ÷2. (Sizes n ± 1 may share the proof's shape; a checkpoint binds root to size.)
        for other in [n * 2, n / 2] {
            if other != n {
                bad(&leaf, m, other, &path, &root);
            }
        }
        // Wrong leaf, raw entry instead of leaf hash.
        bad(&leaf_hash(b"not this one"), m, n, &path, &root);
        bad(&sha256(&es[m as usize]), m, n, &path, &root);
        let mut raw = [0u8; 32];
        raw[..es[m as usize].len().min(32)]
            .copy_from_slice(&es[m as usize][..es[m as usize].len().min(32)]);
        bad(&Hash(raw), m, n, &path, &root);
        // Truncated, extended, inserted.
        if !path.is_empty() {
            bad(&leaf, m, n, &path[..path.len() - 1], &root);
            bad(&leaf, m, n, &path[1..], &root);
        }
        let mut longer = path.clone();
        longer.push(leaf);
        bad(&leaf, m, n, &longer, &root);
        let mut inserted = path.clone();
        inserted.insert(0, Names::get("L0[0]"));
        bad(&leaf, m, n, &inserted, &root);
        // A bit flipped in each proof element, in the root, in the leaf.
        for i in 0..path.len() {
            let mut p = path.clone();
            p[i].0[7] ^= 0x10;
            bad(&leaf, m, n, &p, &root);
        }
        let mut r = root;
        r.0[31] ^= 1;
        bad(&leaf, m, n, &path, &r);
        // Empty and random roots.
        bad(&leaf, m, n, &path, &empty_root());
        bad(&leaf, m, n, &path, &sha256(b"random"));
    }
    // The empty proof for index 0 verifies only size 1.
    let leaf0 = t.leaf(0).unwrap();
    verify_inclusion(&leaf0, 0, 1, &[], &leaf0).unwrap();
    for n in 2..20 {
        assert!(verify_inclusion(&leaf0, 0, n, &[], &leaf0).is_err());
    }
    // The one-hash proof for (0, 2) must not verify as (0, n) for n > 2 against the size-2 root.
    let p = t.inclusion_proof(0, 2).unwrap();
    for n in 3..20 {
        assert!(verify_inclusion(&leaf0, 0, n, &p, &t.root_at(2)).is_err());
    }
    assert!(matches!(
        verify_inclusion(&leaf0, 8, 8, &[], &t.root()),
        Err(VerifyError::IndexOutOfRange { index: 8, size: 8 })
    ));
    assert!(matches!(
        verify_inclusion(&leaf0, 0, 0, &[], &empty_root()),
        Err(VerifyError::IndexOutOfRange { .. })
    ));
}

#[test]
fn consistency_negative_cases() {
    let t = tree();
    for (m, n, names) in consistency_vectors() {
        let path = Names::list(&names);
        let (old, new) = (h(ROOTS[m as usize]), h(ROOTS[n as usize]));
        let bad = |m: u64, n: u64, old: &Hash, new: &Hash, path: &[Hash]| {
            assert!(
                verify_consistency(m, n, old, new, path).is_err(),
                "accepted m={m} n={n} len={}",
                path.len()
            )
        };
        // Empty proof with m < n.
        bad(m, n, &old, &new, &[]);
        // Swapped roots and sizes.
        bad(m, n, &new, &old, &path);
        bad(n, m, &new, &old, &path);
        // Truncated, extended.
        bad(m, n, &old, &new, &path[..path.len() - 1]);
        let mut longer = path.clone();
        longer.push(old);
        bad(m, n, &old, &new, &longer);
        // Presented for (m, 2n) and other sizes.
        bad(m, 2 * n, &old, &new, &path);
        // Bit flips.
        for i in 0..path.len() {
            let mut p = path.clone();
            p[i].0[0] ^= 0x80;
            bad(m, n, &old, &new, &p);
        }
        let mut o = old;
        o.0[3] ^= 4;
        bad(m, n, &o, &new, &path);
        let mut w = new;
        w.0[3] ^= 4;
        bad(m, n, &old, &w, &path);
        // m == 0 is an error for a verifier, m > n too.
        bad(0, n, &empty_root(), &new, &path);
        bad(0, n, &empty_root(), &new, &[]);
    }
    // Equal sizes: empty proof and equal roots only.
    let r = t.root_at(5);
    verify_consistency(5, 5, &r, &r, &[]).unwrap();
    assert_eq!(
        verify_consistency(5, 5, &r, &t.root_at(6), &[]),
        Err(VerifyError::SameSizeDifferentRoots { size: 5 })
    );
    assert!(verify_consistency(5, 5, &r, &r, &[r]).is_err());
    assert!(matches!(
        verify_consistency(6, 5, &r, &r, &[]),
        Err(VerifyError::SizesOutOfOrder { old: 6, new: 5 })
    ));
    assert_eq!(
        verify_consistency(0, 5, &empty_root(), &r, &[]),
        Err(VerifyError::OldSizeZero)
    );
}

fn random_tree(n: usize, seed: u64) -> MemoryTree {
    let mut t = MemoryTree::new();
    for i in 0..n {
        t.push_entry(format!("entry {seed} {i}").as_bytes());
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_inclusion_proofs_verify_and_tampering_fails(
        n in 1u64..600, m_frac in 0.0f64..1.0, seed in any::<u64>(), flip in any::<(usize, u8)>()
    ) {
        let t = random_tree(n as usize, seed);
        let m = ((n as f64) * m_frac) as u64 % n;
        let root = t.root();
        let leaf = t.leaf(m).unwrap();
        let p = t.inclusion_proof(m, n).unwrap();
        prop_assert!(verify_inclusion(&leaf, m, n, &p, &root).is_ok());
        // Tampered proof.
        if !p.is_empty() {
            let mut q = p.clone();
            let i = flip.0 % q.len();
            q[i].0[(flip.1 % 32) as usize] ^= 1 << (flip.1 % 8);
            prop_assert!(verify_inclusion(&leaf, m, n, &q, &root).is_err());
            prop_assert!(verify_inclusion(&leaf, m, n, &p[..p.len() - 1], &root).is_err());
        }
        // Tampered root, size, index.
        let mut r = root;
        r.0[(flip.1 % 32) as usize] ^= 1;
        prop_assert!(verify_inclusion(&leaf, m, n, &p, &r).is_err());
        for other in [n * 2, n / 2] {
            if other != n && other > m {
                prop_assert!(verify_inclusion(&leaf, m, other, &p, &root).is_err());
            }
        }
        if m + 1 < n {
            prop_assert!(verify_inclusion(&leaf, m + 1, n, &p, &root).is_err());
        }
    }

    #[test]
    fn random_consistency_proofs_verify_and_tampering_fails(
        n in 2u64..600, m_frac in 0.0f64..1.0, seed in any::<u64>(), flip in any::<(usize, u8)>()
    ) {
        let t = random_tree(n as usize, seed);
        let m = 1 + ((n - 1) as f64 * m_frac) as u64 % (n - 1);
        let (old, new) = (t.root_at(m), t.root_at(n));
        let p = t.consistency_proof(m, n).unwrap();
        prop_assert!(verify_consistency(m, n, &old, &new, &p).is_ok());
        prop_assert!(!p.is_empty());
        let mut q = p.clone();
        let i = flip.0 % q.len();
        q[i].0[(flip.1 % 32) as usize] ^= 1 << (flip.1 % 8);
        prop_assert!(verify_consistency(m, n, &old, &new, &q).is_err());
        prop_assert!(verify_consistency(m, n, &old, &new, &p[..p.len() - 1]).is_err());
        prop_assert!(verify_consistency(m, n, &new, &old, &p).is_err());
        prop_assert!(verify_consistency(m, 2 * n, &old, &new, &p).is_err());
    }
}

#[test]
fn proof_lengths_match_formulas() {
    let t = random_tree(70, 1);
    for n in 1..70u64 {
        for m in 0..n {
            assert_eq!(
                t.inclusion_proof(m, n).unwrap().len(),
                inclusion_proof_len(m, n)
            );
        }
        for m in 1..n {
            assert_eq!(
                t.consistency_proof(m, n).unwrap().len(),
                consistency_proof_len(m, n)
            );
        }
    }
}

#[test]
fn huge_sizes_do_not_overflow() {
    // Found by fuzzing: m XOR (n - 1) with the top bit set made a shift by 64.
    let leaf = leaf_hash(b"x");
    for (m, n) in [
        (u64::MAX - 1, u64::MAX),
        (0, u64::MAX),
        (1 << 63, u64::MAX),
        (3, 1 << 63),
    ] {
        assert!(verify_inclusion(&leaf, m, n, &[leaf], &leaf).is_err());
        assert!(verify_consistency(m.max(1), n, &leaf, &leaf, &[leaf]).is_err());
    }
    assert_eq!(inclusion_proof_len(5, 5), 0);
    assert_eq!(consistency_proof_len(0, 5), 0);
    assert_eq!(inclusion_proof_len(0, u64::MAX), 64);
}
