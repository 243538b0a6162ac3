//! The key of an encrypted referrals database (feature `encryption`, SQLCipher): from the
//! environment or a key file, never from a command-line flag, and never shown.

use std::fmt;
use std::io::Read;
use std::path::Path;

use rusqlite::Connection;

use crate::error::{Error, Result};

/// The environment variable holding the key itself.
pub const KEY_VAR: &str = "GROUPMATCH_DB_KEY";

/// The environment variable naming a file whose first line is the key.
pub const KEY_FILE_VAR: &str = "GROUPMATCH_DB_KEY_FILE";

/// How much of a key file is read at most: its first line is the key.
const KEY_FILE_MAX: u64 = 64 * 1024;

/// The key of an encrypted referrals database, handed to SQLCipher as given: a passphrase
/// (SQLCipher derives the 256-bit key from it with PBKDF2-HMAC-SHA512, 256,000 iterations, at
/// every open) or, in SQLCipher's raw form `x'` + 64 hex digits + `'`, the key itself (used as
/// is: no derivation, so opening is about as fast as without encryption). Its `Debug` never
/// shows it, and no error message of groupmatch contains it.
#[derive(Clone, PartialEq, Eq)]
pub struct DbKey {
    secret: String,
    /// Where it came from, for messages: the variable, or the variable and the key file.
    source: String,
}

impl fmt::Debug for DbKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbKey(from {})", self.source)
    }
}

impl DbKey {
    /// A key given by a program (`source` says where it came from, for messages). Refused when
    /// empty (SQLCipher would then not encrypt at all) or holding a NUL.
    pub fn new(secret: impl Into<String>, source: impl Into<String>) -> Result<DbKey> {
        let (secret, source) = (secret.into(), source.into());
        let problem = if secret.is_empty() {
            "is empty (an empty key would leave the database unencrypted)"
        } else if secret.contains('\0') {
            "holds a NUL character"
        } else {
            return Ok(DbKey { secret, source });
        };
        Err(Error::Key(format!("the key from {source} {problem}")))
    }

    /// The key given by the environment: `GROUPMATCH_DB_KEY` (the key itself) or
    /// `GROUPMATCH_DB_KEY_FILE` (a file whose first line is the key, [`DbKey::from_file`]);
    /// `None` when neither is set, an error when both are.
    pub fn from_env() -> Result<Option<DbKey>> {
        match (std::env::var_os(KEY_VAR), std::env::var_os(KEY_FILE_VAR)) {
            (None, None) => Ok(None),
            (Some(_), Some(_)) => Err(Error::Key(format!(
                "both {KEY_VAR} and {KEY_FILE_VAR} are set: set only one"
            ))),
            (Some(value), None) => {
                let secret = value.into_string().map_err(|_| {
                    Error::Key(format!("the key from {KEY_VAR} is not valid UTF-8"))
                })?;
                DbKey::new(secret, KEY_VAR).map(Some)
            }
            (None, Some(file)) => DbKey::from_file(Path::new(&file)).map(Some),
        }
    }

    /// The key in the first line of `path` (a line ending, `\n` or `\r\n`, is not part of it).
    /// On Unix the file must be readable by its owner only, as ssh asks of a private key: a
    /// file that group or others may read or write is refused.
    pub fn from_file(path: &Path) -> Result<DbKey> {
        let io = |error| Error::Io {
            path: path.to_path_buf(),
            error,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = file.metadata().map_err(io)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(Error::Key(format!(
                    "{}: the key file ({KEY_FILE_VAR}) has mode {mode:04o}: group or others \
                     can read or change it; make it its owner's only: chmod 600 {}",
                    path.display(),
                    path.display()
                )));
            }
        }
        // A key is one line: at most KEY_FILE_MAX bytes are read (not all of a file named by
        // mistake), and what follows the first line is ignored.
        let mut text = Vec::new();
        file.take(KEY_FILE_MAX).read_to_end(&mut text).map_err(io)?;
        let line = text.split(|&b| b == b'\n').next().unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let source = format!("{KEY_FILE_VAR} ({})", path.display());
        let secret = String::from_utf8(line.to_vec())
            .map_err(|_| Error::Key(format!("the key from {source} is not valid UTF-8")))?;
        DbKey::new(secret, source)
    }

    /// Where the key came from, as messages name it (never the key).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Refuses the key when this groupmatch is built without `encryption`, before anything
    /// touches the database at `path` (named in the error).
    pub(super) fn require_encryption(&self, path: &Path) -> Result<()> {
        if cfg!(feature = "encryption") {
            return Ok(());
        }
        Err(Error::Store {
            path: path.to_path_buf(),
            message: format!(
                "a key is given ({}), but this groupmatch is built without encryption: build it \
                 with `cargo install --path . --features encryption` (needs OpenSSL's headers, \
                 Debian's libssl-dev), or unset the key to use an unencrypted database",
                self.source
            ),
        })
    }

    /// Keys `conn` with `PRAGMA key`, which must be the first statement on a new connection.
    /// `path` names the database in errors.
    pub(super) fn apply(&self, conn: &Connection, path: &Path) -> Result<()> {
        // SQLCipher's own log (on standard error by default) would repeat, in its words, the
        // error groupmatch reports: a wrong key's "hmac check failed". A setting of the
        // process, not of the file, so it may come before the key.
        // pragma_update quotes the key as an SQL string literal. An error is reported by code
        // only: an SQL error's text could quote the statement, and so the key.
        conn.pragma_update(None, "cipher_log_level", "NONE")
            .and_then(|()| conn.pragma_update(None, "key", &self.secret))
            .map_err(|e| Error::Store {
                path: path.to_path_buf(),
                message: format!(
                    "SQLCipher refused the key from {} (error code {:?})",
                    self.source,
                    e.sqlite_error_code()
                ),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_key_or_one_with_a_nul_is_refused_and_no_key_is_shown() {
        let message = |secret: &str| DbKey::new(secret, "the test").unwrap_err().to_string();
        assert_eq!(
            message(""),
            "the key from the test is empty (an empty key would leave the database unencrypted)"
        );
        assert_eq!(
            message("a\0b"),
            "the key from the test holds a NUL character"
        );
        let key = DbKey::new("s3cret passphrase", "GROUPMATCH_DB_KEY").unwrap();
        assert_eq!(format!("{key:?}"), "DbKey(from GROUPMATCH_DB_KEY)");
        assert_eq!(key.source(), "GROUPMATCH_DB_KEY");
    }
}
