//! Test harness for the `groupmatch` binary: a temporary working directory to write input files
//! into, a way to run the built binary there, and assertions that show the whole run (command,
//! exit status, stdout, stderr) when they fail, so a red test explains itself.

#![allow(dead_code)] // each test crate uses only some of these helpers

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The fixed clock used by tests whose output would otherwise depend on the time of day.
/// A Thursday in late November: New York is UTC-5 and Los Angeles UTC-8.
pub const NOW: &str = "2026-11-26T12:00:00Z";

/// The repository's own files, addressed from the test crate.
pub const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// A path inside the repository.
pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(MANIFEST_DIR).join(relative)
}

/// Every example person shipped in `data/people/`, sorted by file name.
pub fn example_people() -> Vec<PathBuf> {
    json_files(&repo_path("data/people"), 6)
}

/// The example person `rank` falls back to.
pub const EXAMPLE_PERSON: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/people/early-secular-woman.json"
);

/// A small directory (Philadelphia, America/New_York) where [`small_person`] finds two
/// groups eligible and three excluded, each for one known reason.
pub const SMALL_GROUPS_CSV: &str = "\
id,name,approach,format,sessions,timezone,latitude,longitude,languages,capacity,enrolled
t-online,Evening SMART Online,smart_recovery,online,Mon 19:00-20:00;Wed 19:00-20:00,America/New_York,,,en,,
t-near,Neighbourhood Step,twelve_step,in_person,Mon 18:30-19:30,America/New_York,39.95,-75.16,en;es,,
t-far,Faraway Dharma,recovery_dharma,in_person,Mon 19:00-20:00,America/New_York,40.5,-74.0,en,,
t-full,Full CBT Group,cbt,online,Mon 19:00-20:00,America/New_York,,,en,10,10
t-es,Grupo en Línea,twelve_step,online,Wed 19:00-20:00,America/New_York,,,es,,
";

/// The same directory as `SMALL_GROUPS_CSV`, as a JSON array.
pub const SMALL_GROUPS_JSON: &str = r#"[
  {"id": "t-online", "name": "Evening SMART Online", "approach": "smart_recovery",
   "format": "online", "sessions": ["Mon 19:00-20:00", "Wed 19:00-20:00"],
   "timezone": "America/New_York", "languages": ["en"]},
  {"id": "t-near", "name": "Neighbourhood Step", "approach": "twelve_step", "format": "in_person",
   "sessions": ["Mon 18:30-19:30"], "timezone": "America/New_York",
   "latitude": 39.95, "longitude": -75.16, "languages": ["en", "es"]},
  {"id": "t-far", "name": "Faraway Dharma", "approach": "recovery_dharma", "format": "in_person",
   "sessions": ["Mon 19:00-20:00"], "timezone": "America/New_York",
   "latitude": 40.5, "longitude": -74.0, "languages": ["en"]},
  {"id": "t-full", "name": "Full CBT Group", "approach": "cbt", "format": "online",
   "sessions": ["Mon 19:00-20:00"], "timezone": "America/New_York", "languages": ["en"],
   "capacity": 10, "enrolled": 10},
  {"id": "t-es", "name": "Grupo en Línea", "approach": "twelve_step", "format": "online",
   "sessions": ["Wed 19:00-20:00"], "timezone": "America/New_York", "languages": ["es"]}
]
"#;

/// A working directory with `groups.csv` (the small directory) and `p.json` (a small person
/// with id `p`, available at `availability`).
pub fn small_workdir(availability: &str) -> Workdir {
    let wd = Workdir::new();
    wd.create("groups.csv", SMALL_GROUPS_CSV);
    wd.create("p.json", small_person("p", availability));
    wd
}

/// A person for the small directory, available at `availability` (JSON list items).
pub fn small_person(id: &str, availability: &str) -> String {
    format!(
        r#"{{
  "id": "{id}",
  "stage": "early",
  "approach_preference": "no_preference",
  "format_preference": "either",
  "availability": [{availability}],
  "timezone": "America/New_York",
  "latitude": 39.9526,
  "longitude": -75.1652,
  "max_travel_km": 10,
  "languages": ["en"]
}}
"#
    )
}

/// The `.json` files in `dir`, sorted by name; at least `at_least` of them.
pub fn json_files(dir: &Path, at_least: usize) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= at_least,
        "expected at least {at_least} .json files in {}, found {}",
        dir.display(),
        files.len()
    );
    files
}

