//! Leaf hash → index, for `GET /ledger/<log>/proof/inclusion?leaf_hash=…`.
//!
//! Built from the level-0 tiles (which *are* the leaf hashes, in order) as the published tree grows:
//! each lookup first reads the tiles added since the last one. Nothing new is stored, so the index can
//! never disagree with the log, needs no migration and no database, and is rebuilt at start from the
//! files every mirror has too. It keeps the first 8 bytes of each leaf hash (about 20 bytes of memory
//! per entry: 200 MB at 10 million entries); a candidate is confirmed against the full hash in its tile,
//! so prefix collisions cost a tile read, never a wrong answer.

use std::collections::HashMap;
use std::io;

use tepat_ledger::tiles::{read_tile, TILE_WIDTH};
use tepat_ledger::{Fetcher, Hash};

/// Leaf-hash prefix → index of the first `indexed` leaves.
#[derive(Debug, Default)]
pub struct LeafIndex {
    indexed: u64,
    first: HashMap<u64, u64>,
    more: HashMap<u64, Vec<u64>>,
}

fn prefix(h: &Hash) -> u64 {
    u64::from_be_bytes(h.0[..8].try_into().expect("8 bytes"))
}

impl LeafIndex {
    /// Leaves indexed so far.
    pub fn len(&self) -> u64 {
        self.indexed
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.indexed == 0
    }

    /// Indexes the leaves of a tree of `size` entries not yet indexed.
    pub fn refresh<F: Fetcher + ?Sized>(&mut self, f: &F, size: u64) -> io::Result<()> {
        while self.indexed < size {
            let tile = self.indexed / TILE_WIDTH;
            let hashes =
                read_tile(f, 0, tile, size).map_err(|e| io::Error::other(e.to_string()))?;
            let start = (self.indexed % TILE_WIDTH) as usize;
            for (i, h) in hashes.iter().enumerate().skip(start) {
                let index = tile * TILE_WIDTH + i as u64;
                let p = prefix(h);
                if let Some(prev) = self.first.insert(p, index) {
                    // Keep the earliest in `first`; later ones with the same prefix go to `more`.
                    self.first.insert(p, prev);
                    self.more.entry(p).or_default().push(index);
                }
            }
            self.indexed = tile * TILE_WIDTH + hashes.len() as u64;
        }
        Ok(())
    }

    /// The first index below `size` whose leaf hash is `leaf`.
    pub fn find<F: Fetcher + ?Sized>(
        &self,
        f: &F,
        leaf: &Hash,
        size: u64,
    ) -> io::Result<Option<u64>> {
        let p = prefix(leaf);
        let candidates = self
            .first
            .get(&p)
            .into_iter()
            .chain(self.more.get(&p).into_iter().flatten());
        for &i in candidates {
            if i >= size {
                continue;
            }
            let hashes = read_tile(f, 0, i / TILE_WIDTH, size)
                .map_err(|e| io::Error::other(e.to_string()))?;
            if hashes.get((i % TILE_WIDTH) as usize) == Some(leaf) {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }
}

/// Reads a log directory for proofs at any size up to the published one: a partial tile `….p/<W>` that
/// was never written (the tree had that width only between two checkpoints) is read as the prefix of
/// the next wider partial tile present (the log only appends, so the prefix is the same).
pub struct AnySize<'a>(pub &'a tepat_ledger::FsStorage);

impl Fetcher for AnySize<'_> {
    fn fetch(&self, path: &str) -> io::Result<Option<Vec<u8>>> {
        if let Some(found) = self.0.fetch(path)? {
            return Ok(Some(found));
        }
        let Some((base, w)) = path.rsplit_once(".p/") else {
            return Ok(None);
        };
        let Ok(width) = w.parse::<u16>() else {
            return Ok(None);
        };
        use tepat_ledger::LogStorage as _;
        let Some(wider) = self
            .0
            .partial_widths(base)?
            .into_iter()
            .find(|&x| x > width)
        else {
            return Ok(None);
        };
        let Some(bytes) = self.0.fetch(&format!("{base}.p/{wider}"))? else {
            return Ok(None);
        };
        if base.starts_with("tile/entries/") {
            // Entry bundles: `width` entries, each a u16 big-endian length and its bytes.
            let mut at = 0usize;
            for _ in 0..width {
                let Some(len) = bytes.get(at..at + 2) else {
                    return Ok(None);
                };
                at += 2 + usize::from(u16::from_be_bytes([len[0], len[1]]));
            }
            Ok((at <= bytes.len()).then(|| bytes[..at].to_vec()))
        } else {
            let n = usize::from(width) * 32;
            Ok((n <= bytes.len()).then(|| bytes[..n].to_vec()))
        }
    }
}
