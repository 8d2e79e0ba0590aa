//! Where a log's files live: [`Fetcher`] reads them by tlog-tiles path, [`LogStorage`] also writes them
//! durably. [`FsStorage`] keeps them in a directory laid out exactly as C2SP tlog-tiles, so the directory
//! can be served as static files and mirrored with `wget --mirror`.
//!
//! Durability: each file is written to a temporary name in its directory, fsynced, renamed over its final
//! name, and the directory is fsynced. A batch fsyncs its files from several threads at once (the
//! filesystem journal then commits them together: on this machine 200 files take 0.1 s instead of 0.8 s).

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Reads a log's files by path (`checkpoint`, `tile/0/000`, `tile/entries/x001/000.p/7`, …).
pub trait Fetcher {
    /// The bytes at `path`, or `None` if there is no such file.
    fn fetch(&self, path: &str) -> io::Result<Option<Vec<u8>>>;
}

impl<T: Fetcher + ?Sized> Fetcher for &T {
    fn fetch(&self, path: &str) -> io::Result<Option<Vec<u8>>> {
        (**self).fetch(path)
    }
}

/// A log's storage: the static tlog-tiles tree plus the sequencer's private state file.
pub trait LogStorage: Fetcher + Send + Sync {
    /// Writes every file (each replaced atomically) and returns only once all are durable.
    fn write_durable(&self, files: Vec<(String, Vec<u8>)>) -> io::Result<()>;
    /// The widths `W` of the partial tiles `<path>.p/<W>` present.
    fn partial_widths(&self, path: &str) -> io::Result<Vec<u16>>;
}

/// Path of the sequencer's state (its last signed checkpoint). A dot-file: not part of tlog-tiles, not
/// secret either.
pub const STATE_PATH: &str = ".sequencer-checkpoint";
/// Path of the published (cosigned) checkpoint.
pub const CHECKPOINT_PATH: &str = "checkpoint";

/// A log kept in a directory.
#[derive(Debug, Clone)]
pub struct FsStorage {
    root: PathBuf,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl FsStorage {
    /// Uses (and creates) `root` as the tlog-tiles directory.
    pub fn open(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        fs::create_dir_all(&root)?;
        Ok(FsStorage { root })
    }

    /// Reads an existing directory (a log or a mirror of one) without creating anything.
    pub fn existing(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} is not a directory", root.display()),
            ));
        }
        Ok(FsStorage { root })
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn resolve(&self, path: &str) -> io::Result<PathBuf> {
        let ok = !path.is_empty()
            && !path.starts_with('/')
            && path
                .split('/')
                .all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains('\\'));
        if !ok {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("refusing path {path:?}"),
            ));
        }
        Ok(self.root.join(path))
    }
}

impl Fetcher for FsStorage {
    fn fetch(&self, path: &str) -> io::Result<Option<Vec<u8>>> {
        let p = self.resolve(path)?;
        match fs::read(&p) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::IsADirectory => Ok(None),
            Err(e) => Err(e),
        }
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Runs `f` over `items` on up to 16 threads.
fn parallel<T: Sync>(items: &[T], f: impl Fn(&T) -> io::Result<()> + Sync) -> io::Result<()> {
    if items.len() <= 1 {
        return items.iter().try_for_each(&f);
    }
    let threads = items.len().min(16);
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(|| c.iter().try_for_each(&f)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(io::Error::other("writer panicked")))
            })
            .collect::<io::Result<Vec<()>>>()
    })?;
    Ok(())
}

impl LogStorage for FsStorage {
    fn write_durable(&self, files: Vec<(String, Vec<u8>)>) -> io::Result<()> {
        if files.is_empty() {
            return Ok(());
        }
        // Directories first: create missing ones and remember whose parents must be synced.
        let mut dirs: BTreeSet<PathBuf> = BTreeSet::new();
        let mut new_dirs: BTreeSet<PathBuf> = BTreeSet::new();
        let mut resolved = Vec::with_capacity(files.len());
        for (path, bytes) in files {
            let p = self.resolve(&path)?;
            let parent = p.parent().expect("under root").to_path_buf();
            if dirs.insert(parent.clone()) && !parent.exists() {
                let mut d = parent.clone();
                while !d.exists() {
                    new_dirs.insert(d.clone());
                    d = d.parent().expect("under root").to_path_buf();
                }
                fs::create_dir_all(&parent)?;
            }
            resolved.push((p, bytes));
        }
        let pid = std::process::id();
        parallel(&resolved, |(p, bytes)| {
            let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
            let mut tmp = p.clone().into_os_string();
            tmp.push(format!(".tmp-{pid}-{n}"));
            let tmp = PathBuf::from(tmp);
            let mut f = File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            drop(f);
            fs::rename(&tmp, p)
        })?;
        for d in &new_dirs {
            dirs.insert(d.parent().expect("under root").to_path_buf());
        }
        let dirs: Vec<PathBuf> = dirs.into_iter().collect();
        parallel(&dirs, |d| sync_dir(d))
    }

    fn partial_widths(&self, path: &str) -> io::Result<Vec<u16>> {
        let mut p = self.resolve(path)?.into_os_string();
        p.push(".p");
        let dir = PathBuf::from(p);
        let mut out = Vec::new();
        let rd = match fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e),
        };
        for e in rd {
            let name = e?.file_name();
            if let Some(w) = name.to_str().and_then(|s| s.parse::<u16>().ok()) {
                if (1..256).contains(&w) && name.to_str() == Some(&w.to_string()) {
                    out.push(w);
                }
            }
        }
        out.sort_unstable();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_reads_lists_and_refuses_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let s = FsStorage::open(dir.path()).unwrap();
        s.write_durable(vec![
            ("tile/0/000.p/3".into(), vec![1; 96]),
            ("tile/0/000.p/17".into(), vec![2; 17 * 32]),
            ("checkpoint".into(), b"x".to_vec()),
        ])
        .unwrap();
        assert_eq!(s.fetch("checkpoint").unwrap().unwrap(), b"x");
        assert_eq!(s.fetch("tile/0/001").unwrap(), None);
        assert_eq!(s.fetch("tile/0").unwrap(), None);
        assert_eq!(s.partial_widths("tile/0/000").unwrap(), vec![3, 17]);
        assert!(s.fetch("../etc/passwd").is_err());
        assert!(s.fetch("/etc/passwd").is_err());
        assert!(s.fetch("tile//0").is_err());
        // No temporary files left behind.
        let names: Vec<_> = fs::read_dir(dir.path().join("tile/0/000.p"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2);
    }
}
