//! Where video files live. Local disk now; S3-compatible object storage is another implementation
//! of the same trait. Keys are relative paths like `streaming-playlists/hls/<uuid>/<file>`.
//! Writes go to a temp location first and are moved into place, so readers never see half a file.

use std::path::{Path, PathBuf};

pub mod object;

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
    /// Makes the object at `from` also available at `to` (replacing what was there): a hard
    /// link on a local disk, a server-side copy on object storage.
    async fn link(&self, from: &str, to: &str) -> Result<()>;
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

    async fn link(&self, from: &str, to: &str) -> Result<()> {
        check_key(from)?;
        check_key(to)?;
        let (src, dest) = (self.root.join(from), self.root.join(to));
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(io(parent))?;
        }
        // Linked under a temporary name, then renamed over the destination: readers see the
        // old file or the new one.
        let tmp = dest.with_extension(format!("link-{}", uuid::Uuid::new_v4()));
        if tokio::fs::hard_link(&src, &tmp).await.is_err() {
            tokio::fs::copy(&src, &tmp).await.map_err(io(&src))?;
        }
        tokio::fs::rename(&tmp, &dest).await.map_err(io(&dest))
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

/// Where resumable uploads collect their chunks until the file is complete. Local disk keeps
/// them as files under the store's temp folder; a shared store (S3 multipart parts) lets any
/// node take the next chunk. Upload ids are checked like keys.
#[allow(async_fn_in_trait)]
pub trait ChunkStore: Send + Sync {
    /// Creates an empty upload.
    async fn create_upload(&self, upload_id: &str) -> Result<()>;
    /// Writes `data` at `offset` (the bytes received so far).
    async fn write_chunk(&self, upload_id: &str, offset: u64, data: &[u8]) -> Result<()>;
    /// Makes what was written durable (before the offset is recorded as received).
    async fn sync_upload(&self, upload_id: &str) -> Result<()>;
    /// Cuts the upload back to `len` bytes (a chunk that failed half-way is forgotten).
    async fn truncate_upload(&self, upload_id: &str, len: u64) -> Result<()>;
    async fn remove_upload(&self, upload_id: &str) -> Result<()>;
    /// A local file holding the complete upload, for probing and moving into the store.
    fn upload_file(&self, upload_id: &str) -> Result<PathBuf>;
}

impl LocalStore {
    fn uploads_dir(&self) -> PathBuf {
        self.temp_dir().join("uploads")
    }
}

impl ChunkStore for LocalStore {
    async fn create_upload(&self, upload_id: &str) -> Result<()> {
        let path = self.upload_file(upload_id)?;
        let dir = self.uploads_dir();
        tokio::fs::create_dir_all(&dir).await.map_err(io(&dir))?;
        tokio::fs::File::create(&path).await.map_err(io(&path))?;
        Ok(())
    }

    async fn write_chunk(&self, upload_id: &str, offset: u64, data: &[u8]) -> Result<()> {
        use tokio::io::{AsyncSeekExt, AsyncWriteExt};
        let path = self.upload_file(upload_id)?;
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .await
            .map_err(io(&path))?;
        file.seek(std::io::SeekFrom::Start(offset))
            .await
            .map_err(io(&path))?;
        file.write_all(data).await.map_err(io(&path))?;
        file.flush().await.map_err(io(&path))?;
        Ok(())
    }

    async fn sync_upload(&self, upload_id: &str) -> Result<()> {
        let path = self.upload_file(upload_id)?;
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .await
            .map_err(io(&path))?;
        file.sync_data().await.map_err(io(&path))
    }

    async fn truncate_upload(&self, upload_id: &str, len: u64) -> Result<()> {
        let path = self.upload_file(upload_id)?;
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .await
            .map_err(io(&path))?;
        file.set_len(len).await.map_err(io(&path))
    }

    async fn remove_upload(&self, upload_id: &str) -> Result<()> {
        let path = self.upload_file(upload_id)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StorageError::Io { path, source: e }),
        }
    }

    fn upload_file(&self, upload_id: &str) -> Result<PathBuf> {
        check_key(upload_id)?;
        if upload_id.contains('/') {
            return Err(StorageError::BadKey(upload_id.to_string()));
        }
        Ok(self.uploads_dir().join(upload_id))
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

    #[tokio::test]
    async fn link_shares_the_object_under_another_key() {
        let root = tempfile::tempdir().unwrap();
        let store = LocalStore::new(root.path());
        let src = root.path().join("upload");
        tokio::fs::write(&src, b"video").await.unwrap();
        store.put_file(&src, "originals/a.mp4").await.unwrap();
        store
            .link("originals/a.mp4", "web/a-720.mp4")
            .await
            .unwrap();
        store.delete("originals/a.mp4").await.unwrap();
        let got = std::fs::read(store.local_path("web/a-720.mp4").unwrap()).unwrap();
        assert_eq!(got, b"video", "the link outlives the original key");
        assert!(store.link("../x", "web/b").await.is_err());
    }

    #[tokio::test]
    async fn chunks_are_written_at_their_offset_and_cut_back() {
        let root = tempfile::tempdir().unwrap();
        let store = LocalStore::new(root.path());
        assert!(
            store.create_upload("../x").await.is_err(),
            "ids stay inside"
        );
        store.create_upload("up1").await.unwrap();
        store.write_chunk("up1", 0, b"hello ").await.unwrap();
        store.write_chunk("up1", 6, b"world").await.unwrap();
        store.truncate_upload("up1", 8).await.unwrap();
        let path = store.upload_file("up1").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"hello wo");
        store.remove_upload("up1").await.unwrap();
        assert!(!path.exists());
        store.remove_upload("up1").await.unwrap();
    }
}
