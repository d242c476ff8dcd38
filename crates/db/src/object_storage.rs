//! Where local videos' files live (migration 0017): `videos.storage`, 0 local disk, 1 object
//! storage.

use crate::macros::*;
use crate::{Db, Result, Tx};

/// PeerTube's `FileStorage`: `FILE_SYSTEM` and `OBJECT_STORAGE`.
pub const STORAGE_LOCAL: i64 = 0;
pub const STORAGE_OBJECT: i64 = 1;

impl Db {
    /// Records where a video's files are (and whether its objects are readable by anyone), in
    /// the caller's transaction.
    pub async fn set_video_storage_in(
        &self,
        tx: &mut Tx,
        video_id: i64,
        storage: i64,
        public: bool,
    ) -> Result<()> {
        tx_exec!(
            &mut *tx,
            "UPDATE videos SET storage = $1, storage_public = $2 WHERE id = $3",
            storage,
            i64::from(public),
            video_id
        )?;
        Ok(())
    }

    /// The uuids of the local videos whose files are in `storage` and that have files (what
    /// `storage migrate` still has to move), oldest first.
    pub async fn local_videos_in_storage(&self, storage: i64) -> Result<Vec<String>> {
        Ok(read_all!(
            self,
            (String,),
            "SELECT v.uuid FROM videos v WHERE v.url IS NULL AND v.storage = $1 \
             AND EXISTS (SELECT 1 FROM streaming_playlists p WHERE p.video_id = v.id) ORDER BY v.id",
            storage
        )?
        .into_iter()
        .map(|(u,)| u)
        .collect())
    }
}
