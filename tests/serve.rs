//! Integration tests of `groupmatch serve`: the built binary started on a free local port (its
//! address read from stdout), spoken to over plain TCP with a small HTTP/1.1 client, so bad,
//! slow, cut and oversized requests can be sent as they are.

mod util;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use util::{repo_path, Workdir, NOW};

/// A server started for one test, killed when dropped.
struct Server {
    child: Child,
    addr: String,
    wd: Workdir,
    read: String,
    matching: String,
    admin: String,
}

impl Server {
    /// `groupmatch serve --addr 127.0.0.1:0 --tokens tokens.json EXTRA...` in a new workdir with
    /// a read, a match and an admin token.
    fn start(extra: &[&str]) -> Server {
        Server::start_in(Workdir::new(), extra)
    }

    fn start_in(wd: Workdir, extra: &[&str]) -> Server {
        let token = |role: &str| {
            let out = wd.run(["token", "add", "--role", role, "--tokens", "tokens.json"]);
            out.assert_success();
            out.stdout().trim().to_string()
        };
        let (read, matching, admin) = (token("read"), token("match"), token("admin"));
        let stderr = std::fs::File::create(wd.path().join("stderr.log")).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_groupmatch"))
            .args(["serve", "--addr", "127.0.0.1:0", "--tokens", "tokens.json"])
            .args(extra)
            .current_dir(wd.path())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start groupmatch serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| {
                let log = std::fs::read_to_string(wd.path().join("stderr.log")).unwrap();
                panic!("no address on stdout: {line:?}; stderr: {log}")
            })
            .to_string();
        Server {
            child,
            addr,
            wd,
            read,
            matching,
            admin,
        }
    }

    /// Sends one request (Connection: close) and reads the whole response.
    fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        // A server may answer (413) before reading all of a large body, and close.
        let _ = stream.write_all(body);
        read_response(stream)
    }

    /// `POST path` with a JSON body and `token`.
    fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        let auth = format!("Bearer {token}");
        self.send(
            "POST",
            path,
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            body.to_string().as_bytes(),
        )
    }

    /// `GET path` with `token`.
    fn get(&self, path: &str, token: &str) -> Response {
        let auth = format!("Bearer {token}");
        self.send("GET", path, &[("Authorization", &auth)], b"")
    }

    /// Sends `signal` (TERM, HUP) to the server.
    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// What the server wrote on stderr so far (its log).
    fn log(&self) -> String {
        std::fs::read_to_string(self.wd.path().join("stderr.log")).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP response.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{e}: not JSON: {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(500)])
            )
        })
    }

    /// Asserts the status and, for an error, that the body is a problem of that status.
    fn assert_status(&self, status: u16) -> &Response {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body[..self.body.len().min(2000)])
        );
        if status >= 400 {
            assert_eq!(
                self.header("content-type"),
                Some("application/problem+json")
            );
            assert_eq!(self.json()["status"], status);
        }
        self
    }

    /// The pointers of a problem's errors.
    fn pointers(&self) -> Vec<String> {
        self.json()["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["pointer"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Reads a whole response from a connection the server closes after it.
fn read_response(mut stream: TcpStream) -> Response {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers: {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..end]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&data[..line_end])
                .split(';')
                .next()
                .unwrap()
                .trim(),
            16,
        )
        .unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 4 + size..];
    }
}

