//! PeerTube's abuse vocabulary: predefined reasons and report states.

/// PeerTube's predefined reasons, in the order of their ids (1..=8).
pub const PREDEFINED_REASONS: [&str; 8] = [
    "violentOrAbusive",
    "hatefulOrAbusive",
    "spamOrMisleading",
    "privacy",
    "rights",
    "serverRules",
    "thumbnails",
    "captions",
];

/// The store's bit for one reason name (bit `id - 1`); `None` for a name PeerTube lacks.
pub fn reason_bit(name: &str) -> Option<i64> {
    PREDEFINED_REASONS
        .iter()
        .position(|r| *r == name)
        .map(|i| 1i64 << i)
}

/// The bit set of a list of names; `Err` with the first unknown name.
pub fn reasons_to_bits<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<i64, &'a str> {
    names
        .into_iter()
        .try_fold(0, |acc, n| reason_bit(n).map(|b| acc | b).ok_or(n))
}

/// The names of a bit set, in PeerTube's order.
pub fn bits_to_reasons(bits: i64) -> Vec<&'static str> {
    PREDEFINED_REASONS
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1i64 << i) != 0)
        .map(|(_, r)| *r)
        .collect()
}

pub const ABUSE_PENDING: i64 = 1;
pub const ABUSE_REJECTED: i64 = 2;
pub const ABUSE_ACCEPTED: i64 = 3;

/// PeerTube's label of a report state.
pub fn abuse_state_label(state: i64) -> &'static str {
    match state {
        ABUSE_PENDING => "Pending",
        ABUSE_REJECTED => "Rejected",
        ABUSE_ACCEPTED => "Accepted",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip_and_unknown_names_are_refused() {
        let bits = reasons_to_bits(["spamOrMisleading", "captions"]);
        assert_eq!(bits, Ok(0b1000_0100));
        let bits = bits.unwrap_or_default();
        assert_eq!(bits_to_reasons(bits), vec!["spamOrMisleading", "captions"]);
        assert_eq!(reasons_to_bits(["spam"]), Err("spam"));
        assert_eq!(bits_to_reasons(0), Vec::<&str>::new());
    }
}
