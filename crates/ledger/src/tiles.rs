//! C2SP tlog-tiles: tile coordinates and paths, hash tiles, entry bundles, and proofs served from tiles.
//!
//! A tile at level `L`, index `N` holds up to 256 hashes, each the root of a perfect subtree of 256^L
//! entries; level-0 tiles hold leaf hashes. `tile/<L>/<N>` is full (8,192 bytes), `tile/<L>/<N>.p/<W>` a
//! partial tile of `W` hashes (1–255) on the tree's right edge. Entry bundles `tile/entries/<N>[.p/<W>]`
//! hold the entries of level-0 tile `N`, each prefixed by its length as a big-endian u16.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex};

use thiserror::Error;

use crate::hash::{Hash, HASH_SIZE};
use crate::merkle::{root_of, NodeSource};

use crate::storage::Fetcher;

/// Hashes in a full tile.
pub const TILE_WIDTH: u64 = 256;
/// Tree levels one tile spans.
pub const TILE_HEIGHT: u32 = 8;
/// Largest entry a bundle can frame (u16 length prefix).
pub const MAX_ENTRY_SIZE: usize = u16::MAX as usize;

/// The `<N>` path element: 3-digit groups, all but the last prefixed by `x` (1234067 → `x001/x234/067`).
pub fn index_path(n: u64) -> String {
    let mut groups = Vec::new();
    let mut n = n;
    loop {
        groups.push(n % 1000);
        n /= 1000;
        if n == 0 {
            break;
        }
    }
    groups.reverse();
    let last = groups.len() - 1;
    groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            if i == last {
                format!("{g:03}")
            } else {
                format!("x{g:03}")
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Path of a hash tile; `width` 256 means a full tile.
pub fn tile_path(level: u8, index: u64, width: u16) -> String {
    let mut p = format!("tile/{level}/{}", index_path(index));
    if width < TILE_WIDTH as u16 {
        p.push_str(&format!(".p/{width}"));
    }
    p
}

/// Path of an entry bundle; `width` 256 means a full bundle.
pub fn entries_path(index: u64, width: u16) -> String {
    let mut p = format!("tile/entries/{}", index_path(index));
    if width < TILE_WIDTH as u16 {
        p.push_str(&format!(".p/{width}"));
    }
    p
}

/// Width of the level-`level` tile on the right edge of a tree of `size` entries (0 if none).
pub fn partial_width(level: u8, size: u64) -> u16 {
    let shift = TILE_HEIGHT * level as u32;
    if shift >= 64 {
        return 0;
    }
    ((size >> shift) % TILE_WIDTH) as u16
}

/// A tile or bundle is malformed.
#[derive(Debug, Error)]
pub enum TileError {
    /// A hash tile whose length is not `32 × width`.
    #[error("tile {path} is {len} bytes, expected {want}")]
    BadTileLength {
        /// Path.
        path: String,
        /// Length found.
        len: usize,
        /// Length expected.
        want: usize,
    },
    /// An entry bundle that does not frame the expected number of entries.
    #[error("entry bundle {path} is malformed: {why}")]
    BadBundle {
        /// Path.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// A tile needed for a proof is not there.
    #[error("tile {0} is missing")]
    Missing(String),
    /// Reading failed.
    #[error("reading {path}: {source}")]
    Io {
        /// Path.
        path: String,
        /// Cause.
        source: io::Error,
    },
}

/// Encodes hashes into tile bytes.
pub fn encode_hashes(hashes: &[Hash]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hashes.len() * HASH_SIZE);
    for h in hashes {
        out.extend_from_slice(&h.0);
    }
    out
}

/// Decodes a hash tile that must hold exactly `width` hashes.
pub fn decode_hashes(path: &str, bytes: &[u8], width: usize) -> Result<Vec<Hash>, TileError> {
    if bytes.len() != width * HASH_SIZE {
        return Err(TileError::BadTileLength {
            path: path.to_string(),
            len: bytes.len(),
            want: width * HASH_SIZE,
        });
    }
    Ok(bytes
        .chunks_exact(HASH_SIZE)
        .map(|c| Hash::from_slice(c).expect("32-byte chunk"))
        .collect())
}

/// Frames entries into a bundle (each entry ≤ 65,535 bytes; longer ones are refused by the sequencer).
pub fn encode_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Vec<u8> {
    let len: usize = entries.iter().map(|e| 2 + e.as_ref().len()).sum();
    let mut out = Vec::with_capacity(len);
    for e in entries {
        let e = e.as_ref();
        out.extend_from_slice(&(e.len() as u16).to_be_bytes());
        out.extend_from_slice(e);
    }
    out
}

/// Splits a bundle into exactly `width` entries.
pub fn decode_bundle<'a>(
    path: &str,
    bytes: &'a [u8],
    width: usize,
) -> Result<Vec<&'a [u8]>, TileError> {
    let bad = |why: String| TileError::BadBundle {
        path: path.to_string(),
        why,
    };
    let mut out = Vec::with_capacity(width);
    let mut rest = bytes;
    while !rest.is_empty() {
        if out.len() == width {
            return Err(bad(format!(
                "{} bytes left after the {width} entries expected",
                rest.len()
            )));
        }
        if rest.len() < 2 {
            return Err(bad("a length prefix is cut short".into()));
        }
        let len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
        if rest.len() < 2 + len {
            return Err(bad(format!(
                "entry {} claims {len} bytes but only {} remain",
                out.len(),
                rest.len() - 2
            )));
        }
        out.push(&rest[2..2 + len]);
        rest = &rest[2 + len..];
    }
    if out.len() != width {
        return Err(bad(format!(
            "{} entries found, {width} expected",
            out.len()
        )));
    }
    Ok(out)
}

