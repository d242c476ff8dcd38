//! Where video files live. Local disk now; S3-compatible object storage is another implementation
//! of the same trait. Keys are relative paths like `streaming-playlists/hls/<uuid>/<file>`.
//! Writes go to a temp location first and are moved into place, so readers never see half a file.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid storage key {0:?}")]
    BadKey(String),
    #[error("storage I/O on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, StorageError>;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StorageError + '_ {
    move |source| StorageError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Keys must stay inside the store: no absolute paths, no `..`, no empty segments.
pub fn check_key(key: &str) -> Result<()> {
    let ok = !key.is_empty()
        && !key.starts_with('/')
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && !seg.contains('\\')
                && !seg.contains('\0')
        });
    if ok {
        Ok(())
    } else {
        Err(StorageError::BadKey(key.to_string()))
    }
}

#[allow(async_fn_in_trait)]
pub trait ObjectStore: Send + Sync {
    /// Moves a finished local directory's files under `prefix` (replacing what was there).
    async fn put_dir(&self, local_dir: &Path, prefix: &str) -> Result<()>;
    /// Moves one finished local file to `key`.
    async fn put_file(&self, local: &Path, key: &str) -> Result<()>;
    async fn delete_prefix(&self, prefix: &str) -> Result<()>;
    async fn delete(&self, key: &str) -> Result<()>;
    /// A local path to serve `key` from, when the store is a local disk.
    fn local_path(&self, key: &str) -> Result<PathBuf>;
}

#[derive(Clone, Debug)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn new(root: impl Into<PathBuf>) -> LocalStore {
        LocalStore { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A scratch directory on the same filesystem, so the final move is a rename.
    pub fn temp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }
}

impl ObjectStore for LocalStore {
    async fn put_dir(&self, local_dir: &Path, prefix: &str) -> Result<()> {
        check_key(prefix)?;
        let dest = self.root.join(prefix);
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(io(parent))?;
        }
        // Swap: move the old copy aside, put the new one in, then remove the old one, so a
        // reader sees either the old or the new directory, never a mix.
        let old = dest.with_extension(format!("old-{}", uuid::Uuid::new_v4()));
        let had_old = tokio::fs::rename(&dest, &old).await.is_ok();
        tokio::fs::rename(local_dir, &dest)
            .await
            .map_err(io(&dest))?;
        if had_old {
            let _ = tokio::fs::remove_dir_all(&old).await;
        }
        Ok(())
    }

    async fn put_file(&self, local: &Path, key: &str) -> Result<()> {
        check_key(key)?;
        let dest = self.root.join(key);
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(io(parent))?;
        }
        tokio::fs::rename(local, &dest).await.map_err(io(&dest))?;
        Ok(())
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<()> {
        check_key(prefix)?;
        let p = self.root.join(prefix);
        match tokio::fs::remove_dir_all(&p).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StorageError::Io { path: p, source: e }),
        }
    }

    async fn delete(&self, key: &str) -> Result<()> {
        check_key(key)?;
        let p = self.root.join(key);
        match tokio::fs::remove_file(&p).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StorageError::Io { path: p, source: e }),
        }
    }

    fn local_path(&self, key: &str) -> Result<PathBuf> {
        check_key(key)?;
        Ok(self.root.join(key))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_stay_inside() {
        assert!(check_key("a/b.mp4").is_ok());
        for bad in ["", "/etc/passwd", "a/../b", "a//b", "..", "a\\b"] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn put_dir_replaces_atomically() {
        let root = tempfile::tempdir().unwrap();
        let store = LocalStore::new(root.path());
        for content in ["one", "two"] {
            let tmp = root.path().join(format!("work-{content}"));
            tokio::fs::create_dir_all(&tmp).await.unwrap();
            tokio::fs::write(tmp.join("f.txt"), content).await.unwrap();
            store.put_dir(&tmp, "hls/x").await.unwrap();
        }
        let got = tokio::fs::read_to_string(store.local_path("hls/x/f.txt").unwrap())
            .await
            .unwrap();
        assert_eq!(got, "two");
        let entries = std::fs::read_dir(root.path().join("hls")).unwrap().count();
        assert_eq!(entries, 1, "old copy removed");
        store.delete_prefix("hls/x").await.unwrap();
        assert!(!root.path().join("hls/x").exists());
    }
}
