//! Integration tests of `groupmatch serve`: the built binary started on a free local port (its
//! address read from stdout), spoken to over plain TCP with a small HTTP/1.1 client, so bad,
//! slow, cut and oversized requests can be sent as they are. Every answer a test receives is
//! checked against the server's own OpenAPI document (`GET /openapi.json`): its status must be
//! one the document lists for the route, its content type the listed one, and a JSON body must
//! validate against the listed schema.

mod util;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
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
    /// The server's OpenAPI document, fetched when it started.
    contract: Contract,
    /// Every (method, route, status) an answer was checked for.
    checked: Mutex<BTreeSet<(String, String, u16)>>,
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
        let document = send_to(&addr, "GET", "/openapi.json", &[], b"");
        assert_eq!(document.status, 200, "GET /openapi.json");
        Server {
            child,
            addr,
            wd,
            read,
            matching,
            admin,
            contract: Contract::new(document.json()),
            checked: Mutex::default(),
        }
    }

    /// Sends one request (Connection: close) and reads the whole response, which must be one
    /// the OpenAPI document allows.
    fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        let response = send_to(&self.addr, method, path, headers, body);
        match self.contract.check(method, path, &response) {
            Ok(Some(route)) => {
                let key = (method.to_string(), route, response.status);
                self.checked.lock().unwrap().insert(key);
            }
            Ok(None) => {}
            Err(e) => panic!("{method} {path}: the answer is not what /openapi.json says: {e}"),
        }
        response
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

    /// `PATCH path` with a JSON body and `token`.
    fn patch(&self, path: &str, token: &str, body: &Value) -> Response {
        let auth = format!("Bearer {token}");
        self.send(
            "PATCH",
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

/// Sends one request to `addr` (Connection: close) and reads the whole response.
fn send_to(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
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

/// The server's OpenAPI document, as a check of its answers.
struct Contract {
    document: Value,
}

impl Contract {
    fn new(document: Value) -> Contract {
        assert_eq!(document["openapi"], "3.1.0");
        Contract { document }
    }

    /// The document's route (path template) that `path` (its query left out) is, if any.
    fn route(&self, path: &str) -> Option<String> {
        let path = path.split('?').next().unwrap();
        let paths = self.document["paths"].as_object().unwrap();
        let fits = |template: &str| {
            let (t, p): (Vec<_>, Vec<_>) =
                (template.split('/').collect(), path.split('/').collect());
            t.len() == p.len()
                && t.iter().zip(&p).all(|(t, p)| {
                    (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p
                })
        };
        // A literal path before a template (`/v1/referrals/due` before `/v1/referrals/{id}`).
        paths
            .keys()
            .filter(|t| fits(t))
            .min_by_key(|t| t.matches('{').count())
            .cloned()
    }

    /// The schema of `#/components/schemas/NAME`, or of `schema`, with the components beside it
    /// so its `$ref`s resolve, every object closed to properties it does not name.
    fn validator(&self, schema: &Value) -> jsonschema::Validator {
        let mut components = self.document["components"].clone();
        let open = referenced_from_all_of(&components["schemas"]);
        for (name, schema) in components["schemas"].as_object_mut().unwrap() {
            if !open.contains(name) {
                close(schema, false);
            }
        }
        let mut schema = schema.clone();
        close(&mut schema, false);
        let root = json!({"allOf": [schema], "components": components});
        jsonschema::draft202012::new(&root).unwrap_or_else(|e| panic!("{e}: {root}"))
    }

    /// Checks an answer to `method path`: `Ok(Some(route))` when it is the document's, `Ok(None)`
    /// when the path is no route of it (the 404 of any other path), `Err` saying what differs.
    fn check(
        &self,
        method: &str,
        path: &str,
        response: &Response,
    ) -> Result<Option<String>, String> {
        let Some(route) = self.route(path) else {
            return match response.status {
                404 => Ok(None),
                status => Err(format!(
                    "{path} is no route of the document, yet answered {status}"
                )),
            };
        };
        let operation = &self.document["paths"][&route][method.to_ascii_lowercase()];
        if operation.is_null() {
            return match response.status {
                405 => Ok(None),
                status => Err(format!(
                    "the document has no {method} {route}, yet it answered {status}"
                )),
            };
        }
        let listed = &operation["responses"][response.status.to_string()];
        if listed.is_null() {
            return Err(format!(
                "{method} {route} answered {}, a status the document does not list: {}",
                response.status,
                String::from_utf8_lossy(&response.body[..response.body.len().min(500)])
            ));
        }
        let Some(content) = listed["content"].as_object() else {
            return if response.body.is_empty() {
                Ok(Some(route))
            } else {
                Err(format!(
                    "{method} {route} {}: a body where the document lists none",
                    response.status
                ))
            };
        };
        let content_type = response.header("content-type").unwrap_or("");
        let Some(media) = content.get(content_type) else {
            return Err(format!(
                "{method} {route} {}: content type {content_type:?}, where the document lists {:?}",
                response.status,
                content.keys().collect::<Vec<_>>()
            ));
        };
        if content_type.contains("json") {
            let body = response.json();
            let errors: Vec<String> = self
                .validator(&media["schema"])
                .iter_errors(&body)
                .map(|e| format!("at {}: {e}", e.instance_path()))
                .collect();
            if !errors.is_empty() {
                return Err(format!(
                    "{method} {route} {}: {}",
                    response.status,
                    errors.join("; ")
                ));
            }
        } else if std::str::from_utf8(&response.body).is_err() {
            return Err(format!(
                "{method} {route}: a {content_type} body that is not text"
            ));
        }
        Ok(Some(route))
    }
}

/// The schemas a `$ref` inside an `allOf` names (each then describes only part of an object).
fn referenced_from_all_of(schemas: &Value) -> BTreeSet<String> {
    fn refs(node: &Value, out: &mut BTreeSet<String>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.insert(r.rsplit('/').next().unwrap().to_string());
                }
                for key in ["oneOf", "anyOf", "allOf"] {
                    map.get(key).into_iter().for_each(|v| refs(v, out));
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    fn walk(node: &Value, out: &mut BTreeSet<String>) {
        match node {
            Value::Object(map) => {
                if let Some(all) = map.get("allOf") {
                    refs(all, out);
                }
                map.values().for_each(|v| walk(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(schemas, &mut out);
    out
}

/// Closes every object schema to the properties it names (`unevaluatedProperties: false`, which
/// sees through `allOf` and `$ref`), so an answer with a field its schema leaves out fails; the
/// parts of an `allOf` stay open, their whole being closed.
fn close(node: &mut Value, part_of_all_of: bool) {
    let Value::Object(map) = node else { return };
    if !part_of_all_of
        && (map.contains_key("properties") || map.contains_key("allOf"))
        && !map.contains_key("additionalProperties")
    {
        map.insert("unevaluatedProperties".into(), Value::Bool(false));
    }
    for (key, value) in map.iter_mut() {
        match (key.as_str(), value) {
            ("properties", Value::Object(properties)) => {
                properties.values_mut().for_each(|p| close(p, false))
            }
            ("allOf", Value::Array(parts)) => parts.iter_mut().for_each(|p| close(p, true)),
            ("oneOf" | "anyOf", Value::Array(parts)) => {
                parts.iter_mut().for_each(|p| close(p, part_of_all_of))
            }
            ("prefixItems", Value::Array(items)) => items.iter_mut().for_each(|p| close(p, false)),
            ("items" | "additionalProperties", item) => close(item, false),
            _ => {}
        }
    }
}

/// An example person file's JSON.
fn person(name: &str) -> Value {
    let path = repo_path(&format!("data/people/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// What `groupmatch ARGS --person young-man-first-year.json --now NOW --format json` prints.
fn cli_json(args: &[&str]) -> Value {
    let wd = Workdir::new();
    wd.create("p.json", person("young-man-first-year").to_string());
    let tail = ["--person", "p.json", "--now", NOW, "--format", "json"];
    let out = wd.run(args.iter().chain(&tail));
    out.assert_success();
    out.json()
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
    let cli = cli_json(&["rank", "--top", "3", "--excluded", "counts"]);
    assert_eq!(served, cli);
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
        "/person/availability/1",
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
    let server = Server::start(&["--db", "referrals.db"]);
    let mut person = person("young-man-first-year");
    person["id"] = json!("p-secret-id-4711");
    let referral = json!({"person": person, "groups": [first_group(&server)],
        "consent": "follow_up", "staff": "staff-secret-4713", "now": NOW});
    server
        .post("/v1/referrals", &server.matching, &referral)
        .assert_status(201);
    server
        .patch(
            "/v1/referrals/1",
            &server.matching,
            &json!({"status": "contacted", "on": "2026-12-03"}),
        )
        .assert_status(200);
    server
        .get("/v1/referrals/due?on=2026-12-28", &server.matching)
        .assert_status(200);
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
        "staff-secret-4713",
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

#[test]
fn explain_answers_what_explain_format_json_prints_and_names_a_bad_group() {
    let server = Server::start(&[]);
    let request = json!({"person": person("young-man-first-year"), "group": "na-0007", "now": NOW});
    let response = server.post("/v1/explain", &server.read, &request);
    response.assert_status(200);
    let cli = cli_json(&["explain", "--group", "na-0007"]);
    assert_eq!(response.json(), cli);
    let missing = server.post(
        "/v1/explain",
        &server.read,
        &json!({"person": person("young-man-first-year"), "group": "zz-none"}),
    );
    missing.assert_status(422);
    assert_eq!(missing.pointers(), ["/group"]);
    let no_group = server.post(
        "/v1/explain",
        &server.read,
        &json!({"person": person("young-man-first-year")}),
    );
    no_group.assert_status(422);
    assert_eq!(no_group.pointers(), ["/group"]);
}

#[test]
fn validate_reports_a_document_as_validate_does_a_file() {
    let server = Server::start(&[]);
    let auth = format!("Bearer {}", server.read);
    let bad = std::fs::read(repo_path("docs/examples/bad-groups.csv")).unwrap();
    let response = server.send(
        "POST",
        "/v1/validate",
        &[("Authorization", &auth), ("Content-Type", "text/csv")],
        &bad,
    );
    response.assert_status(200);
    let report = response.json();
    assert_eq!(report["kind"], "groups");
    assert_eq!(report["problems"].as_array().unwrap().len(), 7);
    let person = person("young-man-first-year").to_string();
    let ok = server.send(
        "POST",
        "/v1/validate?kind=person",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        person.as_bytes(),
    );
    ok.assert_status(200);
    assert_eq!(ok.json()["records"], 1);
    assert!(ok.json()["problems"].as_array().unwrap().is_empty());
    server
        .send(
            "POST",
            "/v1/validate?kind=people",
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            person.as_bytes(),
        )
        .assert_status(400);
    server
        .send(
            "POST",
            "/v1/validate",
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/xml"),
            ],
            b"<x/>",
        )
        .assert_status(415);
}

/// A waitlist of `n` people as CSV, everyone free every evening and happy to meet online.
fn waitlist_csv(n: usize) -> String {
    let mut csv = String::from(
        "id,stage,approach_preference,format_preference,availability,timezone,waiting_since\n",
    );
    for i in 0..n {
        csv.push_str(&format!(
            "w{i},early,no_preference,online,weekday evenings,America/New_York,2026-10-{:02}\n",
            1 + i % 28
        ));
    }
    csv
}

#[test]
fn match_answers_a_small_waitlist_and_makes_a_job_of_a_large_one() {
    let server = Server::start(&[]);
    let small = json!({"waitlist": waitlist_csv(5), "format": "csv", "now": NOW});
    server
        .post("/v1/match", &server.read, &small)
        .assert_status(403);
    let direct = server.post("/v1/match", &server.matching, &small);
    direct.assert_status(200);
    let direct = direct.json();
    assert_eq!(direct["summary"]["people"], 5);
    assert_eq!(direct["rows"].as_array().unwrap().len(), 5);
    // The same people as a JSON array: the same answer.
    let people: Vec<Value> = (0..5)
        .map(|i| {
            json!({"id": format!("w{i}"), "stage": "early", "approach_preference": "no_preference",
                   "format_preference": "online", "availability": ["weekday evenings"],
                   "timezone": "America/New_York", "waiting_since": format!("2026-10-{:02}", 1 + i)})
        })
        .collect();
    let array = server.post(
        "/v1/match",
        &server.matching,
        &json!({"waitlist": people, "now": NOW}),
    );
    array.assert_status(200);
    assert_eq!(array.json(), direct);
    let bad = server.post(
        "/v1/match",
        &server.matching,
        &json!({"waitlist": waitlist_csv(2).replace("early", "earlyish"), "min_score": 2}),
    );
    bad.assert_status(422);
    assert!(
        bad.pointers().iter().any(|p| p == "/waitlist/stage"),
        "{:?}",
        bad.pointers()
    );

    let large = json!({"waitlist": waitlist_csv(1001), "now": NOW});
    let accepted = server.post("/v1/match", &server.admin, &large);
    accepted.assert_status(202);
    let poll = accepted.json()["poll"].as_str().unwrap().to_string();
    assert_eq!(accepted.header("location"), Some(poll.as_str()));
    let started = std::time::Instant::now();
    let done = loop {
        let answer = server.get(&poll, &server.matching);
        answer.assert_status(200);
        let answer = answer.json();
        if answer["status"] != "running" {
            break answer;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "job still running"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["result"]["summary"]["people"], 1001);
    server
        .get("/v1/match/0123456789abcdef", &server.matching)
        .assert_status(404);
}

#[test]
fn bad_bodies_are_problems_never_a_crash() {
    let server = Server::start(&[]);
    let auth = format!("Bearer {}", server.read);
    let json_headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let send = |body: &[u8]| server.send("POST", "/v1/rank", &json_headers, body);
    send(b"{\"person\": ").assert_status(400);
    send(b"[1, 2]").assert_status(400);
    send(b"").assert_status(400);
    send(b"{\"person\": {\"readiness\": NaN}}").assert_status(400);
    let mut huge = person("young-man-first-year");
    huge["readiness"] = json!(1e300);
    huge["age"] = serde_json::from_str("1e999999").unwrap_or(json!(-0.0));
    let response = server.post("/v1/rank", &server.read, &json!({"person": huge}));
    response.assert_status(422);
    let deep = format!(
        "{{\"person\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    // Valid JSON, too deep to be a person: the person reader's limit, at /person.
    let too_deep = send(deep.as_bytes());
    too_deep.assert_status(422);
    assert_eq!(too_deep.pointers(), ["/person"]);
    let deep_person = format!(
        "{{\"person\": {{\"id\": {}1{}}}}}",
        "[".repeat(500),
        "]".repeat(500)
    );
    assert!(matches!(send(deep_person.as_bytes()).status, 400 | 422));
    let oversized = format!("{{\"person\": \"{}\"}}", "x".repeat(2 << 20));
    send(oversized.as_bytes()).assert_status(413);
    server
        .send(
            "POST",
            "/v1/rank",
            &[("Authorization", &auth), ("Content-Type", "text/plain")],
            rank_request(1).to_string().as_bytes(),
        )
        .assert_status(415);
    server
        .send("POST", "/v1/rank", &[("Authorization", &auth)], b"{}")
        .assert_status(415);
    server.get("/v1/nothing", &server.read).assert_status(404);
    // Still serving after all of it.
    server
        .post("/v1/rank", &server.read, &rank_request(1))
        .assert_status(200);
}

#[test]
fn clients_that_disconnect_or_stall_do_not_hold_the_server() {
    let server = Server::start(&["--timeout", "1"]);
    let head = format!(
        "POST /v1/rank HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{{\"person\": ",
        server.read
    );
    // Cut mid-body.
    for _ in 0..20 {
        let mut stream = TcpStream::connect(&server.addr).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        drop(stream);
    }
    // Stalled mid-body: answered 503 when the timeout passes.
    let mut stalled = TcpStream::connect(&server.addr).unwrap();
    stalled.write_all(head.as_bytes()).unwrap();
    stalled
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let response = read_response(stalled);
    response.assert_status(503);
    server
        .post("/v1/rank", &server.read, &rank_request(1))
        .assert_status(200);
}

/// A workdir holding the embedded directory and rules as files the server reads.
fn files_workdir() -> Workdir {
    let wd = Workdir::new();
    wd.create(
        "groups.csv",
        std::fs::read(repo_path("data/groups.csv")).unwrap(),
    );
    wd.create(
        "rules.toml",
        std::fs::read(repo_path("data/rules/default.toml")).unwrap(),
    );
    wd
}

const FILE_ARGS: [&str; 4] = ["--groups", "groups.csv", "--rules", "rules.toml"];

#[test]
fn reload_swaps_the_engine_while_requests_keep_succeeding() {
    let server = Server::start_in(files_workdir(), &FILE_ARGS);
    let before = server.send("GET", "/readyz", &[], b"").json()["engine"]
        .as_str()
        .unwrap()
        .to_string();
    let rules = server.wd.path().join("rules.toml");
    let original = std::fs::read_to_string(&rules).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let engines = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..3)
            .map(|_| {
                scope.spawn(|| {
                    let mut seen = Vec::new();
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let r = server.post("/v1/rank", &server.read, &rank_request(2));
                        r.assert_status(200);
                        seen.push(r.header("groupmatch-engine").unwrap().to_string());
                    }
                    seen
                })
            })
            .collect();
        for i in 0..6 {
            let text = format!("{original}\n# edit {}\n", i % 2);
            std::fs::write(&rules, text).unwrap();
            let reloaded = server.post("/v1/admin/reload", &server.admin, &json!({}));
            reloaded.assert_status(200);
            std::thread::sleep(Duration::from_millis(150));
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect::<std::collections::BTreeSet<String>>()
    });
    assert!(engines.len() >= 2, "{engines:?}");
    let after = server.send("GET", "/readyz", &[], b"").json()["engine"].clone();
    assert_ne!(after, before.as_str(), "the rules file changed");

    // A bad directory: 422 with its problems, and the engine before keeps serving.
    let serving = server.send("GET", "/readyz", &[], b"").json()["engine"].clone();
    let groups = server.wd.path().join("groups.csv");
    let text = std::fs::read_to_string(&groups).unwrap();
    std::fs::write(&groups, text.replacen("twelve_step", "twelve_stp", 1)).unwrap();
    let refused = server.post("/v1/admin/reload", &server.admin, &json!({}));
    refused.assert_status(422);
    let problems = refused.json()["problems"].clone();
    let first = problems[0].as_str().unwrap();
    assert!(
        first.starts_with("groups.csv:")
            && first.contains(": approach: unknown value 'twelve_stp'"),
        "{problems}"
    );
    assert_eq!(
        server.send("GET", "/readyz", &[], b"").json()["engine"],
        serving
    );
    server
        .post("/v1/rank", &server.read, &rank_request(1))
        .assert_status(200);

    // SIGHUP reloads too: the directory fixed, with one group fewer.
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&groups, lines[..lines.len() - 1].join("\n") + "\n").unwrap();
    server.signal("HUP");
    let started = std::time::Instant::now();
    while server.send("GET", "/readyz", &[], b"").json()["groups"] != 345 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "SIGHUP did not reload"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_token_revoked_or_added_counts_after_a_reload() {
    let server = Server::start(&[]);
    let revoked = server
        .wd
        .run(["token", "revoke", "token-1", "--tokens", "tokens.json"]);
    revoked.assert_success();
    server
        .post("/v1/rank", &server.read, &rank_request(1))
        .assert_status(200);
    server
        .post("/v1/admin/reload", &server.admin, &json!({}))
        .assert_status(200);
    server
        .post("/v1/rank", &server.read, &rank_request(1))
        .assert_status(401);
    let list = server.wd.run(["token", "list", "--tokens", "tokens.json"]);
    list.assert_success();
    assert!(!list.stdout().contains(&server.admin[3..]));
    assert!(list.stdout().contains("token-3") && !list.stdout().contains("token-1 "));
}

#[test]
fn connections_past_the_limit_wait_until_one_closes() {
    let server = Server::start(&["--max-connections", "1"]);
    let idle = TcpStream::connect(&server.addr).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut waiting = TcpStream::connect(&server.addr).unwrap();
    waiting
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    waiting
        .set_read_timeout(Some(Duration::from_millis(700)))
        .unwrap();
    let mut byte = [0u8; 1];
    let early = waiting.read(&mut byte);
    assert!(early.is_err(), "answered past the limit: {early:?}");
    drop(idle);
    waiting
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let response = read_response(waiting);
    response.assert_status(200);
}

#[test]
fn metrics_count_requests_by_route_and_status_and_name_the_engine() {
    let server = Server::start(&[]);
    for _ in 0..3 {
        server
            .post("/v1/rank", &server.read, &rank_request(1))
            .assert_status(200);
    }
    server
        .send("POST", "/v1/rank", &[], b"{}")
        .assert_status(401);
    server
        .post("/v1/admin/reload", &server.admin, &json!({}))
        .assert_status(200);
    // A token is needed, any role's.
    server.send("GET", "/metrics", &[], b"").assert_status(401);
    let metrics = server.get("/metrics", &server.read);
    metrics.assert_status(200);
    assert!(metrics
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/openmetrics-text")));
    let text = String::from_utf8(metrics.body.clone()).unwrap();
    let engine = server.send("GET", "/readyz", &[], b"").json()["engine"]
        .as_str()
        .unwrap()
        .to_string();
    for line in [
        r#"groupmatch_http_requests_total{method="POST",route="/v1/rank",status="200"} 3"#
            .to_string(),
        r#"groupmatch_http_requests_total{method="POST",route="/v1/rank",status="401"} 1"#
            .to_string(),
        r#"groupmatch_http_request_duration_seconds_count{route="/v1/rank"} 4"#.to_string(),
        r#"groupmatch_reloads_total{outcome="ok"} 1"#.to_string(),
        format!(r#"groupmatch_engine_info{{version="{engine}"}} 1"#),
    ] {
        assert!(text.contains(&line), "{line}\n{text}");
    }
    // Labels are route templates: no id from a path, no person field.
    server
        .get("/v1/groups/aa-0002", &server.read)
        .assert_status(200);
    let text = String::from_utf8(server.get("/metrics", &server.read).body.clone()).unwrap();
    assert!(text.contains(r#"route="/v1/groups/{id}""#), "{text}");
    assert!(
        !text.contains("aa-0002") && !text.contains("first_year"),
        "{text}"
    );
}

/// Every route the server has, as (method, path template): what the router registers.
const ROUTES: [(&str, &str); 19] = [
    ("get", "/"),
    ("get", "/page.css"),
    ("get", "/page.js"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("post", "/v1/rank"),
    ("post", "/v1/explain"),
    ("post", "/v1/handout"),
    ("get", "/v1/groups"),
    ("get", "/v1/groups/{id}"),
    ("post", "/v1/validate"),
    ("post", "/v1/match"),
    ("get", "/v1/match/{id}"),
    ("post", "/v1/admin/reload"),
    ("post", "/v1/referrals"),
    ("patch", "/v1/referrals/{id}"),
    ("get", "/v1/referrals/due"),
];

#[test]
fn the_document_lists_every_route_and_every_route_it_lists_answers() {
    let server = Server::start(&[]);
    let document = &server.contract.document;
    let listed: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    let routes: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(listed, routes);
    for (method, path) in &routes {
        let path = path.replace("{id}", "x");
        // Each listed route is one of the router's: not its fallback's 404, nor a 405.
        let answer = server.send(&method.to_ascii_uppercase(), &path, &[], b"");
        let fallback = answer.status == 404
            && answer.json()["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with("no such endpoint"));
        assert!(
            !fallback && answer.status != 405,
            "{method} {path}: {answer:?}"
        );
        // And the router has no other method there than the document says.
        for other in ["GET", "POST", "PUT", "DELETE"] {
            if !listed.contains(&(other.to_ascii_lowercase(), path.replace("/x", "/{id}"))) {
                assert_eq!(
                    server.send(other, &path, &[], b"").status,
                    405,
                    "{other} {path}"
                );
            }
        }
    }
    // Each endpoint that needs a token names in its security requirement the least role the
    // server lets through, found here by sending each role's token: every lower one is refused
    // with 403, and it and every higher one are not.
    let tokens = [
        ("read", &server.read),
        ("match", &server.matching),
        ("admin", &server.admin),
    ];
    for (method, path) in &routes {
        let operation = &document["paths"][path][method];
        let open = [
            "/",
            "/page.css",
            "/page.js",
            "/healthz",
            "/readyz",
            "/openapi.json",
        ];
        if open.contains(&path.as_str()) {
            assert!(operation["security"].is_null(), "{method} {path}");
        } else {
            let statuses: Vec<u16> = tokens
                .iter()
                .map(|(_, token)| {
                    let auth = format!("Bearer {token}");
                    let path = path.replace("{id}", "x");
                    let method = method.to_ascii_uppercase();
                    server
                        .send(&method, &path, &[("Authorization", &auth)], b"")
                        .status
                })
                .collect();
            let least = statuses.iter().position(|&s| s != 403);
            let least = least.unwrap_or_else(|| panic!("{method} {path}: no role allowed"));
            assert!(
                statuses[least..].iter().all(|&s| s != 401 && s != 403),
                "{method} {path}: {statuses:?}"
            );
            assert_eq!(
                operation["security"],
                json!([{"bearer": [tokens[least].0]}]),
                "{method} {path}: answered {statuses:?} to read, match and admin"
            );
        }
    }
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[test]
fn each_endpoint_answers_as_its_openapi_document_says() {
    // Every answer below is checked against the document by `send`; this test makes sure each
    // endpoint's answers of each kind are among them.
    let server = Server::start_in(files_workdir(), &FILE_ARGS);
    let (read, matching, admin) = (&server.read, &server.matching, &server.admin);
    server.send("GET", "/healthz", &[], b"");
    server.send("GET", "/readyz", &[], b"");
    server.send("GET", "/openapi.json", &[], b"");
    server.send("GET", "/", &[], b"");
    server.send("GET", "/page.css", &[], b"");
    let etag = server.send("GET", "/page.js", &[], b"");
    let etag = etag.header("etag").unwrap();
    server.send("GET", "/page.js", &[("If-None-Match", etag)], b"");
    server.get("/metrics", read);
    // Rank with every excluded group and reason, and with counts; explain an eligible and an
    // excluded pair.
    let mut full = rank_request(50);
    full["excluded"] = json!("full");
    let ranking = server.post("/v1/rank", read, &full).json();
    server
        .post("/v1/rank", read, &rank_request(3))
        .assert_status(200);
    let person = person("young-man-first-year");
    let eligible = ranking["suggestions"][0]["group_id"].as_str().unwrap();
    let excluded = ranking["excluded"][0]["group_id"].as_str().unwrap();
    for group in [eligible, excluded] {
        let body = json!({"person": person, "group": group, "now": NOW});
        server.post("/v1/explain", read, &body).assert_status(200);
    }
    let handout = json!({"person": person, "groups": [eligible], "now": NOW});
    server
        .post("/v1/handout", read, &handout)
        .assert_status(200);
    let handout = json!({"person": person, "groups": ["no-such-group"], "now": NOW});
    server
        .post("/v1/handout", read, &handout)
        .assert_status(422);
    // The whole directory, page by page: every group's fields, costs and sessions.
    let total = server.get("/v1/groups?limit=1", read).json()["total"]
        .as_u64()
        .unwrap();
    for offset in (0..total).step_by(500) {
        server
            .get(&format!("/v1/groups?offset={offset}&limit=500"), read)
            .assert_status(200);
    }
    server.get("/v1/groups?limit=501", read).assert_status(400);
    server.get("/v1/groups/aa-0002", read).assert_status(200);
    server
        .get("/v1/groups/no-such-group", read)
        .assert_status(404);
    let csv = |body: &str| {
        let auth = format!("Bearer {read}");
        server.send(
            "POST",
            "/v1/validate",
            &[("Authorization", &auth), ("Content-Type", "text/csv")],
            body.as_bytes(),
        )
    };
    csv(&waitlist_csv(2)).assert_status(200);
    csv(&waitlist_csv(2).replace("early", "earlyish")).assert_status(200);
    // Match: at once (with a person who cannot be placed), and as a job.
    let mut unplaceable = waitlist_csv(3);
    unplaceable.push_str(
        "w-late,early,no_preference,online,Mon 03:00-03:30,America/New_York,2026-10-01\n",
    );
    let direct = json!({"waitlist": unplaceable, "now": NOW});
    let direct = server.post("/v1/match", matching, &direct);
    direct.assert_status(200);
    let job = json!({"waitlist": waitlist_csv(1001), "now": NOW});
    let poll = server.post("/v1/match", matching, &job);
    poll.assert_status(202);
    let poll = poll.json()["poll"].as_str().unwrap().to_string();
    let started = std::time::Instant::now();
    while server.get(&poll, matching).json()["status"] == "running" {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "job still running"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    server
        .get("/v1/match/0123456789abcdef", matching)
        .assert_status(404);
    for (body, pointer) in [
        (json!({"waitlist": 5}), "/waitlist"),
        (json!({"waitlist": "id\n", "format": "xml"}), "/format"),
    ] {
        let refused = server.post("/v1/match", matching, &body);
        refused.assert_status(422);
        assert_eq!(refused.pointers(), [pointer], "{body}");
    }
    // Reload, then a refused one.
    server
        .post("/v1/admin/reload", admin, &json!({}))
        .assert_status(200);
    let groups = server.wd.path().join("groups.csv");
    let text = std::fs::read_to_string(&groups).unwrap();
    std::fs::write(&groups, text.replacen("twelve_step", "twelve_stp", 1)).unwrap();
    server
        .post("/v1/admin/reload", admin, &json!({}))
        .assert_status(422);
    // Every kind of refusal.
    server
        .send("POST", "/v1/rank", &[], b"{}")
        .assert_status(401);
    server
        .post("/v1/match", read, &json!({}))
        .assert_status(403);
    server
        .post("/v1/admin/reload", matching, &json!({}))
        .assert_status(403);
    let auth = format!("Bearer {read}");
    let with = |content_type: &str, body: &[u8]| {
        server.send(
            "POST",
            "/v1/rank",
            &[("Authorization", &auth), ("Content-Type", content_type)],
            body,
        )
    };
    with("application/json", &vec![b' '; 2 << 20]).assert_status(413);
    with("text/plain", b"{}").assert_status(415);
    with("application/json", b"[1]").assert_status(400);
    server
        .post(
            "/v1/rank",
            read,
            &json!({"person": {"id": "p1"}, "top": -1}),
        )
        .assert_status(422);

    let checked = server.checked.lock().unwrap().clone();
    for (method, route, status) in [
        ("GET", "/healthz", 200),
        ("GET", "/readyz", 200),
        ("GET", "/openapi.json", 200),
        ("GET", "/", 200),
        ("GET", "/page.js", 304),
        ("GET", "/metrics", 200),
        ("POST", "/v1/rank", 200),
        ("POST", "/v1/rank", 400),
        ("POST", "/v1/rank", 401),
        ("POST", "/v1/rank", 413),
        ("POST", "/v1/rank", 415),
        ("POST", "/v1/rank", 422),
        ("POST", "/v1/explain", 200),
        ("POST", "/v1/handout", 200),
        ("POST", "/v1/handout", 422),
        ("GET", "/v1/groups", 200),
        ("GET", "/v1/groups", 400),
        ("GET", "/v1/groups/{id}", 200),
        ("GET", "/v1/groups/{id}", 404),
        ("POST", "/v1/validate", 200),
        ("POST", "/v1/match", 200),
        ("POST", "/v1/match", 202),
        ("POST", "/v1/match", 403),
        ("POST", "/v1/match", 422),
        ("GET", "/v1/match/{id}", 200),
        ("GET", "/v1/match/{id}", 404),
        ("POST", "/v1/admin/reload", 200),
        ("POST", "/v1/admin/reload", 403),
        ("POST", "/v1/admin/reload", 422),
    ] {
        let key = (method.to_string(), route.to_string(), status);
        assert!(
            checked.contains(&key),
            "{key:?} was not checked; checked: {checked:?}"
        );
    }
}

#[test]
fn an_answer_unlike_its_schema_fails_the_check() {
    let server = Server::start(&[]);
    let answer = server.post("/v1/rank", &server.read, &rank_request(2));
    let check = |status: u16, content_type: &str, body: Value| {
        let response = Response {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.to_string().into_bytes(),
        };
        server.contract.check("POST", "/v1/rank", &response)
    };
    let good = answer.json();
    assert_eq!(
        check(200, "application/json", good.clone()),
        Ok(Some("/v1/rank".into()))
    );
    let mut wrong = Vec::new();
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("suggestions");
    wrong.push(missing);
    let mut unknown = good.clone();
    unknown["suggestions"][0]["surprise"] = json!(1);
    wrong.push(unknown);
    let mut typed = good.clone();
    typed["suggestions"][0]["score"] = json!("high");
    wrong.push(typed);
    let mut vocabulary = good.clone();
    vocabulary["suggestions"][0]["approach"] = json!("twelve_stp");
    wrong.push(vocabulary);
    let mut session = good.clone();
    session["suggestions"][0]["sessions"] = json!([{"day": "Mon"}]);
    wrong.push(session);
    for body in wrong {
        let failed = check(200, "application/json", body.clone());
        assert!(failed.is_err(), "passed: {body}");
    }
    assert!(check(404, "application/problem+json", json!({})).is_err());
    assert!(check(200, "text/plain", good).is_err());
    let problem =
        json!({"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": "x"});
    assert!(check(401, "application/problem+json", problem.clone()).is_ok());
    let mut odd = problem;
    odd["type"] = json!("https://example.org/oops");
    assert!(check(401, "application/problem+json", odd).is_err());
}

#[test]
fn near_places_the_person_by_postal_code_as_rank_near_does() {
    let server = Server::start(&[]);
    let mut person = person("young-man-first-year");
    let object = person.as_object_mut().unwrap();
    object.remove("latitude");
    object.remove("longitude");
    object.insert("max_travel_km".into(), json!(10));
    let body = json!({"person": person, "near": "19104", "top": 3, "now": NOW});
    let response = server.post("/v1/rank", &server.read, &body);
    response.assert_status(200);
    let served = response.json();
    // The CLI's `--near` over the same person file (its coordinates replaced by the place's).
    let cli = cli_json(&[
        "rank",
        "--near",
        "19104",
        "--within",
        "10",
        "--top",
        "3",
        "--excluded",
        "counts",
    ]);
    assert_eq!(served, cli);
    let first = &served["suggestions"][0];
    assert!(first["distance_km"].as_f64().is_some(), "{first}");
    assert_eq!(
        first["distance_approximate"], true,
        "from the centre of 19104"
    );

    // Explain takes it too.
    let group = first["group_id"].clone();
    let explain = json!({"person": person, "near": "19104", "group": group, "now": NOW});
    let explained = server.post("/v1/explain", &server.read, &explain);
    explained.assert_status(200);
    assert_eq!(explained.json()["eligible"], true);

    // A place the gazetteer does not know: 422 at /near, with the closest name.
    let miss = json!({"person": person, "near": "Philadelpia", "now": NOW});
    let miss = server.post("/v1/rank", &server.read, &miss);
    miss.assert_status(422);
    assert_eq!(miss.pointers(), ["/near"]);
    let detail = miss.json()["errors"][0]["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        detail.contains("did you mean Philadelphia, PA, US"),
        "{detail}"
    );

    // A place and coordinates both: which one is meant is not guessed.
    let both = json!({"person": self::person("young-man-first-year"), "near": "19104"});
    let both = server.post("/v1/rank", &server.read, &both);
    both.assert_status(422);
    assert_eq!(both.pointers(), ["/near"]);
}

#[test]
fn the_handout_is_the_page_rank_handout_writes_with_its_own_strict_policy() {
    let server = Server::start(&[]);
    let ranking = server
        .post("/v1/rank", &server.read, &rank_request(2))
        .json();
    let ids: Vec<&str> = ranking["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["group_id"].as_str().unwrap())
        .collect();
    let referrer = json!({"name": "Northside Recovery Services", "phone": "215-555-0100"});
    let body = json!({
        "person": person("young-man-first-year"), "groups": ids, "now": NOW, "referrer": referrer
    });
    let answer = server.post("/v1/handout", &server.read, &body);
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(
        answer.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let policy = answer.header("content-security-policy").unwrap();
    assert!(
        policy.starts_with("default-src 'none'; style-src 'sha256-"),
        "{policy}"
    );
    assert!(
        !policy.contains("unsafe") && !policy.contains("script"),
        "{policy}"
    );
    let served = String::from_utf8(answer.body.clone()).unwrap();

    // What `groupmatch rank --handout` writes for the same person, groups and referrer.
    let wd = Workdir::new();
    wd.create("p.json", person("young-man-first-year").to_string());
    let mut args = vec![
        "rank",
        "--person",
        "p.json",
        "--now",
        NOW,
        "--handout",
        "h.html",
    ];
    for id in &ids {
        args.extend(["--choose", id]);
    }
    args.extend(["--referrer-name", "Northside Recovery Services"]);
    args.extend(["--referrer-phone", "215-555-0100"]);
    wd.run(&args).assert_success();
    assert_eq!(served, util::read(&wd, "h.html"));

    // The style the policy allows is the page's own: its hash is of the <style> element's text.
    let style = served
        .split("<style>")
        .nth(1)
        .unwrap()
        .split("</style>")
        .next()
        .unwrap();
    assert!(style.contains("h1 {"), "{style}");

    // Bad choices, each at its pointer.
    let too_many: Vec<String> = (1..=7).map(|i| format!("aa-{i:04}")).collect();
    for (groups, referrer, pointer) in [
        (json!(["no-such-group"]), json!({}), "/groups"),
        (json!(too_many), json!({}), "/groups"),
        (json!([]), json!({}), "/groups"),
        (json!(ids), json!({"name": " "}), "/referrer/name"),
        (json!(ids), json!({"fax": "1"}), "/referrer"),
    ] {
        let body = json!({
            "person": person("young-man-first-year"), "groups": groups, "referrer": referrer
        });
        let refused = server.post("/v1/handout", &server.read, &body);
        refused.assert_status(422);
        assert_eq!(refused.pointers(), [pointer], "{groups} {referrer}");
    }
    server
        .send("POST", "/v1/handout", &[], body.to_string().as_bytes())
        .assert_status(401);
}

/// The first group the README's person is shown, by id.
fn first_group(server: &Server) -> String {
    let ranking = server.post("/v1/rank", &server.read, &rank_request(1));
    ranking.assert_status(200);
    ranking.json()["suggestions"][0]["group_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_referral_is_recorded_as_refer_records_it_and_its_follow_ups_are_due_as_the_cli_lists_them() {
    let server = Server::start(&["--db", "referrals.db"]);
    let group = first_group(&server);
    let created = server.post(
        "/v1/referrals",
        &server.matching,
        &json!({"person": person("young-man-first-year"), "groups": [group],
            "consent": "follow_up,training", "staff": "s-17", "top": 5, "now": NOW}),
    );
    created.assert_status(201);
    let body = created.json();
    assert_eq!(body["id"], 1);
    assert_eq!(created.header("location"), Some("/v1/referrals/1"));
    let engine = created.header("groupmatch-engine").unwrap().to_string();
    assert_eq!(body["engine"], engine.as_str());
    assert_eq!(body["chosen"], json!([group]));
    assert_eq!(body["shown"], 5);
    // The same referral `refer` records for the same person, choice and engine, in another
    // database: every field but the id and the (same) engine version.
    server
        .wd
        .create("p.json", person("young-man-first-year").to_string());
    let cli = server.wd.run([
        "refer",
        "--person",
        "p.json",
        "--group",
        &group,
        "--consent",
        "follow_up,training",
        "--staff",
        "s-17",
        "--top",
        "5",
        "--now",
        NOW,
        "--db",
        "cli.db",
    ]);
    cli.assert_success();
    let show = |db: &str| {
        let out = server
            .wd
            .run(["referrals", "show", "1", "--format", "json", "--db", db]);
        out.assert_success();
        out.json()
    };
    let (served, by_cli) = (show("referrals.db"), show("cli.db"));
    assert_eq!(served, by_cli);
    assert_eq!(served["engine_version"], engine.as_str());
    assert_eq!(served["shown"].as_array().unwrap().len(), 5);

    // Due on day 7, as `referrals due` lists it; a contact on day 7 closes it.
    let due = server.get("/v1/referrals/due?on=2026-12-03", &server.matching);
    due.assert_status(200);
    let due = due.json();
    assert_eq!(due["on"], "2026-12-03");
    let cli_due = server.wd.run([
        "referrals",
        "due",
        "--on",
        "2026-12-03",
        "--format",
        "json",
        "--db",
        "referrals.db",
    ]);
    cli_due.assert_success();
    assert_eq!(due["due"], cli_due.json());
    assert_eq!(due["due"][0]["referral"], 1);
    assert_eq!(due["due"][0]["day"], 7);
    let patched = server.patch(
        "/v1/referrals/1",
        &server.matching,
        &json!({"status": "contacted", "on": "2026-12-03", "group": group}),
    );
    patched.assert_status(200);
    let events = &patched.json()["events"];
    assert_eq!(events.as_array().unwrap().len(), 2, "{events}");
    assert_eq!(events[0]["kind"], "referred");
    assert_eq!(events[1]["kind"], "contacted");
    // Appended, never overwritten: a second event keeps the first.
    let again = server.patch(
        "/v1/referrals/1",
        &server.matching,
        &json!({"status": "stopped", "on": "2026-12-20", "reason": "travel"}),
    );
    again.assert_status(200);
    let events = again.json()["events"].clone();
    assert_eq!(events.as_array().unwrap().len(), 3, "{events}");
    assert_eq!(events[1]["kind"], "contacted");
    assert_eq!(events[2]["reason"], "travel");
    let due = server.get("/v1/referrals/due?on=2026-12-03", &server.matching);
    assert_eq!(due.json()["due"], json!([]));
    // Each answer above was one the document describes (checked by `send`), not a path outside
    // it.
    let checked = server.checked.lock().unwrap();
    for (method, route, status) in [
        ("POST", "/v1/referrals", 201),
        ("PATCH", "/v1/referrals/{id}", 200),
        ("GET", "/v1/referrals/due", 200),
    ] {
        let key = (method.to_string(), route.to_string(), status);
        assert!(
            checked.contains(&key),
            "{key:?} was not checked: {checked:?}"
        );
    }
}

#[test]
fn bad_referral_bodies_are_422_at_their_fields_and_unknown_referrals_404() {
    let server = Server::start(&["--db", "referrals.db"]);
    let token = &server.matching;
    let pointers = |answer: &Response| -> Vec<String> {
        answer.assert_status(422);
        let body = answer.json();
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["pointer"].as_str().unwrap().to_string())
            .collect()
    };
    let mut bad_person = person("young-man-first-year");
    bad_person["gender"] = json!(7);
    let answer = server.post(
        "/v1/referrals",
        token,
        &json!({"person": bad_person, "groups": [], "consent": "maybe", "extra": 1}),
    );
    let mut found = pointers(&answer);
    found.sort();
    assert_eq!(found, ["/consent", "/extra", "/groups", "/person/gender"]);
    let answer = server.post(
        "/v1/referrals",
        token,
        &json!({"person": person("young-man-first-year"), "groups": ["no-such-group"], "now": NOW}),
    );
    assert_eq!(pointers(&answer), ["/groups"]);
    let none = server
        .wd
        .run(["referrals", "show", "1", "--db", "referrals.db"]);
    assert_ne!(none.code, Some(0), "a refused referral was recorded{none}");

    let group = first_group(&server);
    server
        .post(
            "/v1/referrals",
            token,
            &json!({"person": person("young-man-first-year"), "groups": [group], "now": NOW}),
        )
        .assert_status(201);
    let answer = server.patch(
        "/v1/referrals/1",
        token,
        &json!({"status": "stopped", "on": "2026-12-01"}),
    );
    assert_eq!(pointers(&answer), ["/reason"]);
    let answer = server.patch(
        "/v1/referrals/1",
        token,
        &json!({"status": "gone", "on": "someday"}),
    );
    assert_eq!(pointers(&answer), ["/status", "/on"]);
    let answer = server.patch(
        "/v1/referrals/1",
        token,
        &json!({"status": "contacted", "on": "2026-11-01"}),
    );
    assert_eq!(pointers(&answer), ["/on"]);
    for id in ["999", "abc", "0"] {
        let answer = server.patch(
            &format!("/v1/referrals/{id}"),
            token,
            &json!({"status": "contacted", "on": "2026-12-01"}),
        );
        answer.assert_status(404);
    }
    let bad_day = server.get("/v1/referrals/due?on=tomorrow", token);
    bad_day.assert_status(400);
    // Nothing refused was appended.
    let show = server.wd.run([
        "referrals",
        "show",
        "1",
        "--format",
        "json",
        "--db",
        "referrals.db",
    ]);
    show.assert_success();
    assert_eq!(show.json()["events"].as_array().unwrap().len(), 1);
}

#[test]
fn referrals_need_a_match_token_and_a_server_without_a_store_says_it_has_none() {
    let server = Server::start(&["--db", "referrals.db"]);
    let request = json!({"person": person("young-man-first-year"), "groups": ["x"], "now": NOW});
    server
        .post("/v1/referrals", &server.read, &request)
        .assert_status(403);
    server
        .patch(
            "/v1/referrals/1",
            &server.read,
            &json!({"status": "contacted", "on": "2026-12-01"}),
        )
        .assert_status(403);
    server
        .get("/v1/referrals/due", &server.read)
        .assert_status(403);
    server
        .get("/v1/referrals/due", &server.admin)
        .assert_status(200);

    let without = Server::start(&[]);
    for answer in [
        without.post("/v1/referrals", &without.matching, &request),
        without.patch(
            "/v1/referrals/1",
            &without.matching,
            &json!({"status": "contacted", "on": "2026-12-01"}),
        ),
        without.get("/v1/referrals/due", &without.matching),
    ] {
        answer.assert_status(404);
        let detail = answer.json()["detail"].as_str().unwrap().to_string();
        assert!(detail.contains("no referrals store"), "{detail}");
    }
    assert!(!without.wd.path().join("groupmatch.db").exists());
}
