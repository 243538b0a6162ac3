//! The staff page in a real browser: the built `groupmatch serve` on a free local port with a
//! small directory (one group named `<img src=x onerror=alert(1)>`) and a fresh `read` token,
//! Debian's chromium driven headless through chromedriver (WebDriver, with `fantoccini`). The
//! test checks every field has a label, fills the form with the keyboard alone (Tab from field
//! to field, a visible focus ring, Enter to send), and holds the ranked names, scores, status,
//! excluded counts and first reason against `groupmatch rank --format json` for the same
//! person. It checks that the hostile name is text and made no element, that a bad availability
//! is shown beside its field (with the focus there and the stale ranking gone) and a bad token
//! beside the token's, that only the token is stored (in `sessionStorage`), that "New person"
//! leaves nothing on the page, and that no person field or token reaches the server's log; and
//! takes a screenshot. It opens the handout of the ticked groups in a new tab (from a `blob:`
//! URL, its style allowed by the page's policy) and ranks a person placed by postal code. Chromium and chromedriver are installed by `.ci/run`; without them this
//! test fails and says so.
//!
//! `SERVE_PNG=docs/staff-page.png cargo test --test serve_page` also writes the screenshot
//! there (for the README and docs/serve.md), and `HANDOUT_PNG=FILE` the handout's tab.

mod util;

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use util::*;

/// A small directory around Philadelphia's City Hall: secular and 12-step groups on weekday
/// evenings, one too far, one on Sunday mornings only, one online; the first one's name would be
/// an image running a script if the page ever wrote it as markup.
const GROUPS_CSV: &str = "\
id,name,approach,format,sessions,timezone,latitude,longitude,languages,address,join_url
s-hostile,<img src=x onerror=alert(1)>,smart_recovery,in_person,Mon 19:00-20:30;Thu 19:00-20:30,America/New_York,39.9530,-75.1640,en,1400 JFK Blvd,
s-lifering,LifeRing Center City,lifering,in_person,Wed 18:30-20:00,America/New_York,39.9500,-75.1700,en,1600 Walnut St,
s-online,SMART Online Evenings,smart_recovery,online,Tue 20:00-21:00;Sat 10:00-11:00,America/New_York,,,en,,https://example.org/join/s-online
a-step,Center City Step Group,twelve_step,in_person,Mon 19:00-20:00;Fri 19:00-20:00,America/New_York,39.9550,-75.1600,en,1500 Market St,
a-sunday,Sunday Morning Step,twelve_step,in_person,Sun 08:00-09:00,America/New_York,39.9520,-75.1650,en,1 Penn Sq,
s-far,Faraway SMART,smart_recovery,in_person,Mon 19:00-20:00,America/New_York,40.4400,-74.0000,en,9 Far Rd,
";

const HOSTILE: &str = "<img src=x onerror=alert(1)>";

/// The clock of the ranking: a Thursday noon in New York.
const NOW: &str = "2026-11-26T17:00:00Z";

/// The person the test types into the form, as a person file (the form's other fields keep
/// their defaults, which are the file's).
fn person() -> Value {
    json!({
        "id": "p-page",
        "stage": "early",
        "approach_preference": "secular",
        "format_preference": "either",
        "availability": ["weekday evenings", "Sat 9am-1pm"],
        "timezone": "America/New_York",
        "latitude": 39.9526,
        "longitude": -75.1652,
        "max_travel_km": 10,
        "languages": ["en"]
    })
}

/// A child process killed (and reaped) when the test ends, passed or not.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `groupmatch serve` on 127.0.0.1:0 with the directory and tokens of `wd`, its log in
/// `serve.log`: the process and the address it says it listens on (its first line on stdout).
fn start_server(wd: &Workdir) -> (Running, SocketAddr) {
    let log = std::fs::File::create(wd.path().join("serve.log")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_groupmatch"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(["--groups", "groups.csv", "--tokens", "tokens"])
        .current_dir(wd.path())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("groupmatch serve starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let server = Running(child);
    let mut stdout = BufReader::new(stdout);
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    // Whatever else it prints is read, so it never writes into a closed pipe.
    std::thread::spawn(move || stdout.lines().for_each(drop));
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| {
            let log = read(wd, "serve.log");
            panic!("groupmatch serve said {line:?}, not where it listens; its log:\n{log}")
        });
    (server, addr)
}

/// A port that was free a moment ago, for chromedriver, which takes one on its command line.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().unwrap().port()
}

