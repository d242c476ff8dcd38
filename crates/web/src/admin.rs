//! The administration pages (`/admin/...`): one frame (a side menu of sections) around
//! server-rendered tables and forms. Reading works without script; actions are forms and
//! buttons that `assets/admin.js` turns into calls to PeerTube's REST API (the `data-ft-*`
//! attributes name the method, URL and JSON body).

use crate::{render_or_fallback, Chrome};
use askama::Template;

/// One cell of a table row: text, a link when `href` is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            href: None,
        }
    }
    pub fn link(s: impl Into<String>, href: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            href: Some(href.into()),
        }
    }
}

/// What a field holds, and so how the script turns it into JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FieldKind {
    #[default]
    Text,
    Email,
    Password,
    /// A whole number (JSON number).
    Number,
    /// A checkbox (JSON boolean).
    Bool,
    /// A multi-line text.
    Area,
    /// A choice among `options`; `int` options become JSON numbers.
    Select {
        int: bool,
    },
    /// Words separated by spaces or commas (JSON array of strings).
    List,
}

/// One field of an API form. `name` is the dotted path of the value in the JSON body
/// (`instance.name`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub label: String,
    pub kind: FieldKind,
    pub value: String,
    pub checked: bool,
    /// (value, label) of a select.
    pub options: Vec<(String, String)>,
    pub required: bool,
    pub help: Option<String>,
}

impl Field {
    pub fn new(name: &str, label: String, kind: FieldKind) -> Field {
        Field {
            name: name.into(),
            label,
            kind,
            ..Default::default()
        }
    }
    pub fn value(mut self, v: impl Into<String>) -> Field {
        self.value = v.into();
        self
    }
    pub fn checked(mut self, on: bool) -> Field {
        self.checked = on;
        self
    }
    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }
    pub fn options(mut self, o: Vec<(String, String)>) -> Field {
        self.options = o;
        self
    }
    pub fn help(mut self, h: String) -> Field {
        self.help = Some(h);
        self
    }
    pub fn is_bool(&self) -> bool {
        self.kind == FieldKind::Bool
    }
    pub fn is_area(&self) -> bool {
        self.kind == FieldKind::Area
    }
    pub fn is_select(&self) -> bool {
        matches!(self.kind, FieldKind::Select { .. })
    }
    pub fn is_password(&self) -> bool {
        self.kind == FieldKind::Password
    }
    pub fn input_type(&self) -> &'static str {
        match self.kind {
            FieldKind::Email => "email",
            FieldKind::Password => "password",
            FieldKind::Number => "number",
            _ => "text",
        }
    }
    pub fn data_type(&self) -> &'static str {
        match self.kind {
            FieldKind::Number | FieldKind::Select { int: true } => "int",
            FieldKind::Bool => "bool",
            FieldKind::List => "list",
            _ => "string",
        }
    }
}

/// A call to the REST API: a button (no fields) or a form (fields, in a `<details>` when it
/// belongs to a row).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Action {
    /// Unique in the page (ids of the form's fields derive from it).
    pub id: String,
    pub label: String,
    pub method: &'static str,
    pub url: String,
    /// JSON merged under the fields' values.
    pub body: String,
    pub fields: Vec<Field>,
    /// Asks before sending (deletions).
    pub confirm: Option<String>,
    /// GET this URL first and send the whole object back with the fields changed.
    pub merge_from: Option<String>,
    pub danger: bool,
    pub submit: String,
}

impl Action {
    pub fn new(id: String, label: String, method: &'static str, url: String) -> Action {
        Action {
            id,
            submit: label.clone(),
            label,
            method,
            url,
            body: "{}".into(),
            ..Default::default()
        }
    }
    pub fn body(mut self, b: impl std::fmt::Display) -> Action {
        self.body = b.to_string();
        self
    }
    pub fn fields(mut self, f: Vec<Field>) -> Action {
        self.fields = f;
        self
    }
    pub fn confirm(mut self, text: String) -> Action {
        self.confirm = Some(text);
        self.danger = true;
        self
    }
    pub fn submit(mut self, s: String) -> Action {
        self.submit = s;
        self
    }
    pub fn merge_from(mut self, url: &str) -> Action {
        self.merge_from = Some(url.into());
        self
    }
}

/// A table row: its cells and what can be done to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    /// `data-id` of the row (tests find rows by it).
    pub key: String,
    pub cells: Vec<Cell>,
    pub actions: Vec<Action>,
}

/// A `<select>` of the page's filter form (GET, works without script).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub name: String,
    pub label: String,
    /// A text search when `options` is empty.
    pub value: String,
    pub options: Vec<(String, String)>,
}

/// One administration page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdminPage {
    /// The menu entry this page belongs to (its path prefix).
    pub section: &'static str,
    pub heading: String,
    pub intro: Option<String>,
    /// Sub-pages of the section (tabs): (href, label).
    pub tabs: Vec<(String, String)>,
    pub filters: Vec<Filter>,
    /// Forms above the table (create, follow, settings).
    pub forms: Vec<Action>,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
    /// Shown when there are no rows.
    pub empty: String,
    pub total: i64,
    /// Whether the page has a table at all (the settings page has none).
    pub has_table: bool,
    /// Links to the pages before and after this one of the list.
    pub pager: crate::browse::Pager,
}

impl AdminPage {
    /// The header of column `i` (the label a phone shows beside each cell).
    pub fn label(&self, i: impl std::borrow::Borrow<usize>) -> &str {
        self.headers
            .get(*i.borrow())
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// The side menu: (href, text key, admin only).
pub const MENU: &[(&str, &str, bool)] = &[
    ("/admin/users", "admin-menu-users", false),
    ("/admin/follows", "admin-menu-follows", true),
    ("/admin/moderation", "admin-menu-moderation", false),
    ("/admin/overview/comments", "admin-menu-comments", false),
    ("/admin/system", "admin-menu-jobs", true),
    ("/admin/config", "admin-menu-config", true),
];

#[derive(Template)]
#[template(path = "admin/page.html")]
struct AdminTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    p: &'a AdminPage,
    menu: Vec<(&'static str, String, &'static str)>,
}

#[derive(Template)]
#[template(path = "admin/forbidden.html")]
struct ForbiddenTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
}

fn menu(c: &Chrome) -> Vec<(&'static str, String, &'static str)> {
    MENU.iter()
        .filter(|(_, _, admin_only)| !admin_only || c.is_admin())
        .map(|(href, key, _)| (*href, c.t(key), c.current(href)))
        .collect()
}

pub fn render_admin(c: &Chrome, p: &AdminPage) -> String {
    render_or_fallback(&AdminTemplate {
        c,
        title: c.title(&p.heading),
        page: "admin",
        p,
        menu: menu(c),
    })
}

/// The 403 page of a reader who may not see an administration page.
pub fn render_forbidden(c: &Chrome) -> String {
    render_or_fallback(&ForbiddenTemplate {
        c,
        title: c.title(&c.t("admin-forbidden-title")),
        page: "forbidden",
    })
}
