//! A video's chapters as PeerTube serves them at the Video's `hasParts` URL: `{id, hasPart:
//! [{name, startOffset, endOffset}]}`, each part ending where the next starts (the last at the
//! video's end).

use super::{context, req_url, Result, VocabError};
use serde_json::{json, Value};

/// The most chapters read from a remote document.
pub const MAX_CHAPTERS: usize = 500;

/// `(timecode seconds, title)` pairs in time order, the video's duration, as PeerTube's document.
pub fn chapters_to_json(id: &str, chapters: &[(i64, String)], duration_secs: i64) -> Value {
    let parts: Vec<Value> = chapters
        .iter()
        .enumerate()
        .map(|(i, (start, name))| {
            let end = chapters
                .get(i + 1)
                .map(|(t, _)| *t)
                .unwrap_or(duration_secs.max(*start));
            json!({ "name": name, "startOffset": start, "endOffset": end })
        })
        .collect();
    context::with(context::chapters(), json!({ "id": id, "hasPart": parts }))
}

/// Reads the chapters document: `(startOffset, name)` in time order, one per offset.
pub fn parse_chapters(doc: &Value) -> Result<Vec<(i64, String)>> {
    req_url(doc, "id")?;
    let parts = match doc.get("hasPart") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(VocabError::Invalid {
                field: "hasPart",
                reason: "not an array".into(),
            })
        }
    };
    let mut out: Vec<(i64, String)> = Vec::new();
    for p in parts.iter().take(MAX_CHAPTERS) {
        let start = p
            .get("startOffset")
            .and_then(Value::as_f64)
            .filter(|s| s.is_finite() && *s >= 0.0)
            .ok_or_else(|| VocabError::Invalid {
                field: "hasPart.startOffset",
                reason: "not a number".into(),
            })?;
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .ok_or(VocabError::Missing("hasPart.name"))?;
        let start = start as i64;
        if !out.iter().any(|(t, _)| *t == start) {
            out.push((start, name.chars().take(100).collect()));
        }
    }
    out.sort_by_key(|(t, _)| *t);
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn peertubes_document_both_ways() {
        let sample: Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/peertube-video-chapters.json"
        ))
        .unwrap();
        let parsed = parse_chapters(&sample).unwrap();
        assert_eq!(parsed, vec![(0, "Intro".into()), (3, "Middle".into())]);
        let ours = chapters_to_json(sample["id"].as_str().unwrap(), &parsed, 6);
        assert_eq!(ours, sample);
    }

    #[test]
    fn bad_documents() {
        assert!(parse_chapters(&json!({"hasPart": []})).is_err());
        assert!(parse_chapters(&json!({"id": "https://a.example/c", "hasPart": {}})).is_err());
        assert!(
            parse_chapters(&json!({"id": "https://a.example/c", "hasPart": [{"name": "x"}]}))
                .is_err()
        );
        assert!(parse_chapters(
            &json!({"id": "https://a.example/c", "hasPart": [{"name": "x", "startOffset": -1}]})
        )
        .is_err());
    }
}
