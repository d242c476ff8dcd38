use std::path::PathBuf;

/// Everything that can go wrong while probing or transcoding.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The upload is not something we can turn into a video: ffprobe could
    /// not parse it, or it holds neither a video nor an audio stream. The
    /// message is meant to be shown to the uploader.
    #[error("not a video: {0}")]
    NotAVideo(String),

    /// ffmpeg/ffprobe could not be started at all (missing binary, ...).
    #[error("could not start {program}: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },

    /// ffmpeg ran but failed; `stderr` holds the last lines it printed.
    #[error("{program} failed ({status}): {stderr}")]
    Ffmpeg {
        program: String,
        status: String,
        stderr: String,
    },

    #[error("{program} did not finish within {secs} s and was killed")]
    Timeout { program: String, secs: u64 },

    /// The caller asked for something that cannot be produced from this
    /// input (e.g. a video rung for an audio-only file).
    #[error("invalid request: {0}")]
    InvalidRequest(String),

    /// ffmpeg produced output we cannot make sense of (e.g. a playlist
    /// without byte ranges); indicates an ffmpeg version mismatch.
    #[error("unexpected ffmpeg output in {path}: {reason}")]
    BadOutput { path: PathBuf, reason: String },

    #[error("i/o error on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl MediaError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        MediaError::Io {
            path: path.into(),
            source,
        }
    }
}
