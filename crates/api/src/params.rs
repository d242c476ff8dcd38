//! Query-string parsing with PeerTube's rules and errors: each bad parameter is a 400 naming it,
//! never a 500. Arrays come as repeated keys (`tagsOneOf=a&tagsOneOf=b`) or with `[]`.

use crate::error::{ApiError, ApiResult, ParamLocation};
use ferrotube_db::sort::{Sort, SortKey};

pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn parse(raw: Option<&str>) -> Params {
        let pairs = raw
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.trim_end_matches("[]").to_string(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Params { pairs }
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn int(&self, name: &str, min: i64, max: i64) -> ApiResult<Option<i64>> {
        match self.str(name) {
            None | Some("") => Ok(None),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
                _ => Err(ApiError::bad_param(
                    name,
                    v,
                    format!("Should have a number {name} between {min} and {max}"),
                    ParamLocation::Query,
                )),
            },
        }
    }

    pub fn bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.str(name) {
            None | Some("") => Ok(None),
            Some("true") | Some("1") => Ok(Some(true)),
            Some("false") | Some("0") => Ok(Some(false)),
            Some(v) => Err(ApiError::bad_param(
                name,
                v,
                format!("Should have a boolean {name}"),
                ParamLocation::Query,
            )),
        }
    }

    /// A date-time parameter (ISO 8601, as PeerTube's `startDate`) as Unix milliseconds.
    pub fn date(&self, name: &str) -> ApiResult<Option<i64>> {
        match self.str(name) {
            None | Some("") => Ok(None),
            Some(v) => ferrotube_model::timefmt::parse_iso(v)
                .map(Some)
                .ok_or_else(|| {
                    ApiError::bad_param(
                        name,
                        v,
                        format!("Should have a valid {name} date"),
                        ParamLocation::Query,
                    )
                }),
        }
    }

    pub fn ints(&self, name: &str) -> ApiResult<Vec<i64>> {
        self.all(name)
            .into_iter()
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    ApiError::bad_param(
                        name,
                        v,
                        format!("Should have valid {name} numbers"),
                        ParamLocation::Query,
                    )
                })
            })
            .collect()
    }

    /// `start` and `count` (PeerTube: count at most 100, default 15).
    pub fn pagination(&self, default_count: i64) -> ApiResult<(i64, i64)> {
        let start = self.int("start", 0, i64::MAX / 2)?.unwrap_or(0);
        let count = self.int("count", 0, 100)?.unwrap_or(default_count);
        Ok((start, count))
    }

    /// PeerTube's `sort` (`-createdAt`...) as a key of the list's sort enum; `default` when
    /// absent, a 400 for a key the list does not have.
    pub fn sort<K: SortKey>(&self, default: Sort<K>) -> ApiResult<Sort<K>> {
        let Some(raw) = self.str("sort").filter(|s| !s.is_empty()) else {
            return Ok(default);
        };
        Sort::parse(raw).ok_or_else(|| {
            ApiError::bad_param(
                "sort",
                raw,
                "Should have correct sortable column",
                ParamLocation::Query,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ferrotube_db::sort::VideoSort;

    #[test]
    fn parses_and_rejects() {
        let p = Params::parse(Some(
            "count=abc&tagsOneOf[]=a&tagsOneOf=b&sort=-createdAt&nsfw=maybe",
        ));
        assert!(p.pagination(15).is_err());
        assert_eq!(p.all("tagsOneOf"), vec!["a", "b"]);
        assert_eq!(
            p.sort(Sort::asc(VideoSort::Name)).unwrap(),
            Sort::desc(VideoSort::CreatedAt)
        );
        assert!(p.bool("nsfw").is_err());
        let p = Params::parse(Some("count=101"));
        assert!(p.pagination(15).is_err());
        let p = Params::parse(Some("sort=nope"));
        assert!(p.sort(Sort::asc(VideoSort::Name)).is_err());
    }
}
