//! The Merkle tree of RFC 9162 §2.1: roots, inclusion proofs and consistency proofs, generated from any
//! source of complete-subtree hashes ([`NodeSource`]) and verified from hashes alone.
//!
//! Proof generation only ever asks a source for hashes of *perfect* subtrees (2^h leaves starting at a
//! multiple of 2^h); every other range the RFC recursion needs is folded from those. A tile store answers
//! such questions from at most one tile per 8 levels, an in-memory [`MemoryTree`] from its level vectors.

use std::convert::Infallible;

use thiserror::Error;

use crate::hash::{empty_root, node_hash, Hash};

/// Something that knows hashes of perfect subtrees of one tree.
pub trait NodeSource {
    /// Why a hash could not be read.
    type Error;
    /// Hash of the perfect subtree of height `height` (2^height leaves) that covers leaves
    /// `index << height .. (index + 1) << height`. The caller only asks for subtrees inside the tree size
    /// it works with.
    fn subtree(&self, height: u8, index: u64) -> Result<Hash, Self::Error>;
}

/// The largest power of two strictly less than `n` (`n ≥ 2`): where RFC 9162 splits a tree of `n` leaves.
pub fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// A proof could not be generated.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ProofError<E> {
    /// The requested sizes or index do not describe a valid proof.
    #[error("no proof exists for {what}")]
    Invalid {
        /// Which request was refused, e.g. "leaf 9 in a tree of 8".
        what: String,
    },
    /// The node source failed.
    #[error("reading tree hashes failed: {0}")]
    Source(E),
}

/// `MTH(D[lo:hi])` for a range that is a subtree in the RFC recursion (`lo` aligned to a power of two at
/// least `hi - lo`), or any aligned range: split greedily into perfect subtrees, folded right to left.
pub fn range_hash<S: NodeSource + ?Sized>(src: &S, lo: u64, hi: u64) -> Result<Hash, S::Error> {
    debug_assert!(lo < hi);
    let mut parts: Vec<Hash> = Vec::with_capacity(64);
    let mut a = lo;
    while a < hi {
        let aligned = if a == 0 { 63 } else { a.trailing_zeros() };
        let fits = 63 - (hi - a).leading_zeros();
        let h = aligned.min(fits);
        parts.push(src.subtree(h as u8, a >> h)?);
        a += 1u64 << h;
    }
    let mut acc = parts.pop().expect("non-empty range");
    while let Some(left) = parts.pop() {
        acc = node_hash(&left, &acc);
    }
    Ok(acc)
}

/// The root of the first `n` leaves (the empty-tree hash for `n = 0`).
pub fn root<S: NodeSource + ?Sized>(src: &S, n: u64) -> Result<Hash, S::Error> {
    if n == 0 {
        Ok(empty_root())
    } else {
        range_hash(src, 0, n)
    }
}

/// `PATH(m, D[0:n])`: the audit path of leaf `m` in the tree of the first `n` leaves, leaf side first.
pub fn inclusion_proof<S: NodeSource + ?Sized>(
    src: &S,
    m: u64,
    n: u64,
) -> Result<Vec<Hash>, ProofError<S::Error>> {
    if m >= n {
        return Err(ProofError::Invalid {
            what: format!("leaf {m} in a tree of {n}"),
        });
    }
    let (mut lo, mut hi) = (0u64, n);
    let mut rev = Vec::with_capacity(64);
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if m - lo < k {
            rev.push(range_hash(src, lo + k, hi).map_err(ProofError::Source)?);
            hi = lo + k;
        } else {
            rev.push(range_hash(src, lo, lo + k).map_err(ProofError::Source)?);
            lo += k;
        }
    }
    rev.reverse();
    Ok(rev)
}

/// `PROOF(m, D[0:n])`: the consistency proof from size `m` to size `n`. Empty when `m == n` or `m == 0`
/// (the forms a witness accepts), refused when `m > n`.
pub fn consistency_proof<S: NodeSource + ?Sized>(
    src: &S,
    m: u64,
    n: u64,
) -> Result<Vec<Hash>, ProofError<S::Error>> {
    if m > n {
        return Err(ProofError::Invalid {
            what: format!("consistency from size {m} to the smaller size {n}"),
        });
    }
    if m == 0 || m == n {
        return Ok(Vec::new());
    }
    let (mut lo, mut hi, mut m_rel, mut whole) = (0u64, n, m, true);
    let mut rev = Vec::with_capacity(64);
    loop {
        let size = hi - lo;
        if m_rel == size {
            if !whole {
                rev.push(range_hash(src, lo, hi).map_err(ProofError::Source)?);
            }
            break;
        }
        let k = split_point(size);
        if m_rel <= k {
            rev.push(range_hash(src, lo + k, hi).map_err(ProofError::Source)?);
            hi = lo + k;
        } else {
            rev.push(range_hash(src, lo, lo + k).map_err(ProofError::Source)?);
            lo += k;
            m_rel -= k;
            whole = false;
        }
    }
    rev.reverse();
    Ok(rev)
}