/// Whether tile `index` is full when its level holds `count` hashes (overflow-safe).
fn tile_is_full(index: u64, count: u64) -> bool {
    index
        .checked_add(1)
        .and_then(|i| i.checked_mul(TILE_WIDTH))
        .is_some_and(|end| end <= count)
}

/// Reads the hash tile `(level, index)` as it is in a tree of `size` entries: the full tile if the tree
/// covers it, else the partial tile of the right width (falling back to a full tile's prefix, valid since
/// the log only appends).
pub fn read_tile<F: Fetcher + ?Sized>(
    f: &F,
    level: u8,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, TileError> {
    let count = size >> (TILE_HEIGHT * level as u32);
    let width = if tile_is_full(index, count) {
        TILE_WIDTH as u16
    } else {
        partial_width(level, size)
    };
    read_tile_width(f, level, index, width)
}

/// Reads tile `(level, index)` with exactly `width` hashes.
pub fn read_tile_width<F: Fetcher + ?Sized>(
    f: &F,
    level: u8,
    index: u64,
    width: u16,
) -> Result<Vec<Hash>, TileError> {
    let path = tile_path(level, index, width);
    let io_err = |path: &str, source| TileError::Io {
        path: path.to_string(),
        source,
    };
    if let Some(bytes) = f.fetch(&path).map_err(|e| io_err(&path, e))? {
        return decode_hashes(&path, &bytes, width as usize);
    }
    if width < TILE_WIDTH as u16 {
        let full = tile_path(level, index, TILE_WIDTH as u16);
        if let Some(bytes) = f.fetch(&full).map_err(|e| io_err(&full, e))? {
            let mut hashes = decode_hashes(&full, &bytes, TILE_WIDTH as usize)?;
            hashes.truncate(width as usize);
            return Ok(hashes);
        }
    }
    Err(TileError::Missing(path))
}

/// Reads the entries of bundle `index` as they are in a tree of `size` entries.
pub fn read_bundle<F: Fetcher + ?Sized>(
    f: &F,
    index: u64,
    size: u64,
) -> Result<Vec<Vec<u8>>, TileError> {
    let width = if tile_is_full(index, size) {
        TILE_WIDTH as u16
    } else {
        partial_width(0, size)
    };
    let io_err = |path: &str, source| TileError::Io {
        path: path.to_string(),
        source,
    };
    let path = entries_path(index, width);
    if let Some(bytes) = f.fetch(&path).map_err(|e| io_err(&path, e))? {
        return Ok(decode_bundle(&path, &bytes, width as usize)?
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect());
    }
    if width < TILE_WIDTH as u16 {
        let full = entries_path(index, TILE_WIDTH as u16);
        if let Some(bytes) = f.fetch(&full).map_err(|e| io_err(&full, e))? {
            let entries = decode_bundle(&full, &bytes, TILE_WIDTH as usize)?;
            return Ok(entries[..width as usize]
                .iter()
                .map(|e| e.to_vec())
                .collect());
        }
    }
    Err(TileError::Missing(path))
}

/// A tile with every complete subtree inside it hashed once: `levels[r][i]` is the root of hashes
/// `i·2^r .. (i+1)·2^r` of the tile.
#[derive(Debug)]
pub struct TileTree {
    levels: Vec<Vec<Hash>>,
}

impl TileTree {
    /// Hashes the tile's internal levels (at most 255 node hashes).
    pub fn new(hashes: Vec<Hash>) -> Self {
        let mut levels = vec![hashes];
        for r in 1..=TILE_HEIGHT as usize {
            let below = &levels[r - 1];
            if below.len() < 2 {
                break;
            }
            let up: Vec<Hash> = below
                .chunks_exact(2)
                .map(|p| crate::hash::node_hash(&p[0], &p[1]))
                .collect();
            levels.push(up);
        }
        TileTree { levels }
    }

    /// The tile's hashes.
    pub fn hashes(&self) -> &[Hash] {
        &self.levels[0]
    }

    /// Root of the `2^height` hashes starting at `offset` (a multiple of `2^height`), if complete.
    pub fn subtree(&self, height: u8, offset: usize) -> Option<Hash> {
        self.levels
            .get(height as usize)?
            .get(offset >> height)
            .copied()
    }
}

/// Tiles already read and hashed, shared between proof requests (a server keeps one per log). Keys
/// include the width, so a partial tile is never confused with a fuller one.
#[derive(Debug)]
pub struct TileCache {
    map: Mutex<HashMap<(u8, u64, u16), Arc<TileTree>>>,
    capacity: usize,
}

impl TileCache {
    /// A cache of at most `capacity` tiles (each about 16 KiB).
    pub fn new(capacity: usize) -> Self {
        TileCache {
            map: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    fn get(&self, key: &(u8, u64, u16)) -> Option<Arc<TileTree>> {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    fn put(&self, key: (u8, u64, u16), tree: Arc<TileTree>) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= self.capacity {
            // Evict an arbitrary entry: cheap, and good enough for a working set of upper tiles.
            if let Some(k) = map.keys().next().copied() {
                map.remove(&k);
            }
        }
        map.insert(key, tree);
    }
}

enum CacheRef<'a> {
    Own(TileCache),
    Shared(&'a TileCache),
}

/// The root of a tree from its right edge: for each level (0 first) the hashes of its partial tile
/// (fewer than 256). Each level's hashes split into perfect subtrees, all folded right to left.
pub fn root_from_edge(edge: &[Vec<Hash>]) -> Hash {
    let mut subtrees = Vec::new();
    for hashes in edge.iter().rev() {
        let mut i = 0;
        for bit in (0..TILE_HEIGHT).rev() {
            let n = 1usize << bit;
            if hashes.len() & n != 0 {
                subtrees.push(root_of(&hashes[i..i + n]));
                i += n;
            }
        }
    }
    let Some(mut acc) = subtrees.pop() else {
        return crate::hash::empty_root();
    };
    while let Some(left) = subtrees.pop() {
        acc = crate::hash::node_hash(&left, &acc);
    }
    acc
}

/// A [`NodeSource`] over the tiles of a tree of a fixed size, with a small cache of tiles read.
pub struct TileReader<'a, F: Fetcher + ?Sized> {
    fetcher: &'a F,
    size: u64,
    cache: CacheRef<'a>,
}

impl<'a, F: Fetcher + ?Sized> TileReader<'a, F> {
    /// Reads proofs for the tree of `size` entries, with a cache of its own.
    pub fn new(fetcher: &'a F, size: u64) -> Self {
        TileReader {
            fetcher,
            size,
            cache: CacheRef::Own(TileCache::new(256)),
        }
    }

    /// Reads proofs for the tree of `size` entries, sharing `cache` with other readers.
    pub fn with_cache(fetcher: &'a F, size: u64, cache: &'a TileCache) -> Self {
        TileReader {
            fetcher,
            size,
            cache: CacheRef::Shared(cache),
        }
    }

    /// The tree size this reader works with.
    pub fn size(&self) -> u64 {
        self.size
    }

    fn tile(&self, level: u8, index: u64) -> Result<Arc<TileTree>, TileError> {
        let cache = match &self.cache {
            CacheRef::Own(c) => c,
            CacheRef::Shared(c) => c,
        };
        let count = self.size >> (TILE_HEIGHT * level as u32);
        let width = if tile_is_full(index, count) {
            TILE_WIDTH as u16
        } else {
            partial_width(level, self.size)
        };
        let key = (level, index, width);
        if let Some(t) = cache.get(&key) {
            return Ok(t);
        }
        let t = Arc::new(TileTree::new(read_tile_width(
            self.fetcher,
            level,
            index,
            width,
        )?));
        cache.put(key, t.clone());
        Ok(t)
    }
}

impl<F: Fetcher + ?Sized> NodeSource for TileReader<'_, F> {
    type Error = TileError;

    fn subtree(&self, height: u8, index: u64) -> Result<Hash, TileError> {
        let level = height / TILE_HEIGHT as u8;
        let within = height % TILE_HEIGHT as u8;
        let first = index << within; // index of the first level-`level` hash covered
        let tile_index = first / TILE_WIDTH;
        let offset = (first % TILE_WIDTH) as usize;
        let tile = self.tile(level, tile_index)?;
        tile.subtree(within, offset).ok_or_else(|| {
            TileError::Missing(format!(
                "{} (hashes {offset}..{} beyond its {} hashes)",
                tile_path(level, tile_index, tile.hashes().len() as u16),
                offset + (1usize << within),
                tile.hashes().len()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(index_path(0), "000");
        assert_eq!(index_path(5), "005");
        assert_eq!(index_path(1000), "x001/000");
        assert_eq!(index_path(1234067), "x001/x234/067");
        assert_eq!(tile_path(0, 1234067, 256), "tile/0/x001/x234/067");
        assert_eq!(tile_path(1, 5, 17), "tile/1/005.p/17");
        assert_eq!(entries_path(1000, 3), "tile/entries/x001/000.p/3");
        assert_eq!(entries_path(7, 256), "tile/entries/007");
    }

    #[test]
    fn partial_widths() {
        assert_eq!(partial_width(0, 70_000), 112);
        assert_eq!(70_000 / 256, 273);
        assert_eq!(partial_width(1, 70_000), 17);
        assert_eq!(partial_width(2, 70_000), 1);
        assert_eq!(partial_width(0, 256), 0);
        assert_eq!(partial_width(1, 256), 1);
        assert_eq!(partial_width(8, u64::MAX), 0);
    }

    #[test]
    fn bundles() {
        let entries: Vec<&[u8]> = vec![b"", b"a", &[7u8; 300]];
        let b = encode_bundle(&entries);
        assert_eq!(decode_bundle("p", &b, 3).unwrap(), entries);
        assert!(decode_bundle("p", &b, 2).is_err());
        assert!(decode_bundle("p", &b, 4).is_err());
        assert!(decode_bundle("p", &b[..b.len() - 1], 3).is_err());
        assert!(decode_bundle("p", &[0], 1).is_err());
        assert!(decode_hashes("p", &[0; 33], 1).is_err());
    }
}
