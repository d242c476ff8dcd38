//! PeerTube's field rules (lengths and formats from its `CONSTRAINTS_FIELDS`), so that every
//! write path rejects the same things with the same messages.

use crate::constants;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

fn err(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

fn char_len(s: &str) -> usize {
    s.chars().count()
}

pub fn video_name(s: &str) -> Result<(), FieldError> {
    let n = char_len(s.trim());
    if !(3..=120).contains(&n) {
        return Err(err(
            "name",
            "Should have a video name between 3 and 120 characters long",
        ));
    }
    Ok(())
}

pub fn video_description(s: &str) -> Result<(), FieldError> {
    let n = char_len(s);
    if !(3..=10_000).contains(&n) {
        return Err(err(
            "description",
            "Should have a video description between 3 and 10000 characters long",
        ));
    }
    Ok(())
}

pub fn video_support(s: &str) -> Result<(), FieldError> {
    if !(3..=1000).contains(&char_len(s)) {
        return Err(err(
            "support",
            "Should have a video support text between 3 and 1000 characters long",
        ));
    }
    Ok(())
}

pub fn tags(tags: &[String]) -> Result<(), FieldError> {
    if tags.len() > 5 {
        return Err(err("tags", "Should have an array of up to 5 tags"));
    }
    for t in tags {
        if !(2..=30).contains(&char_len(t)) {
            return Err(err(
                "tags",
                "Should have tags between 2 and 30 characters long",
            ));
        }
    }
    Ok(())
}

pub fn category(id: i64) -> Result<(), FieldError> {
    if constants::categories().contains_key(&id) {
        Ok(())
    } else {
        Err(err("category", "Should have a valid category"))
    }
}

pub fn licence(id: i64) -> Result<(), FieldError> {
    if constants::licences().contains_key(&id) {
        Ok(())
    } else {
        Err(err("licence", "Should have a valid licence"))
    }
}

pub fn language(code: &str) -> Result<(), FieldError> {
    if constants::language_label(code).is_some() {
        Ok(())
    } else {
        Err(err("language", "Should have a valid language"))
    }
}

/// Usernames and channel handles: PeerTube's `^[a-z0-9._]+$`, 1 to 50 characters.
pub fn username(s: &str) -> Result<(), FieldError> {
    actor_name("username", s)
}

pub fn channel_name(s: &str) -> Result<(), FieldError> {
    actor_name("name", s)
}

fn actor_name(field: &'static str, s: &str) -> Result<(), FieldError> {
    let ok = (1..=50).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(err(
            field,
            "Should have a valid name (1 to 50 characters among a-z, 0-9, '.' and '_')",
        ))
    }
}

pub fn display_name(field: &'static str, s: &str) -> Result<(), FieldError> {
    if !(1..=120).contains(&char_len(s.trim())) {
        return Err(err(
            field,
            "Should have a display name between 1 and 120 characters long",
        ));
    }
    Ok(())
}

pub fn password(s: &str) -> Result<(), FieldError> {
    if !(6..=255).contains(&char_len(s)) {
        return Err(err(
            "password",
            "Should have a password between 6 and 255 characters long",
        ));
    }
    Ok(())
}

pub fn email(s: &str) -> Result<(), FieldError> {
    let valid = s.len() <= 400
        && s.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !s.chars().any(char::is_whitespace);
    if valid {
        Ok(())
    } else {
        Err(err("email", "Should have a valid email"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn rules() {
        assert!(video_name("ab").is_err());
        assert!(video_name("abc").is_ok());
        assert!(tags(&["a".into()]).is_err());
        assert!(tags(&vec!["ok".to_string(); 6]).is_err());
        assert!(username("Root").is_err());
        assert!(username("root_2.x").is_ok());
        assert!(email("a@b.c").is_ok());
        assert!(email("a@b").is_err());
        assert!(category(15).is_ok() && category(999).is_err());
        assert!(language("en").is_ok() && language("xx").is_err());
    }
}