/// Why a proof did not verify.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// The leaf index is not inside the tree.
    #[error("leaf index {index} is not inside a tree of size {size}")]
    IndexOutOfRange {
        /// The claimed index.
        index: u64,
        /// The claimed tree size.
        size: u64,
    },
    /// The proof has the wrong number of hashes for the claimed index and sizes.
    #[error("the proof has {got} hashes but {want} are needed for these sizes")]
    WrongLength {
        /// Hashes needed.
        want: usize,
        /// Hashes given.
        got: usize,
    },
    /// The sizes are not in order (old size larger than new size).
    #[error("old size {old} is larger than new size {new}")]
    SizesOutOfOrder {
        /// Old size.
        old: u64,
        /// New size.
        new: u64,
    },
    /// A consistency proof from the empty tree was asked of a verifier: nothing can be proven from size 0.
    #[error("a consistency proof from size 0 proves nothing")]
    OldSizeZero,
    /// The recomputed root differs from the expected root.
    #[error("the proof leads to root {computed}, not the expected root {expected}")]
    RootMismatch {
        /// Root the proof produced.
        computed: Hash,
        /// Root it had to produce.
        expected: Hash,
    },
    /// For equal sizes the roots differ.
    #[error("same tree size {size} but different roots")]
    SameSizeDifferentRoots {
        /// The size.
        size: u64,
    },
}

fn bit_len(x: u64) -> u32 {
    64 - x.leading_zeros()
}

/// Number of hashes in an inclusion proof for leaf `m` of a tree of size `n` (0 when `m ≥ n`).
pub fn inclusion_proof_len(m: u64, n: u64) -> usize {
    if m >= n {
        return 0;
    }
    let inner = bit_len(m ^ (n - 1));
    // `inner` can be 64 (found by fuzzing): a shift by 64 would overflow.
    let border = m.checked_shr(inner).unwrap_or(0).count_ones();
    (inner + border) as usize
}

/// Number of hashes in a consistency proof from `m` to `n` (0 unless `0 < m < n`).
pub fn consistency_proof_len(m: u64, n: u64) -> usize {
    if m == 0 || m >= n {
        return 0;
    }
    let inner = bit_len((m - 1) ^ (n - 1));
    let tz = m.trailing_zeros();
    let border = (m - 1).checked_shr(inner).unwrap_or(0).count_ones();
    let extra = u32::from(!m.is_power_of_two());
    // For 0 < m < n, `inner > tz` always holds; saturate anyway.
    (inner.saturating_sub(tz) + border + extra) as usize
}

/// Verifies that `leaf_hash` (the leaf *hash*, `SHA-256(0x00 ‖ entry)`, never the raw entry) sits at
/// index `m` of the tree of size `n` whose root is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf_hash: &Hash,
    m: u64,
    n: u64,
    path: &[Hash],
    root: &Hash,
) -> Result<(), VerifyError> {
    let computed = root_from_inclusion_proof(leaf_hash, m, n, path)?;
    if computed != *root {
        return Err(VerifyError::RootMismatch {
            computed,
            expected: *root,
        });
    }
    Ok(())
}