/// chromedriver on a free port, once it accepts connections: the process and its URL.
fn start_chromedriver() -> (Running, String) {
    let port = free_port();
    let driver = Running(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver is not listening");
        std::thread::sleep(Duration::from_millis(50));
    }
    (driver, format!("http://127.0.0.1:{port}"))
}

/// A WebDriver session with headless chromium in a fresh profile (`profile`).
async fn browser(driver: &str, profile: &std::path::Path) -> Client {
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
    args.push("--window-size=1280,1500".into());
    args.push(format!("--user-data-dir={}", profile.display()));
    let options = json!({"binary": CHROMIUM, "args": args});
    let capabilities = serde_json::Map::from_iter([("goog:chromeOptions".into(), options)]);
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(driver)
        .await
        .expect("a WebDriver session with chromium")
}

/// Runs `script` (a function body returning a value) in the page.
async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.expect("the script runs")
}

/// Waits until `condition` (a JavaScript expression) holds in the page.
async fn wait_until(c: &Client, condition: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while js(c, &format!("return Boolean({condition});")).await != json!(true) {
        let status = js(c, "return document.getElementById('status').textContent;").await;
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {condition} (status: {status})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The id of the element that has the keyboard focus.
async fn focused(c: &Client) -> String {
    js(c, "return document.activeElement.id;")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The keys that type `keys` over what a field holds (Ctrl+A first).
fn over(keys: &str) -> String {
    format!("{}a{}{keys}", Key::Control, Key::Null)
}

/// Presses Tab until the field `id` has the focus (it must be reachable forward with the
/// keyboard), and types `keys` into it over what it held.
async fn tab_and_type(c: &Client, id: &str, keys: &str) {
    for _ in 0..80 {
        if focused(c).await == id {
            let field = c.active_element().await.unwrap();
            field.send_keys(&over(keys)).await.unwrap();
            return;
        }
        let here = c.active_element().await.unwrap();
        here.send_keys(&Key::Tab.to_string()).await.unwrap();
    }
    panic!("Tab never reached #{id}");
}

/// Types `keys` into the field `id` over what it held.
async fn retype(c: &Client, id: &str, keys: &str) {
    let field = c.find(Locator::Id(id)).await.unwrap();
    field.send_keys(&over(keys)).await.unwrap();
}

/// The texts of the elements `css` selects.
async fn texts(c: &Client, css: &str) -> Vec<String> {
    let mut texts = Vec::new();
    for element in c.find_all(Locator::Css(css)).await.unwrap() {
        texts.push(element.text().await.unwrap());
    }
    texts
}

/// The problem shown beside the field `name`, once there is one.
async fn problem_beside(c: &Client, name: &str) -> String {
    let css = format!("[data-field=\"{name}\"] > .problem");
    wait_until(c, &format!("document.querySelector('{css}')")).await;
    c.find(Locator::Css(&css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_rank_a_person_in_chromium_with_the_keyboard_and_see_the_clis_ranking() {
    let why = "the staff page test drives a real browser through WebDriver";
    require_tools(
        why,
        &[(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")],
    );
    let wd = Workdir::new();
    wd.create("groups.csv", GROUPS_CSV);
    wd.create("p.json", person().to_string());
    let added = wd.run(["token", "add", "--role", "read", "--tokens", "tokens"]);
    added.assert_success();
    let token = added.stdout().trim().to_string();
    let cli = wd.run([
        "rank",
        "--person",
        "p.json",
        "--groups",
        "groups.csv",
        "--format",
        "json",
        "--now",
        NOW,
    ]);
    cli.assert_success();
    let cli = cli.json();

    let (_server, addr) = start_server(&wd);
    let (_driver, driver_url) = start_chromedriver();
    let profile = tempfile::tempdir().unwrap();
    let c = browser(&driver_url, profile.path()).await;
    // The session ends (and chromium with it) whether the page passes or fails.
    let page = tokio::spawn(use_the_page(c.clone(), addr, token.clone(), cli));
    let outcome = page.await;
    c.close().await.unwrap();
    if let Err(failed) = outcome {
        std::panic::resume_unwind(failed.into_panic());
    }

    // The person's fields travel in request bodies only: none is in the server's log.
    let log = read(&wd, "serve.log");
    assert!(log.contains("/v1/rank"), "{log}");
    for field in [
        "weekday evenings",
        "Sat 9am-1pm",
        "39.9526",
        "-75.1652",
        "19107",
        "Philadelpia",
        token.as_str(),
    ] {
        assert!(
            !log.contains(field),
            "{field:?} is in the server's log:\n{log}"
        );
    }
}

/// Staff at the page: rank the person typed with the keyboard, see what the command line says
/// for them, a bad availability, a bad token, and start over.
async fn use_the_page(c: Client, addr: SocketAddr, token: String, cli: Value) {
    c.goto(&format!("http://{addr}/")).await.unwrap();
    assert_eq!(
        c.title().await.unwrap(),
        "groupmatch: support groups for one person"
    );
    let unlabelled = "return Array.from(document.querySelectorAll('input, select'), \
         e => e.labels.length ? null : e.name).filter(n => n !== null);";
    assert_eq!(
        js(&c, unlabelled).await,
        json!([]),
        "fields without a label"
    );

    // The keyboard alone, from the top of the page: Tab to each field, type, Enter to send.
    tab_and_type(&c, "token", &token).await;
    // The page's own focus ring (3 px, solid), not only the browser's thin default.
    let ring = "const s = getComputedStyle(document.activeElement); \
         return s.outlineStyle + ' ' + s.outlineWidth;";
    assert_eq!(js(&c, ring).await, json!("solid 3px"), "the focus ring");
    tab_and_type(&c, "id", "p-page").await;
    tab_and_type(&c, "availability", "weekday evenings; Sat 9am-1pm").await;
    tab_and_type(&c, "timezone", "America/New_York").await;
    tab_and_type(&c, "latitude", "39.9526").await;
    tab_and_type(&c, "longitude", "-75.1652").await;
    tab_and_type(&c, "max_travel_km", "10").await;
    tab_and_type(&c, "approach_preference", "sec").await;
    tab_and_type(&c, "now", &format!("{NOW}{}", Key::Enter)).await;
    wait_until(&c, "document.querySelector('#suggestions li')").await;

    let suggestions = cli["suggestions"].as_array().unwrap();
    let want: Vec<&str> = suggestions
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(want.len() >= 3 && want.contains(&HOSTILE), "{cli}");
    assert_eq!(texts(&c, "#suggestions .name").await, want);
    let scores: Vec<String> = suggestions
        .iter()
        .map(|s| format!("score {:.2}", s["score"].as_f64().unwrap()))
        .collect();
    assert_eq!(texts(&c, "#suggestions .score").await, scores);
    let status = c.find(Locator::Id("status")).await.unwrap();
    assert_eq!(
        status.text().await.unwrap(),
        format!(
            "{} suggestions of {} eligible groups for p-page.",
            want.len(),
            cli["eligible"]
        )
    );
    assert_eq!(
        status.attr("aria-live").await.unwrap().as_deref(),
        Some("polite")
    );
    let excluded = c.find(Locator::Id("excluded")).await.unwrap();
    let excluded = excluded.text().await.unwrap();
    assert!(excluded.starts_with("2 excluded: "), "{excluded}");
    // Each reason with its sign, as the CLI's table shows it.
    let first = &suggestions[0]["explanation"][0];
    let reason = format!(
        "{} ({:+.2})",
        first["text"].as_str().unwrap(),
        first["contribution"].as_f64().unwrap()
    );
    let reasons = texts(&c, "#suggestions li:first-child .reasons li").await;
    assert!(reasons[0].starts_with(&reason), "{reasons:?} {reason}");

    // The hostile name is text: no image was made and no script ran.
    assert!(c.find_all(Locator::Css("img")).await.unwrap().is_empty());
    assert!(c.get_alert_text().await.is_err(), "an alert is open");
    js(&c, "window.scrollTo(0, 0);").await;
    keep_png(&c.screenshot().await.unwrap(), "SERVE_PNG");

    // The handout for the ticked groups (the first three, as `rank --handout` takes), opened
    // in a new tab from the button, with the keyboard.
    let ticked = "return Array.from(document.querySelectorAll('#suggestions .choose:checked'), c => c.value);";
    let chosen: Vec<Value> = suggestions
        .iter()
        .take(3)
        .map(|s| s["group_id"].clone())
        .collect();
    assert_eq!(js(&c, ticked).await, json!(chosen));
    let page = c.window().await.unwrap();
    let button = c.find(Locator::Id("handout")).await.unwrap();
    button.send_keys(&Key::Enter.to_string()).await.unwrap();
    wait_until(
        &c,
        "document.getElementById('handout-status').textContent.includes('opened')",
    )
    .await;
    let windows = c.windows().await.unwrap();
    assert_eq!(windows.len(), 2, "the handout's tab");
    let handout = windows.into_iter().find(|w| *w != page).unwrap();
    c.switch_to_window(handout).await.unwrap();
    wait_until(&c, "document.querySelector('h1')").await;
    assert!(
        c.current_url().await.unwrap().as_str().starts_with("blob:"),
        "no person field in a URL"
    );
    assert_eq!(
        js(&c, "return document.querySelector('h1').textContent;").await,
        json!("Your support groups")
    );
    // Its style applies (the staff page's policy allows it by hash), and no script could run.
    let color = "return getComputedStyle(document.querySelector('h1')).color;";
    assert_eq!(
        js(&c, color).await,
        json!("rgb(31, 95, 139)"),
        "the handout's own style"
    );
    let body = js(&c, "return document.body.textContent;").await;
    for s in suggestions.iter().take(3) {
        assert!(
            body.as_str().unwrap().contains(s["name"].as_str().unwrap()),
            "{body}"
        );
    }
    assert!(c.find_all(Locator::Css("img")).await.unwrap().is_empty());
    keep_png(&c.screenshot().await.unwrap(), "HANDOUT_PNG");
    c.close_window().await.unwrap();
    c.switch_to_window(page).await.unwrap();

    // Two bad fields: each message beside its field, which entry of the availability it is,
    // the focus on the first of them in the form, and the last ranking gone.
    retype(&c, "max_travel_km", "far").await;
    let enter = Key::Enter;
    retype(
        &c,
        "availability",
        &format!("weekday evenings; Fri 20:00-19:00{enter}"),
    )
    .await;
    let problem = problem_beside(&c, "availability").await;
    assert!(
        problem.starts_with("entry 2: end 19:00 is not after start 20:00"),
        "{problem}"
    );
    let problem = problem_beside(&c, "max_travel_km").await;
    assert!(problem.contains("'far' is not a number"), "{problem}");
    assert_eq!(focused(&c).await, "availability");
    assert!(
        texts(&c, "#suggestions .name").await.is_empty(),
        "a stale ranking"
    );
    let field = c.find(Locator::Id("availability")).await.unwrap();
    assert_eq!(
        field.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );

    // A token the server does not know: the answer beside the token field.
    retype(&c, "token", &format!("not-a-token{enter}")).await;
    assert!(!problem_beside(&c, "token").await.is_empty());
    assert_eq!(focused(&c).await, "token");
    let stored = "return [sessionStorage.getItem('groupmatch-token'), localStorage.length];";
    assert_eq!(js(&c, stored).await, json!(["not-a-token", 0]));

    // A family member has no stage but a relationship and an aim: the form shows the role's own.
    retype(&c, "role", "them").await;
    let shown = "return ['stage', 'relationship', 'family_aim'].map(id => \
         !document.getElementById(id).disabled && !!document.getElementById(id).offsetParent);";
    assert_eq!(js(&c, shown).await, json!([false, true, true]));

    // "New person" (Enter on the button) leaves nothing of this one on the page.
    let reset = c.find(Locator::Id("reset")).await.unwrap();
    reset.send_keys(&Key::Enter.to_string()).await.unwrap();
    wait_until(
        &c,
        "!document.querySelector('#suggestions li, .field > .problem')",
    )
    .await;
    let availability = "return document.getElementById('availability').value;";
    assert_eq!(js(&c, availability).await, json!("daily 06:00-22:00"));
    assert_eq!(js(&c, shown).await, json!([true, false, false]));

    // A person placed by postal code instead of coordinates: Center City's ZIP, its groups
    // about so many km away (from the code's centre).
    retype(&c, "token", &token).await;
    retype(&c, "timezone", "America/New_York").await;
    retype(&c, "near", "19107").await;
    retype(&c, "max_travel_km", "10").await;
    retype(&c, "now", &format!("{NOW}{}", Key::Enter)).await;
    wait_until(&c, "document.querySelector('#suggestions li')").await;
    let travel = texts(&c, "#suggestions .travel").await;
    assert!(
        travel
            .iter()
            .any(|t| t.starts_with("about ") && t.ends_with(" km")),
        "{travel:?}"
    );
    let names = texts(&c, "#suggestions .name").await;
    assert!(
        names.iter().any(|n| n == "LifeRing Center City"),
        "{names:?}"
    );

    // A place the gazetteer does not know: its suggestion beside the field.
    retype(&c, "near", &format!("Philadelpia{}", Key::Enter)).await;
    let problem = problem_beside(&c, "near").await;
    assert!(
        problem.contains("did you mean Philadelphia, PA, US"),
        "{problem}"
    );
    assert_eq!(focused(&c).await, "near");
}
