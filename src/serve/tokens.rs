//! The server's bearer tokens: a file holding only their SHA-256 hashes, each with a role and a
//! name (`groupmatch token add|list|revoke`, `docs/serve.md`).
//!
//! A token is 256 random bits, printed once when it is made. Tokens are random, so a fast hash
//! is the right one to store (no password to guess): whoever reads the file learns no token. A
//! presented token is hashed and compared with every stored hash in constant time.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{Error, Problem, Result};

/// The prefix of every token, so secret scanners and people recognise one.
const TOKEN_PREFIX: &str = "gm_";
/// The longest token name.
const MAX_NAME_CHARS: usize = 64;
/// The fewest hex digits of a hash that `token revoke` takes as a prefix.
const MIN_PREFIX: usize = 8;
/// The largest tokens file read.
const MAX_TOKENS_FILE_BYTES: u64 = 4 << 20;

/// What a token may do. Each role may do everything the roles before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Rank, explain, list the directory and validate documents.
    Read,
    /// What `read` may, and match waitlists.
    Match,
    /// What `match` may, and reload the engine and tokens.
    Admin,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 3] = [Role::Read, Role::Match, Role::Admin];

    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Match => "match",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so a width (`{:<6}` in `token list`) applies.
        f.pad(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Role, String> {
        match s {
            "read" => Ok(Role::Read),
            "match" => Ok(Role::Match),
            "admin" => Ok(Role::Admin),
            _ => Err(format!("unknown role '{s}' (allowed: read, match, admin)")),
        }
    }
}

/// One stored token: its name, role and the SHA-256 of the token (never the token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenEntry {
    /// A name for people (who holds it), unique in the file.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The SHA-256 of the token, in lowercase hex.
    pub sha256: String,
}

/// The tokens file as written.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    tokens: Vec<TokenEntry>,
}

/// The tokens a server accepts.
///
/// ```
/// use groupmatch::serve::{Role, Tokens};
/// let mut tokens = Tokens::default();
/// let token = tokens.add(Role::Read, Some("helpline")).unwrap();
/// assert_eq!(tokens.role_of(&token), Some(Role::Read));
/// assert_eq!(tokens.role_of("gm_not-a-token"), None);
/// assert!(!serde_json::to_string(tokens.entries()).unwrap().contains(&token));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    entries: Vec<TokenEntry>,
    /// The entries' hashes as bytes, in the same order.
    hashes: Vec<[u8; 32]>,
}

impl Tokens {
    /// Reads a tokens file; every bad entry is a problem of the [`Error::Invalid`].
    pub fn read(path: &Path) -> Result<Tokens> {
        let label = path.display().to_string();
        let text = crate::formats::read_text(path, MAX_TOKENS_FILE_BYTES)?;
        let file: TokensFile = serde_json::from_str(&text)
            .map_err(|e| Error::invalid(&label, Some(e.line() as u64), None, e.to_string()))?;
        let mut tokens = Tokens::default();
        let mut problems = Vec::new();
        for entry in file.tokens {
            match tokens
                .problem(&entry)
                .or_else(|| hash_of_hex(&entry.sha256).err())
            {
                Some(message) => problems.push(Problem::new(None, Some("tokens"), message)),
                None => tokens.push(entry),
            }
        }
        crate::domain::check::invalid_if_any(&label, problems)?;
        Ok(tokens)
    }

    /// Reads a tokens file, or no tokens when there is no file yet.
    pub fn read_or_new(path: &Path) -> Result<Tokens> {
        if path.exists() {
            Tokens::read(path)
        } else {
            Ok(Tokens::default())
        }
    }

    /// Writes the tokens file atomically (a reader never sees half of it).
    pub fn write(&self, path: &Path) -> Result<()> {
        let file = TokensFile {
            tokens: self.entries.clone(),
        };
        crate::formats::write::write_json(path, &file)
    }

    /// The stored tokens, in the order they were added.
    pub fn entries(&self) -> &[TokenEntry] {
        &self.entries
    }

    /// Makes a new token of `role` named `name` (or `token-N`), stores its hash, and returns the
    /// token: the only time it is known.
    pub fn add(&mut self, role: Role, name: Option<&str>) -> Result<String> {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token = format!("{TOKEN_PREFIX}{}", hex(&bytes));
        let name = match name {
            Some(name) => name.to_string(),
            None => (1..)
                .map(|n| format!("token-{n}"))
                .find(|n| self.entries.iter().all(|e| &e.name != n))
                .expect("a free name"),
        };
        let entry = TokenEntry {
            name,
            role,
            sha256: hex(&sha256(&token)),
        };
        if let Some(message) = self.problem(&entry) {
            return Err(Error::invalid("token", None, Some("name"), message));
        }
        self.push(entry);
        Ok(token)
    }