/// A temporary directory, deleted on drop, that commands run in.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    /// A new, empty working directory.
    pub fn new() -> Workdir {
        let dir = tempfile::Builder::new()
            .prefix("groupmatch-test-")
            .tempdir()
            .expect("create a temporary directory");
        Workdir { dir }
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `contents` to `name` inside the directory and returns the file's full path.
    pub fn create(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }

    /// Runs `groupmatch ARGS...` with this directory as the working directory.
    pub fn run<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.run_env(&[], args)
    }

    /// [`Workdir::run`] with the environment variables `vars` set. The key of an encrypted
    /// referrals database (`GROUPMATCH_DB_KEY`, `GROUPMATCH_DB_KEY_FILE`) is only what `vars`
    /// gives, whatever the tests' own environment holds.
    pub fn run_env<I, S>(&self, vars: &[(&str, &str)], args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let args: Vec<std::ffi::OsString> =
            args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_groupmatch"));
        cmd.args(&args)
            .current_dir(self.dir.path())
            .env_remove("GROUPMATCH_DB_KEY")
            .env_remove("GROUPMATCH_DB_KEY_FILE")
            .envs(vars.iter().copied());
        let shown = vars
            .iter()
            .map(|(name, _)| format!("{name}=..."))
            .chain(std::iter::once("groupmatch".to_string()))
            .chain(args.iter().map(|a| shell_word(&a.to_string_lossy())))
            .collect::<Vec<_>>()
            .join(" ");
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
        Output {
            command: format!("(cd {} && {shown})", self.dir.path().display()),
            code: out.status.code(),
            stdout: out.stdout,
            stderr: out.stderr,
        }
    }
}

/// Quotes an argument for display when it holds spaces or shell characters.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// What one run of the binary produced.
pub struct Output {
    /// The command, as a shell line, for failure messages.
    pub command: String,
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Raw standard output.
    pub stdout: Vec<u8>,
    /// Raw standard error.
    pub stderr: Vec<u8>,
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "\n---- command ----\n{}", self.command)?;
        match self.code {
            Some(code) => writeln!(f, "---- exit code ----\n{code}")?,
            None => writeln!(f, "---- exit code ----\n(killed by a signal)")?,
        }
        writeln!(f, "---- stdout ----\n{}", self.stdout())?;
        write!(f, "---- stderr ----\n{}", self.stderr())
    }
}

impl Output {
    /// Standard output as text (lossy, so a failure message can always show it).
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Standard error as text.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Panics, showing the run, unless the exit code is `code`.
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Output {
        assert_eq!(self.code, Some(code), "unexpected exit code{self}");
        self
    }

    /// Panics, showing the run, unless it exited 0.
    #[track_caller]
    pub fn assert_success(&self) -> &Output {
        self.assert_code(0)
    }

    /// Panics unless stdout contains `needle`.
    #[track_caller]
    pub fn assert_stdout_contains(&self, needle: &str) -> &Output {
        assert!(
            self.stdout().contains(needle),
            "stdout lacks {needle:?}{self}"
        );
        self
    }

    /// Panics if stdout contains `needle`.
    #[track_caller]
    pub fn assert_stdout_lacks(&self, needle: &str) -> &Output {
        assert!(
            !self.stdout().contains(needle),
            "stdout unexpectedly has {needle:?}{self}"
        );
        self
    }

    /// Panics unless stderr contains `needle`.
    #[track_caller]
    pub fn assert_stderr_contains(&self, needle: &str) -> &Output {
        assert!(
            self.stderr().contains(needle),
            "stderr lacks {needle:?}{self}"
        );
        self
    }

    /// Panics unless stdout is empty (a failed command must not leave partial output).
    #[track_caller]
    pub fn assert_stdout_empty(&self) -> &Output {
        assert!(self.stdout.is_empty(), "stdout should be empty{self}");
        self
    }

    /// Panics unless some line of stdout or stderr, less an `error: ` or `warning: ` prefix,
    /// starts with `FILE:LINE: field: ` (or `FILE:LINE: ` when `field` is `None`) and contains
    /// every one of `words`. Returns that line.
    #[track_caller]
    pub fn assert_problem(
        &self,
        file: &str,
        line: u64,
        field: Option<&str>,
        words: &[&str],
    ) -> String {
        let prefix = match field {
            Some(field) => format!("{file}:{line}: {field}: "),
            None => format!("{file}:{line}: "),
        };
        let text = format!("{}\n{}", self.stdout(), self.stderr());
        let found = text
            .lines()
            // `rank` prefixes the first line of an error with `error: `, both commands prefix
            // warnings with `warning: `.
            .map(|l| {
                l.strip_prefix("error: ")
                    .or_else(|| l.strip_prefix("warning: "))
                    .unwrap_or(l)
            })
            .find(|l| l.starts_with(&prefix) && words.iter().all(|w| l.contains(w)));
        match found {
            Some(l) => l.to_string(),
            None => panic!("no line starting {prefix:?} and containing {words:?}{self}"),
        }
    }

    /// Stdout parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not valid JSON ({e}){self}"))
    }
}

