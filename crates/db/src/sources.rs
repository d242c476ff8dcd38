//! A video's source (the kept original upload): its replacement.

use crate::macros::*;
use crate::{Db, Result, Tx};

impl Db {
    /// Records a replaced source in the caller's transaction (with its transcoding job): the
    /// file name and size the original now has, and when it was replaced.
    pub async fn replace_video_source_in(
        &self,
        tx: &mut Tx,
        video_id: i64,
        source_filename: &str,
        input_size: i64,
        now: i64,
    ) -> Result<()> {
        tx_exec!(
            &mut *tx,
            "UPDATE videos SET source_filename = $1, input_size = $2, input_file_updated_at = $3, updated_at = $3 WHERE id = $4",
            source_filename,
            input_size,
            now,
            video_id
        )?;
        Ok(())
    }
}
