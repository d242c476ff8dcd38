//! The pages' texts, in one place per language: Fluent files under `crates/web/locales/{lang}/`
//! (one file per area of the interface, so that translators and engineers work on small files),
//! compiled into the binary by `fluent-templates`. English is the fallback for a text a
//! translation lacks; a test keeps both languages' keys equal.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // No Unicode isolation marks around arguments: they would show in `title` attributes.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A language the interface is shipped in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// BCP 47 code (`lang` attribute, the `ft_lang` cookie).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language's own name, for the language menu.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    /// `en`, `en-GB`, `fr-CA`...: the shipped language of that primary tag.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "fr" => Some(Lang::Fr),
            _ => None,
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        static IDS: OnceLock<[LanguageIdentifier; 2]> = OnceLock::new();
        let ids = IDS.get_or_init(|| {
            [
                "en".parse().unwrap_or_default(),
                "fr".parse().unwrap_or_default(),
            ]
        });
        match self {
            Lang::En => &ids[0],
            Lang::Fr => &ids[1],
        }
    }

    /// The text `key`; the key itself when no language has it (a test forbids that).
    pub fn t(self, key: &str) -> String {
        LOCALES
            .try_lookup(self.id(), key)
            .unwrap_or_else(|| key.to_string())
    }

    /// The text `key` with Fluent arguments (numbers choose plural forms).
    pub fn t_args(self, key: &str, args: &[(&'static str, FluentValue<'static>)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'static>> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), v.clone()))
            .collect();
        LOCALES
            .try_lookup_with_args(self.id(), key, &map)
            .unwrap_or_else(|| key.to_string())
    }
}

/// The language of a page: the reader's choice (the `ft_lang` cookie), else the first shipped
/// language of `Accept-Language` by its weights, else English.
pub fn negotiate(choice: Option<&str>, accept_language: Option<&str>) -> Lang {
    if let Some(l) = choice.and_then(Lang::from_tag) {
        return l;
    }
    let Some(header) = accept_language else {
        return Lang::default();
    };
    let mut best: Option<(f32, Lang)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("");
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if let Some(l) = Lang::from_tag(tag) {
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, l));
            }
        }
    }
    best.map(|(_, l)| l).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn picks_the_cookie_then_accept_language_then_english() {
        assert_eq!(negotiate(Some("fr"), Some("en")), Lang::Fr);
        assert_eq!(
            negotiate(None, Some("de-DE,fr-CA;q=0.8,en;q=0.5")),
            Lang::Fr
        );
        assert_eq!(negotiate(None, Some("fr;q=0.4, en-GB;q=0.9")), Lang::En);
        assert_eq!(negotiate(Some("xx"), Some("de")), Lang::En);
        assert_eq!(negotiate(None, None), Lang::En);
    }

    #[test]
    fn plural_forms_follow_the_language() {
        let n = |l: Lang, v: i64| l.t_args("views-count", &[("count", v.into())]);
        assert_eq!(n(Lang::En, 1), "1 view");
        assert_eq!(n(Lang::En, 2), "2 views");
        assert_eq!(n(Lang::Fr, 0), "0 vue");
        assert_eq!(n(Lang::Fr, 3), "3 vues");
    }

    fn keys(lang: &str) -> BTreeSet<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(lang);
        let mut keys = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).expect("locale dir") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("ftl");
            for line in text.lines() {
                let Some((k, _)) = line.split_once(" =") else {
                    continue;
                };
                if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                    assert!(keys.insert(k.to_string()), "{lang}: {k} defined twice");
                }
            }
        }
        keys
    }

    /// Every text exists in every language, and every text a template asks for exists.
    #[test]
    fn languages_have_the_same_texts_and_templates_use_known_ones() {
        let en = keys("en");
        let fr = keys("fr");
        let only_en: Vec<_> = en.difference(&fr).collect();
        let only_fr: Vec<_> = fr.difference(&en).collect();
        assert!(only_en.is_empty(), "missing in fr: {only_en:?}");
        assert!(only_fr.is_empty(), "missing in en: {only_fr:?}");
        let templates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut stack = vec![templates];
        let mut unknown = Vec::new();
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("templates") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("template");
                // `c.t("key")`, `c.tn("key", ..)`, `c.ts("key", ..)` in template expressions.
                for call in ["c.t(\"", "c.tn(\"", "c.ts(\""] {
                    for (i, _) in text.match_indices(call) {
                        let rest = text.get(i + call.len()..).unwrap_or("");
                        let key = rest.split('"').next().unwrap_or("");
                        if !en.contains(key) {
                            unknown.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(unknown.is_empty(), "unknown texts: {unknown:?}");
    }
}