/// A file of the workdir as bytes.
pub fn read_bytes(wd: &Workdir, name: &str) -> Vec<u8> {
    let path = wd.path().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A file of the workdir as text.
pub fn read(wd: &Workdir, name: &str) -> String {
    String::from_utf8(read_bytes(wd, name)).unwrap_or_else(|e| panic!("{name} is not UTF-8: {e}"))
}

/// A JSON file of the workdir.
pub fn read_json(wd: &Workdir, name: &str) -> serde_json::Value {
    serde_json::from_str(&read(wd, name)).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
}

/// A CSV table: the header and the rows.
pub struct Table {
    /// Column names.
    pub header: Vec<String>,
    /// Cells, row by row.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Index of `column`, which must exist.
    #[track_caller]
    pub fn column(&self, column: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == column)
            .unwrap_or_else(|| panic!("no column {column:?} in {:?}", self.header))
    }

    /// Every value of `column`, in row order.
    pub fn values(&self, column: &str) -> Vec<&str> {
        let i = self.column(column);
        self.rows.iter().map(|r| r[i].as_str()).collect()
    }
}

/// Reads a CSV file of the workdir.
pub fn read_csv(wd: &Workdir, name: &str) -> Table {
    let path = wd.path().join(name);
    let mut reader =
        csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("cannot read {name}: {e}"));
    let header = reader
        .headers()
        .unwrap_or_else(|e| panic!("{name}: bad header: {e}"))
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            r.unwrap_or_else(|e| panic!("{name}: bad row: {e}"))
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect();
    Table { header, rows }
}

/// Debian's chromium, which the browser tests render pages with (installed by `.ci/run`).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Debian's chromedriver (package chromium-driver), the WebDriver server for [`CHROMIUM`].
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Chromium's flags for the tests: headless, in a container, without network chatter.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// Fails, saying how to install them, unless every one of `tools` (a path and the Debian package
/// that installs it) is there; `why` says what the test needs them for.
pub fn require_tools(why: &str, tools: &[(&str, &str)]) {
    for (tool, package) in tools {
        assert!(
            Path::new(tool).exists(),
            "{tool} is missing: {why}. Run .ci/run (it installs it) or `apt-get install -y \
             {package}`"
        );
    }
}

/// Fails, saying how to install them, unless chromium and `pdftotext` (poppler-utils) are there;
/// `why` says what the test needs them for.
pub fn require_browser(why: &str) {
    require_tools(
        why,
        &[
            (CHROMIUM, "chromium"),
            ("/usr/bin/pdftotext", "poppler-utils"),
        ],
    );
}

/// Runs headless chromium in `dir` on the page at `page` with `args` (a screenshot, a PDF), in
/// a fresh profile; must succeed.
pub fn chromium(dir: &Path, args: &[&str], page: &Path) -> std::process::Output {
    let profile = tempfile::tempdir().expect("a profile folder");
    let profile = format!("--user-data-dir={}", profile.path().display());
    let output = Command::new(CHROMIUM)
        .args(CHROMIUM_FLAGS)
        .arg(&profile)
        .args(args)
        .arg(format!("file://{}", page.display()))
        .current_dir(dir)
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "chromium {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Checks that `bytes` are a PNG that is not blank and copies them to the repository path named
/// by the environment variable `png_env` when it is set (a README picture).
pub fn keep_png(bytes: &[u8], png_env: &str) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(bytes.len() > 20_000, "a blank page? {} bytes", bytes.len());
    if let Some(to) = std::env::var_os(png_env) {
        std::fs::write(repo_path("").join(PathBuf::from(to)), bytes).unwrap();
    }
}

/// How many pages a PDF chromium printed has (its `/Type /Page` objects).
pub fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Type /Page")
        .filter(|(i, m)| !text[i + m.len()..].starts_with('s'))
        .count()
}

/// The text of the PDF `name` in `dir` (`pdftotext -layout`), its runs of white space made one
/// space.
pub fn pdf_text(dir: &Path, name: &str) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", name, "-"])
        .current_dir(dir)
        .output()
        .expect("pdftotext runs");
    assert!(out.status.success(), "pdftotext {name} failed");
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Renders `page` (in `dir`) with chromium to a PNG beside it at `window` (`800,1300`) and prints
/// it to a PDF beside it (same stem), checks that both are what they say and not blank, copies
/// the PNG to the repository path named by the environment variable `png_env` when it is set
/// (a README picture), and returns the PDF's bytes.
pub fn screenshot_and_print(dir: &Path, page: &Path, window: &str, png_env: &str) -> Vec<u8> {
    let png = page.with_extension("png");
    chromium(
        dir,
        &[
            "--hide-scrollbars",
            &format!("--window-size={window}"),
            &format!("--screenshot={}", png.display()),
        ],
        page,
    );
    keep_png(&std::fs::read(&png).unwrap(), png_env);
    let pdf = page.with_extension("pdf");
    chromium(
        dir,
        &[
            "--no-pdf-header-footer",
            &format!("--print-to-pdf={}", pdf.display()),
        ],
        page,
    );
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    assert!(bytes.len() > 10_000, "{} bytes", bytes.len());
    bytes
}
