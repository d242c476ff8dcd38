//! What every page shows around its content (the header, the menus, the footer) and what every
//! template needs to say things: the reader's language, theme and session. The API crate builds
//! one [`Chrome`] per request (`api::pages::Page`) and passes it to the page's render function.

use crate::i18n::Lang;

/// The colour theme the reader chose; `Auto` follows the system's (`prefers-color-scheme`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    Auto,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::Auto, Theme::Light, Theme::Dark];

    pub fn code(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn from_code(s: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.code() == s)
    }
}

/// The signed-in reader, as the header shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// PeerTube's role id: 0 administrator, 1 moderator, 2 user.
    pub role: i64,
    pub unread_notifications: i64,
    /// `/lazy-static/avatars/...`, when the account has one.
    pub avatar_path: Option<String>,
    /// The user turned `p2pEnabled` off: the player fetches over HTTP only
    /// (`<body data-p2p="off">`).
    pub p2p_disabled: bool,
    /// The user's `autoPlayVideo`: the watch page starts playing by itself
    /// (`<body data-autoplay="on">`).
    pub autoplay: bool,
}

/// The page's surroundings and the reader's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chrome {
    pub instance_name: String,
    pub lang: Lang,
    pub theme: Theme,
    pub user: Option<SessionUser>,
    /// The token the page's script sends with its changes (`X-CSRF-Token`) and forms carry as
    /// `_csrf`; empty when nobody is signed in.
    pub csrf: String,
    /// The reader's NSFW policy (PeerTube's `do_not_list`, `blur`, `warn`, `display`): the user's
    /// own, or the instance's default for anonymous readers. Lists hide sensitive videos under
    /// `do_not_list` and blur their thumbnails under `blur` and `warn` (`<body data-nsfw>`).
    pub nsfw_policy: String,
    /// The path (and query) of this page: where sign-in returns, which menu entry is current.
    pub path: String,
    /// Whether the instance takes sign-ups (the header's "Create an account").
    pub signup_open: bool,
    /// Content hash of the static assets (`?v=` cache busting).
    pub asset_v: String,
}

impl Chrome {
    /// The frame of a page for an anonymous English reader (tests, the static page dump).
    pub fn anonymous(instance_name: &str) -> Chrome {
        Chrome {
            instance_name: instance_name.to_string(),
            path: "/".into(),
            nsfw_policy: "do_not_list".into(),
            asset_v: crate::asset_version(),
            ..Default::default()
        }
    }

    /// Whether sensitive videos' thumbnails are blurred for this reader.
    pub fn blurs_nsfw(&self) -> bool {
        matches!(self.nsfw_policy.as_str(), "blur" | "warn")
    }

    /// Whether lists leave sensitive videos out for this reader.
    pub fn hides_nsfw(&self) -> bool {
        self.nsfw_policy == "do_not_list"
    }

    /// A text of the page's language.
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    /// A text with a number argument (`count`, plural forms).
    pub fn tn(&self, key: &str, name: &'static str, n: impl std::borrow::Borrow<i64>) -> String {
        self.lang.t_args(key, &[(name, (*n.borrow()).into())])
    }

    /// A text with a string argument.
    pub fn ts(&self, key: &str, name: &'static str, s: impl AsRef<str>) -> String {
        self.lang
            .t_args(key, &[(name, s.as_ref().to_string().into())])
    }

    pub fn signed_in(&self) -> bool {
        self.user.is_some()
    }

    /// Moderators and administrators see the administration menu.
    pub fn is_moderator(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role <= 1)
    }

    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == 0)
    }

    /// `aria-current="page"` for the menu entry of this page.
    pub fn current(&self, prefix: &str) -> &'static str {
        let path = self.path.split('?').next().unwrap_or("");
        let here = if prefix == "/" {
            path == "/"
        } else {
            path == prefix || path.starts_with(&format!("{prefix}/"))
        };
        if here {
            "page"
        } else {
            "false"
        }
    }

    /// This page's path, for `?next=` links (percent-encoded).
    pub fn next_param(&self) -> String {
        url_encode(&self.path)
    }

    /// The language menu: (code, name, chosen).
    pub fn lang_options(&self) -> Vec<(&'static str, &'static str, bool)> {
        Lang::ALL
            .into_iter()
            .map(|l| (l.code(), l.native_name(), l == self.lang))
            .collect()
    }

    /// The theme menu: (code, label, chosen).
    pub fn theme_options(&self) -> Vec<(&'static str, String, bool)> {
        Theme::ALL
            .into_iter()
            .map(|t| {
                (
                    t.code(),
                    self.t(&format!("theme-{}", t.code())),
                    t == self.theme,
                )
            })
            .collect()
    }

    /// The page's title: `part - instance`, or the instance's name alone.
    pub fn title(&self, part: &str) -> String {
        if part.is_empty() {
            self.instance_name.clone()
        } else {
            format!("{part} - {}", self.instance_name)
        }
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
