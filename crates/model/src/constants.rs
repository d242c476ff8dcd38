//! PeerTube's video categories, licences, languages and privacies, as its API lists them.
//! Categories, licences and privacies are copied from a real PeerTube's answers.

use std::collections::BTreeMap;
use std::sync::OnceLock;

fn parse_map(raw: &str) -> BTreeMap<i64, String> {
    let m: BTreeMap<String, String> = serde_json::from_str(raw).unwrap_or_default();
    m.into_iter()
        .filter_map(|(k, v)| k.parse().ok().map(|k| (k, v)))
        .collect()
}

pub fn categories() -> &'static BTreeMap<i64, String> {
    static M: OnceLock<BTreeMap<i64, String>> = OnceLock::new();
    M.get_or_init(|| parse_map(include_str!("../data/videos-categories.json")))
}

pub fn licences() -> &'static BTreeMap<i64, String> {
    static M: OnceLock<BTreeMap<i64, String>> = OnceLock::new();
    M.get_or_init(|| parse_map(include_str!("../data/videos-licences.json")))
}

pub fn privacies() -> &'static BTreeMap<i64, String> {
    static M: OnceLock<BTreeMap<i64, String>> = OnceLock::new();
    M.get_or_init(|| parse_map(include_str!("../data/videos-privacies.json")))
}

/// ISO 639 codes PeerTube offers (its list is longer; these are the most used, and unknown
/// codes are rejected with a clear error rather than stored).
pub const LANGUAGES: &[(&str, &str)] = &[
    ("ar", "Arabic"),
    ("bn", "Bengali"),
    ("ca", "Catalan"),
    ("cs", "Czech"),
    ("da", "Danish"),
    ("de", "German"),
    ("el", "Greek"),
    ("en", "English"),
    ("eo", "Esperanto"),
    ("es", "Spanish"),
    ("eu", "Basque"),
    ("fa", "Persian"),
    ("fi", "Finnish"),
    ("fr", "French"),
    ("ga", "Irish"),
    ("gl", "Galician"),
    ("he", "Hebrew"),
    ("hi", "Hindi"),
    ("hr", "Croatian"),
    ("hu", "Hungarian"),
    ("id", "Indonesian"),
    ("is", "Icelandic"),
    ("it", "Italian"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("la", "Latin"),
    ("lt", "Lithuanian"),
    ("nl", "Dutch"),
    ("no", "Norwegian"),
    ("oc", "Occitan"),
    ("pl", "Polish"),
    ("pt", "Portuguese"),
    ("ro", "Romanian"),
    ("ru", "Russian"),
    ("sk", "Slovak"),
    ("sl", "Slovenian"),
    ("sr", "Serbian"),
    ("sv", "Swedish"),
    ("sw", "Swahili"),
    ("ta", "Tamil"),
    ("th", "Thai"),
    ("tr", "Turkish"),
    ("uk", "Ukrainian"),
    ("vi", "Vietnamese"),
    ("zh", "Chinese"),
    ("zh-Hans", "Chinese (Simplified)"),
    ("zh-Hant", "Chinese (Traditional)"),
];

pub fn language_label(code: &str) -> Option<&'static str> {
    LANGUAGES.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// The PeerTube version whose API and federation dialect Ferrotube speaks: `/api/v1/config`'s
/// `serverVersion` and NodeInfo's `software.version` both say it, so clients (which check it to
/// enable features) and remote instances see one version.
pub const PEERTUBE_COMPAT_VERSION: &str = "7.1.0";

#[cfg(test)]
mod tests {
    #[test]
    fn tables_load() {
        assert_eq!(
            super::categories().get(&15).map(String::as_str),
            Some("Science & Technology")
        );
        assert_eq!(
            super::licences().get(&1).map(String::as_str),
            Some("Attribution")
        );
        assert_eq!(super::privacies().len(), 5);
        assert_eq!(super::language_label("en"), Some("English"));
    }
}