/// An example person file's JSON.
fn person(name: &str) -> Value {
    let path = repo_path(&format!("data/people/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The rank request of the README's first example.
fn rank_request(top: usize) -> Value {
    json!({"person": person("young-man-first-year"), "top": top, "now": NOW})
}

#[test]
fn health_and_readiness_are_open_and_name_the_engine() {
    let server = Server::start(&[]);
    let health = server.send("GET", "/healthz", &[], b"");
    health.assert_status(200);
    assert_eq!(health.json()["status"], "ok");
    let ready = server.send("GET", "/readyz", &[], b"");
    ready.assert_status(200);
    let engine = ready.json()["engine"].as_str().unwrap().to_string();
    assert_eq!(ready.header("groupmatch-engine"), Some(engine.as_str()));
    assert_eq!(ready.json()["groups"], 346);
    assert!(ready
        .header("x-request-id")
        .is_some_and(|id| !id.is_empty()));
}

#[test]
fn rank_answers_what_rank_format_json_prints() {
    let server = Server::start(&[]);
    let response = server.post("/v1/rank", &server.read, &rank_request(3));
    response.assert_status(200);
    let served = response.json();
    assert_eq!(served["suggestions"].as_array().unwrap().len(), 3);
    assert!(served["engine"].is_null());
    let wd = Workdir::new();
    let file = wd.create("p.json", person("young-man-first-year").to_string());
    let cli = wd.run([
        "rank".as_ref(),
        "--person".as_ref(),
        file.as_os_str(),
        "--top".as_ref(),
        "3".as_ref(),
        "--now".as_ref(),
        NOW.as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        "--excluded".as_ref(),
        "counts".as_ref(),
    ]);
    cli.assert_success();
    assert_eq!(served, cli.json());
}

#[test]
fn each_auth_case_no_token_bad_token_wrong_role_right_role() {
    let server = Server::start(&[]);
    let none = server.send(
        "POST",
        "/v1/rank",
        &[("Content-Type", "application/json")],
        b"{}",
    );
    none.assert_status(401);
    assert_eq!(none.header("www-authenticate"), Some("Bearer"));
    let bad = server.post("/v1/rank", "gm_0000", &rank_request(1));
    bad.assert_status(401);
    assert_eq!(bad.header("www-authenticate"), Some("Bearer"));
    let not_bearer = server.send(
        "GET",
        "/v1/groups",
        &[("Authorization", &format!("Basic {}", server.read))],
        b"",
    );
    not_bearer.assert_status(401);
    server
        .post("/v1/admin/reload", &server.read, &json!({}))
        .assert_status(403);
    server
        .post("/v1/admin/reload", &server.matching, &json!({}))
        .assert_status(403);
    server
        .post("/v1/admin/reload", &server.admin, &json!({}))
        .assert_status(200);
    for token in [&server.read, &server.matching, &server.admin] {
        server
            .post("/v1/rank", token, &rank_request(1))
            .assert_status(200);
    }
}

#[test]
fn groups_are_paged_and_found_by_id() {
    let server = Server::start(&[]);
    let page = server.get("/v1/groups?offset=340&limit=10", &server.read);
    page.assert_status(200);
    let page = page.json();
    assert_eq!(page["total"], 346);
    assert_eq!(page["groups"].as_array().unwrap().len(), 6);
    let first = server.get("/v1/groups", &server.read).json();
    assert_eq!(first["groups"].as_array().unwrap().len(), 50);
    let one = server.get("/v1/groups/na-0007", &server.read);
    one.assert_status(200);
    assert_eq!(one.json()["name"], "Young & Clean");
    server
        .get("/v1/groups/no-such", &server.read)
        .assert_status(404);
    server
        .get("/v1/groups?limit=100000", &server.read)
        .assert_status(400);
    server
        .get("/v1/groups?offset=-1", &server.read)
        .assert_status(400);
}

#[test]
fn bad_person_values_are_422_with_a_pointer_each() {
    let server = Server::start(&[]);
    let mut person = person("young-man-first-year");
    person["availability"] = json!(["Mon 18:00-22:00", "Tue 20:00-19:00"]);
    person["readiness"] = json!(200);
    let response = server.post(
        "/v1/rank",
        &server.read,
        &json!({"person": person, "top": -1, "now": "yesterday", "excluded": "some", "extra": 1}),
    );
    response.assert_status(422);
    let pointers = response.pointers();
    for want in [
        "/person/availability",
        "/person/readiness",
        "/top",
        "/now",
        "/excluded",
        "/extra",
    ] {
        assert!(pointers.iter().any(|p| p == want), "{want} in {pointers:?}");
    }
    let detail = response.json()["errors"][0]["detail"].clone();
    assert_eq!(
        detail,
        "end 19:00 is not after start 20:00 (a window cannot cross midnight: split it in two)"
    );
}

#[test]
fn the_log_has_one_line_per_request_and_no_person_field_or_token() {
    let server = Server::start(&[]);
    let mut person = person("young-man-first-year");
    person["id"] = json!("p-secret-id-4711");
    let ok = server.post(
        "/v1/rank",
        &server.read,
        &json!({"person": person, "top": 1, "now": NOW}),
    );
    ok.assert_status(200);
    person["gender"] = json!("gender-secret-4712");
    server
        .post("/v1/rank", &server.read, &json!({"person": person}))
        .assert_status(422);
    let id = ok.header("x-request-id").unwrap().to_string();
    let log = server.log();
    for secret in [
        "p-secret-id-4711",
        "gender-secret-4712",
        "opioids",
        "39.9259",
        &server.read[3..],
    ] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
    let line: Value = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["request_id"] == id.as_str())
        .unwrap_or_else(|| panic!("no line for {id}:\n{log}"));
    assert_eq!(line["method"], "POST");
    assert_eq!(line["route"], "/v1/rank");
    assert_eq!(line["status"], 200);
    assert!(line["latency_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(line["engine"].as_str(), ok.header("groupmatch-engine"));
}

#[test]
fn sigterm_drains_a_request_in_flight_then_exits() {
    let mut server = Server::start(&[]);
    // A request whose body is still coming when SIGTERM arrives: it is answered, then the
    // server exits 0.
    let body = rank_request(2).to_string();
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    let head = format!(
        "POST /v1/rank HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        server.read,
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body.as_bytes()[..10]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(300));
    stream.write_all(&body.as_bytes()[10..]).unwrap();
    let response = read_response(stream);
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["suggestions"].as_array().unwrap().len(), 2);
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status}");
    assert!(TcpStream::connect(&server.addr).is_err());
}
