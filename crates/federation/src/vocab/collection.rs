//! Ordered collections (outbox, followers, following, likes...) and their pages, paginated as
//! PeerTube does: the collection names its first page, each page its successor.

use super::{context, id_of, one_or_many, Result, VocabError};
use serde_json::{json, Map, Value};

/// The collection document; `first` is left out when the collection is not browsable (PeerTube
/// shows only the count of a channel's followers).
pub fn ordered_collection(id: &str, total: i64, first: Option<&str>) -> Value {
    let mut m = Map::new();
    m.insert("@context".into(), context::base());
    m.insert("id".into(), json!(id));
    m.insert("type".into(), json!("OrderedCollection"));
    m.insert("totalItems".into(), json!(total));
    if let Some(f) = first {
        m.insert("first".into(), json!(f));
    }
    Value::Object(m)
}

/// One page; `next` is left out on the last page.
pub fn ordered_collection_page(
    id: &str,
    part_of: &str,
    items: Vec<Value>,
    total: i64,
    next: Option<&str>,
) -> Value {
    let mut m = Map::new();
    m.insert("@context".into(), context::base());
    m.insert("id".into(), json!(id));
    m.insert("type".into(), json!("OrderedCollectionPage"));
    if let Some(n) = next {
        m.insert("next".into(), json!(n));
    }
    m.insert("partOf".into(), json!(part_of));
    m.insert("orderedItems".into(), Value::Array(items));
    m.insert("totalItems".into(), json!(total));
    Value::Object(m)
}

/// What a crawler needs from a collection or a page: the items here and where to go next.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionPage {
    /// URLs (as `Value::String`) or embedded objects, as given.
    pub items: Vec<Value>,
    /// The next page to fetch: a page's `next`, or a bare collection's `first`.
    pub next: Option<String>,
    pub total: Option<i64>,
}

/// Parses an (Ordered)Collection or one of its pages. A collection whose `first` page is
/// embedded (Mastodon does this) yields that page's items.
pub fn parse_collection(v: &Value) -> Result<CollectionPage> {
    let t = v.get("type").and_then(Value::as_str).unwrap_or("");
    if !matches!(
        t,
        "OrderedCollection" | "Collection" | "OrderedCollectionPage" | "CollectionPage"
    ) {
        return Err(VocabError::WrongType {
            expected: "a collection",
            got: t.to_owned(),
        });
    }
    let total = v.get("totalItems").and_then(Value::as_i64);
    let items = |p: &Value| -> Vec<Value> {
        one_or_many(p.get("orderedItems").or_else(|| p.get("items")))
            .into_iter()
            .cloned()
            .collect()
    };
    // `next` may be a URL or a page object carrying its id.
    let link = |p: &Value, key: &str| p.get(key).and_then(id_of).map(str::to_owned);
    match v.get("first") {
        Some(first @ Value::Object(_)) => Ok(CollectionPage {
            items: items(first),
            next: link(first, "next"),
            total: total.or_else(|| first.get("totalItems").and_then(Value::as_i64)),
        }),
        Some(first) => Ok(CollectionPage {
            items: items(v),
            next: id_of(first).map(str::to_owned),
            total,
        }),
        None => Ok(CollectionPage {
            items: items(v),
            next: link(v, "next"),
            total,
        }),
    }
}
