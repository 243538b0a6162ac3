//! Input files as `http://` URLs: a Meeting Guide feed imported from a local HTTP server the test
//! starts, as a directory is refreshed from the feed it came from; a missing page, a server that
//! does not answer HTTP and a body past the size limit are clear errors, and nothing is written.

mod util;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use util::{repo_path, Workdir};

/// Serves `/feed.json` (the Edmonton feed), `/huge.json` (a body past the groups-file limit) and
/// 404 for anything else, on a free local port, for as long as the test runs.
fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let feed = std::fs::read(repo_path("data/meeting-guide/edmonton-2022-09.json")).unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            // The rest of the request head.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or("");
            let head = |status: &str, length: u64| {
                format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
                )
            };
            let _ = match path {
                "/feed.json" => stream
                    .write_all(head("200 OK", feed.len() as u64).as_bytes())
                    .and_then(|_| stream.write_all(&feed)),
                "/huge.json" => {
                    let length = groupmatch::MAX_DATA_FILE_BYTES + 10;
                    let chunk = vec![b' '; 1 << 20];
                    stream
                        .write_all(head("200 OK", length).as_bytes())
                        .and_then(|_| {
                            let mut left = length;
                            while left > 0 {
                                let n = left.min(chunk.len() as u64) as usize;
                                stream.write_all(&chunk[..n])?;
                                left -= n as u64;
                            }
                            Ok(())
                        })
                }
                "/not-http" => stream.write_all(b"hello\r\n"),
                _ => stream.write_all(head("404 Not Found", 0).as_bytes()),
            };
        }
    });
    address
}

#[test]
fn a_feed_is_imported_from_its_url_as_from_its_file() {
    let wd = Workdir::new();
    let server = serve();
    let url = format!("{server}/feed.json");
    let file = repo_path("data/meeting-guide/edmonton-2022-09.json");
    let args = |source: &str, out: &str| {
        vec![
            "import".to_string(),
            "meeting-guide".into(),
            source.into(),
            "--out".into(),
            out.into(),
            "--timezone".into(),
            "America/Edmonton".into(),
        ]
    };
    wd.run(args(&url, "from-url.csv")).assert_success();
    wd.run(args(file.to_str().unwrap(), "from-file.csv"))
        .assert_success();
    assert_eq!(
        std::fs::read(wd.path().join("from-url.csv")).unwrap(),
        std::fs::read(wd.path().join("from-file.csv")).unwrap()
    );
    // Any reader takes a URL: the groups just written, served back, would be read the same way;
    // here a missing page, a server that does not speak HTTP, and a body past the limit.
    for (path, says) in [
        ("/missing.json", "404"),
        ("/not-http", "could not fetch it"),
        ("/huge.json", "larger than"),
    ] {
        let out = wd.run(args(&format!("{server}{path}"), "bad.csv"));
        out.assert_code(2).assert_stderr_contains(says);
        assert!(
            !wd.path().join("bad.csv").exists(),
            "nothing written for {path}"
        );
    }
}
