//! Markdown an administrator writes (the custom home page) turned into HTML that is safe to
//! embed: CommonMark with tables and strikethrough, where raw HTML is shown as text rather than
//! interpreted, and a link or image whose URL is not http(s), mailto or relative points nowhere
//! (`#`), so no script can ride in on a `javascript:` URL.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    match lower.split_once(':') {
        // A scheme before any `/`, `?` or `#`: only these.
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => {
            matches!(scheme, "http" | "https" | "mailto")
        }
        _ => true,
    }
}

fn defuse(url: CowStr<'_>) -> CowStr<'_> {
    if safe_url(&url) {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

/// The HTML of `md`.
pub fn to_safe_html(md: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let events = Parser::new_ext(md, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: defuse(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: defuse(dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

#[cfg(test)]
mod tests {
    use super::to_safe_html;

    #[test]
    fn markdown_is_rendered_and_html_is_text() {
        let html = to_safe_html("# Welcome\n\nSome **bold** and a [link](https://example.org).");
        assert!(html.contains("<h1>Welcome</h1>"), "{html}");
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(
            html.contains(r#"<a href="https://example.org">link</a>"#),
            "{html}"
        );
        let html = to_safe_html("<script>alert(1)</script>\n\nHi <img src=x onerror=alert(1)>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn dangerous_urls_point_nowhere() {
        for md in [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x]( data:text/html,hi)",
            "![x](vbscript:y)",
            "<javascript:alert(1)>",
        ] {
            let html = to_safe_html(md);
            let lower = html.to_ascii_lowercase();
            // The URL is gone from the attribute (an autolink keeps it as its visible text).
            assert!(
                lower.contains(r##"href="#""##) || lower.contains(r##"src="#""##),
                "{md}: {html}"
            );
            for bad in [
                r#"="javascript"#,
                r#"="vbscript"#,
                r#"="data:"#,
                r#"=" data:"#,
            ] {
                assert!(!lower.contains(bad), "{md}: {html}");
            }
        }
        assert!(to_safe_html("[x](/videos/upload)").contains(r#"href="/videos/upload""#));
        assert!(to_safe_html("[x](mailto:a@b.c)").contains(r#"href="mailto:a@b.c""#));
    }
}