/// The root an inclusion proof leads to (after checking index and length), for callers that compare it
/// with a root of their own.
pub fn root_from_inclusion_proof(
    leaf_hash: &Hash,
    m: u64,
    n: u64,
    path: &[Hash],
) -> Result<Hash, VerifyError> {
    if m >= n {
        return Err(VerifyError::IndexOutOfRange { index: m, size: n });
    }
    let want = inclusion_proof_len(m, n);
    if path.len() != want {
        return Err(VerifyError::WrongLength {
            want,
            got: path.len(),
        });
    }
    let (mut fnode, mut snode, mut r) = (m, n - 1, *leaf_hash);
    for p in path {
        // Guaranteed by the length check; kept as the RFC's own guard.
        if snode == 0 {
            return Err(VerifyError::WrongLength {
                want,
                got: path.len(),
            });
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(VerifyError::WrongLength {
            want,
            got: path.len(),
        });
    }
    Ok(r)
}

/// Verifies that the tree of size `m` with root `old_root` is a prefix of the tree of size `n` with root
/// `new_root` (RFC 9162 §2.1.4.2). Equal sizes need an empty proof and equal roots; size 0 is refused
/// (a witness handles old size 0 itself).
pub fn verify_consistency(
    m: u64,
    n: u64,
    old_root: &Hash,
    new_root: &Hash,
    path: &[Hash],
) -> Result<(), VerifyError> {
    if m > n {
        return Err(VerifyError::SizesOutOfOrder { old: m, new: n });
    }
    if m == n {
        if !path.is_empty() {
            return Err(VerifyError::WrongLength {
                want: 0,
                got: path.len(),
            });
        }
        if old_root != new_root {
            return Err(VerifyError::SameSizeDifferentRoots { size: m });
        }
        return Ok(());
    }
    if m == 0 {
        return Err(VerifyError::OldSizeZero);
    }
    let want = consistency_proof_len(m, n);
    if path.len() != want {
        return Err(VerifyError::WrongLength {
            want,
            got: path.len(),
        });
    }
    let mut items: Vec<Hash> = Vec::with_capacity(path.len() + 1);
    if m.is_power_of_two() {
        items.push(*old_root);
    }
    items.extend_from_slice(path);
    let (mut fnode, mut snode) = (m - 1, n - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let mut fr = items[0];
    let mut sr = items[0];
    for c in &items[1..] {
        if snode == 0 {
            return Err(VerifyError::WrongLength {
                want,
                got: path.len(),
            });
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(VerifyError::WrongLength {
            want,
            got: path.len(),
        });
    }
    if fr != *old_root {
        return Err(VerifyError::RootMismatch {
            computed: fr,
            expected: *old_root,
        });
    }
    if sr != *new_root {
        return Err(VerifyError::RootMismatch {
            computed: sr,
            expected: *new_root,
        });
    }
    Ok(())
}

/// Root of a list of hashes treated as the leaf-level of a tree (each item one leaf hash, or one hash of
/// equal-height subtrees): `MTH` over them, the empty hash for none.
pub fn root_of(hashes: &[Hash]) -> Hash {
    match hashes.len() {
        0 => empty_root(),
        1 => hashes[0],
        n => {
            let k = split_point(n as u64) as usize;
            node_hash(&root_of(&hashes[..k]), &root_of(&hashes[k..]))
        }
    }
}

/// A whole tree kept in memory, every level stored: for tests, small logs and verifiers.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        let mut level = 0;
        while self.levels[level].len().is_multiple_of(2) {
            let n = self.levels[level].len();
            let h = node_hash(&self.levels[level][n - 2], &self.levels[level][n - 1]);
            if self.levels.len() == level + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[level + 1].push(h);
            level += 1;
        }
    }

    /// Appends the leaf hash of one entry.
    pub fn push_entry(&mut self, entry: &[u8]) {
        self.push(crate::hash::leaf_hash(entry));
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Root of the first `n` leaves (`n ≤ size`).
    pub fn root_at(&self, n: u64) -> Hash {
        assert!(n <= self.size(), "size {n} beyond tree of {}", self.size());
        match root(self, n) {
            Ok(h) => h,
            Err(never) => match never {},
        }
    }

    /// Root of the whole tree.
    pub fn root(&self) -> Hash {
        self.root_at(self.size())
    }

    /// Audit path of leaf `m` in the tree of size `n`.
    pub fn inclusion_proof(&self, m: u64, n: u64) -> Result<Vec<Hash>, ProofError<Infallible>> {
        if n > self.size() {
            return Err(ProofError::Invalid {
                what: format!("tree size {n} beyond the {} leaves held", self.size()),
            });
        }
        inclusion_proof(self, m, n)
    }

    /// Consistency proof from `m` to `n`.
    pub fn consistency_proof(&self, m: u64, n: u64) -> Result<Vec<Hash>, ProofError<Infallible>> {
        if n > self.size() {
            return Err(ProofError::Invalid {
                what: format!("tree size {n} beyond the {} leaves held", self.size()),
            });
        }
        consistency_proof(self, m, n)
    }

    /// Leaf hash at index `i`.
    pub fn leaf(&self, i: u64) -> Option<Hash> {
        self.levels.first()?.get(i as usize).copied()
    }
}

impl NodeSource for MemoryTree {
    type Error = Infallible;
    fn subtree(&self, height: u8, index: u64) -> Result<Hash, Infallible> {
        Ok(self.levels[height as usize][index as usize])
    }
}