    /// Removes the token named `which`, or whose hash starts with `which` (at least 8 hex
    /// digits), and returns it.
    pub fn revoke(&mut self, which: &str) -> Result<TokenEntry> {
        let by_name = self.entries.iter().position(|e| e.name == which);
        let index = match by_name {
            Some(i) => i,
            None => {
                let prefix = which.to_ascii_lowercase();
                let hits: Vec<usize> = (0..self.entries.len())
                    .filter(|&i| {
                        prefix.len() >= MIN_PREFIX && self.entries[i].sha256.starts_with(&prefix)
                    })
                    .collect();
                match hits[..] {
                    [i] => i,
                    [] => {
                        return Err(Error::NotFound(format!(
                            "no token is named '{}' or has a hash starting with it (a prefix has at least {MIN_PREFIX} hex digits; `token list` shows them)",
                            crate::text::escape_control(which)
                        )))
                    }
                    _ => {
                        return Err(Error::NotFound(format!(
                            "{} tokens have hashes starting with '{}': give more digits",
                            hits.len(),
                            crate::text::escape_control(which)
                        )))
                    }
                }
            }
        };
        self.hashes.remove(index);
        Ok(self.entries.remove(index))
    }

    /// The role of `token`, if it is one of these. Every stored hash is compared, each in
    /// constant time.
    pub fn role_of(&self, token: &str) -> Option<Role> {
        let presented = sha256(token);
        let mut role = None;
        for (hash, entry) in self.hashes.iter().zip(&self.entries) {
            if bool::from(hash.ct_eq(&presented)) {
                role = Some(entry.role);
            }
        }
        role
    }

    /// What is wrong with adding `entry`, if anything (its name).
    fn problem(&self, entry: &TokenEntry) -> Option<String> {
        let name = &entry.name;
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            Some(format!("a token name has 1 to {MAX_NAME_CHARS} characters"))
        } else if name.chars().any(char::is_control) {
            Some(format!(
                "token name '{}' holds a control character",
                crate::text::escape_control(name)
            ))
        } else if self.entries.iter().any(|e| &e.name == name) {
            Some(format!(
                "a token is already named '{}'",
                crate::text::escape_control(name)
            ))
        } else {
            None
        }
    }

    fn push(&mut self, entry: TokenEntry) {
        let hash = hash_of_hex(&entry.sha256).expect("checked before");
        self.hashes.push(hash);
        self.entries.push(entry);
    }
}

fn sha256(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Bytes as lowercase hex (hashes, tokens, job ids).
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A SHA-256 written as 64 hex digits.
fn hash_of_hex(s: &str) -> std::result::Result<[u8; 32], String> {
    let bad = || {
        format!(
            "sha256 '{}' is not 64 hex digits",
            crate::text::escape_control(s)
        )
    };
    if s.len() != 64 || !s.is_ascii() {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_through_the_file_without_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let mut tokens = Tokens::read_or_new(&path).unwrap();
        let admin = tokens.add(Role::Admin, Some("ops")).unwrap();
        let read = tokens.add(Role::Read, None).unwrap();
        assert_eq!(admin.len(), TOKEN_PREFIX.len() + 64);
        assert_ne!(admin, read);
        tokens.write(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&admin[3..]) && !text.contains(&read[3..]));
        let again = Tokens::read(&path).unwrap();
        assert_eq!(again.role_of(&admin), Some(Role::Admin));
        assert_eq!(again.role_of(&read), Some(Role::Read));
        assert_eq!(again.entries()[1].name, "token-1");
    }

    #[test]
    fn revoke_takes_a_name_or_a_long_enough_unique_hash_prefix() {
        let mut tokens = Tokens::default();
        let a = tokens.add(Role::Read, Some("a")).unwrap();
        let b = tokens.add(Role::Match, Some("b")).unwrap();
        assert!(tokens.add(Role::Read, Some("a")).is_err());
        let short = tokens.entries()[1].sha256[..4].to_string();
        assert!(tokens.revoke(&short).is_err());
        let prefix = tokens.entries()[1].sha256[..8].to_string();
        assert_eq!(tokens.revoke(&prefix).unwrap().name, "b");
        assert_eq!(tokens.role_of(&b), None);
        tokens.revoke("a").unwrap();
        assert_eq!(tokens.role_of(&a), None);
        assert!(tokens.revoke("a").is_err());
    }

    #[test]
    fn a_bad_tokens_file_names_each_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        std::fs::write(
            &path,
            r#"{"tokens": [{"name": "x", "role": "read", "sha256": "zz"},
                           {"name": "x", "role": "admin", "sha256": "00"}]}"#,
        )
        .unwrap();
        let err = Tokens::read(&path).unwrap_err();
        assert_eq!(err.problems().len(), 2, "{err}");
        std::fs::write(&path, r#"{"tokens": [{"name": "x", "role": "root"}]}"#).unwrap();
        assert!(Tokens::read(&path)
            .unwrap_err()
            .to_string()
            .contains("root"));
    }
}
