//! PeerTube's `shortUUID`: the uuid's 128 bits written in the flickrBase58 alphabet and left-padded
//! with `1` (the alphabet's zero) to 22 characters, as the npm `short-uuid` package does. `bs58`'s
//! leading-zero rule differs, hence this small codec with test vectors from the real package.

use uuid::Uuid;

const ALPHABET: &[u8; 58] = b"123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
const SHORT_LEN: usize = 22;

pub fn short_uuid(uuid: &Uuid) -> String {
    let mut n = uuid.as_u128();
    let mut out = Vec::with_capacity(SHORT_LEN);
    while n > 0 {
        // `n % 58` is always within the 58-character alphabet.
        out.extend(ALPHABET.get((n % 58) as usize));
        n /= 58;
    }
    while out.len() < SHORT_LEN {
        out.push(b'1');
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes a shortUUID; `None` for anything that is not one (wrong alphabet, overflow).
pub fn uuid_from_short(short: &str) -> Option<Uuid> {
    if short.is_empty() || short.len() > SHORT_LEN {
        return None;
    }
    let mut n: u128 = 0;
    for c in short.bytes() {
        let digit = ALPHABET.iter().position(|&a| a == c)? as u128;
        n = n.checked_mul(58)?.checked_add(digit)?;
    }
    Some(Uuid::from_u128(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Vectors {
        vectors: Vec<Pair>,
    }
    #[derive(serde::Deserialize)]
    struct Pair {
        uuid: String,
        #[serde(rename = "shortUUID")]
        short: String,
    }

    #[test]
    fn matches_the_npm_short_uuid_package() {
        let v: Vectors = serde_json::from_str(include_str!("../data/short-uuid-vectors.json"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(v.vectors.len() >= 3);
        for p in v.vectors {
            let u = Uuid::parse_str(&p.uuid).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(short_uuid(&u), p.short, "{}", p.uuid);
            assert_eq!(uuid_from_short(&p.short), Some(u));
        }
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(uuid_from_short("0OIl"), None);
        assert_eq!(uuid_from_short(""), None);
        assert_eq!(uuid_from_short("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"), None);
    }
}
