//! Input files given as `http://` or `https://` URLs, so that a directory can be refreshed from
//! the feed it came from (`groupmatch import meeting-guide https://.../meetings.json`).
//!
//! Every reader of the crate reads through `formats::read_bytes`, which hands a URL
//! here: fetched with `ureq` (rustls for TLS), a status other than 2xx is an error, the whole
//! exchange must end within [`TIMEOUT`], and the body is cut at the reader's size limit as a
//! file's is. Without the `fetch` feature a URL is refused with a message saying so.

use std::io::{self, Read};
use std::path::Path;

/// The longest a fetch may take, from connecting to the last byte of the body.
#[cfg(feature = "fetch")]
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The URL `path` spells, when it is one (`http://` or `https://`, any case).
pub(crate) fn url_of(path: &Path) -> Option<&str> {
    let s = path.to_str()?;
    let scheme = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    (scheme.starts_with("http://") || scheme.starts_with("https://")).then_some(s)
}

/// The body of a GET of `url`, to be read (and cut at a size limit) by the caller.
#[cfg(feature = "fetch")]
pub(crate) fn open(url: &str) -> io::Result<Box<dyn Read>> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(true)
        .build()
        .into();
    let response = agent
        .get(url)
        .call()
        .map_err(|e| io::Error::other(format!("could not fetch it: {e}")))?;
    Ok(Box::new(response.into_body().into_reader()))
}

/// Without the `fetch` feature, a URL cannot be read.
#[cfg(not(feature = "fetch"))]
pub(crate) fn open(_url: &str) -> io::Result<Box<dyn Read>> {
    Err(io::Error::other(
        "reading a URL needs groupmatch's `fetch` feature (the command line has it)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_urls_are_urls() {
        for url in [
            "http://example.org/a.json",
            "HTTPS://example.org/a",
            "https://x",
        ] {
            assert_eq!(url_of(Path::new(url)), Some(url));
        }
        for path in [
            "groups.csv",
            "./http://x",
            "ftp://example.org/a",
            "file:///tmp/a",
            "http",
        ] {
            assert_eq!(url_of(Path::new(path)), None, "{path}");
        }
    }
}
