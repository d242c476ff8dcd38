//! Timestamps are kept as Unix milliseconds in both databases (portable, sortable) and written
//! the way PeerTube writes them: RFC 3339 with milliseconds and `Z`.

use time::{format_description::well_known::Rfc3339, OffsetDateTime};

pub fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn iso(ms: i64) -> String {
    let dt = OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        dt.year(),
        dt.month() as u8,
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.millisecond()
    )
}

/// Parses an RFC 3339 date (PeerTube accepts ISO dates for `originallyPublishedAt`).
pub fn parse_iso(s: &str) -> Option<i64> {
    let dt = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    Some((dt.unix_timestamp_nanos() / 1_000_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn round_trip() {
        let s = iso(1_764_078_883_303);
        assert_eq!(s, "2025-11-25T13:54:43.303Z");
        assert_eq!(parse_iso(&s), Some(1_764_078_883_303));
        assert_eq!(parse_iso("yesterday"), None);
    }
}

/// RFC 822/2822 date in GMT, as RSS 2.0 writes `pubDate` (`Fri, 27 Nov 2026 14:38:55 GMT`).
pub fn rfc2822(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let dt = OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let day = DAYS
        .get(usize::from(dt.weekday().number_days_from_monday()))
        .unwrap_or(&"Mon");
    let month = MONTHS
        .get(usize::from(dt.month() as u8).saturating_sub(1))
        .unwrap_or(&"Jan");
    format!(
        "{day}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
        dt.day(),
        dt.year(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

#[cfg(test)]
mod rfc2822_tests {
    #[test]
    fn writes_rss_dates() {
        // 2026-11-27T14:38:55Z, a Friday (samples/feeds/videos.xml).
        assert_eq!(
            super::rfc2822(1_795_790_335_000),
            "Fri, 27 Nov 2026 14:38:55 GMT"
        );
        assert_eq!(super::rfc2822(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }
}
