//! The app under test and a browser to drive it.

pub mod s3;
pub mod smtp;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

fn target_dir() -> PathBuf {
    // .../target/debug/deps/e2e-<hash> → .../target
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// The `goc` binary under test: the debug build, or the release build for benchmarks
/// (`GOC_PROFILE=release`).
fn goc_bin() -> PathBuf {
    let profile = std::env::var("GOC_PROFILE").unwrap_or_else(|_| "debug".into());
    target_dir().join(profile).join("goc")
}

pub fn scratch(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "goc-e2e-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fresh SQLite database in its own scratch folder.
pub fn sqlite_url(name: &str) -> String {
    format!("sqlite://{}/goc.db", scratch(name).display())
}

/// The photo folder of a test's database: beside a SQLite file, or named after a
/// PostgreSQL database, so every command on that database finds the same photos.
fn photos_dir(database_url: &str) -> PathBuf {
    match database_url.strip_prefix("sqlite://") {
        Some(file) => std::path::Path::new(file).with_file_name("photos"),
        None => std::env::temp_dir().join(format!(
            "goc-e2e-photos-{}",
            database_url.rsplit('/').next().unwrap_or("pg")
        )),
    }
}

/// A running `goc serve --demo-if-empty` on a fresh SQLite database and a free port.
pub struct Goc {
    pub base: String,
    database_url: String,
    client: reqwest::Client,
    child: Child,
}

impl Goc {
    pub async fn start() -> Self {
        Self::start_on(&sqlite_url("db")).await
    }

    /// The real binary serving `database_url` on a free port.
    pub async fn start_on(database_url: &str) -> Self {
        Self::start_at(database_url, "127.0.0.1:0").await
    }

    /// The real binary serving `database_url` at `listen` (a server restarted where phones
    /// knew it).
    pub async fn start_at(database_url: &str, listen: &str) -> Self {
        Self::start_with(database_url, listen, &[]).await
    }

    /// The real binary with more settings (an S3 bucket for photos).
    pub async fn start_with(database_url: &str, listen: &str, env: &[(&str, &str)]) -> Self {
        let bin = goc_bin();
        assert!(
            bin.exists(),
            "{} missing: run `cargo build -p app --bin goc` first",
            bin.display()
        );
        let mut child = Command::new(&bin)
            .args(["serve", "--demo-if-empty"])
            .env("DATABASE_URL", database_url)
            .env("GOC_LISTEN", listen)
            .env("GOC_SECRET", "e2e-secret-that-is-long-enough-0123456789")
            // Same keys every run: a failure reproduces.
            .env("GOC_INSECURE_KEY_SEED", "e2e")
            .env("LEPTOS_SITE_ROOT", target_dir().join("site"))
            .env("GOC_PHOTOS", photos_dir(database_url))
            .envs(env.iter().copied())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(url) = line.strip_prefix("Gốc is serving on ") {
                    return url.to_owned();
                }
            }
            panic!("goc exited before serving");
        })
        .await
        .expect("goc did not start within 60 s");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            base: addr,
            database_url: database_url.to_owned(),
            client,
            child,
        }
    }

    /// Ends every adoption season long ago, as time passing would: a settlement waits for
    /// its season's end.
    pub async fn end_seasons(&self) {
        end_seasons(&self.database_url).await;
    }

    /// Runs one statement on this server's database: time passing (a hold that lapses)
    /// without waiting for it.
    pub async fn execute(&self, sql: &str) {
        execute(&self.database_url, sql).await;
    }

    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// Runs a `goc` command against this server's database.
    pub fn command(&self, args: &[&str]) -> std::process::Output {
        goc_command(&self.database_url, args)
    }

    /// A platform administrator, signed in: an account made admin with `goc make-admin`,
    /// as an operator would.
    pub async fn admin(&self) -> Agent {
        let admin = Agent::new(self);
        admin.sign_up("0999999999", "Quản trị Gốc").await;
        let out = self.command(&["make-admin", "0999999999"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        admin
    }

    /// `host:port` it serves on.
    pub fn listen(&self) -> String {
        self.base.trim_start_matches("http://").to_owned()
    }

    /// Kills the process at once (SIGKILL: a crash or a power cut, no chance to clean up).
    pub async fn kill(mut self) {
        self.child.kill().await.unwrap();
    }

    /// Sends SIGTERM (what systemd sends) and waits for the process to end.
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().unwrap().to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(sent.success());
        // Generous: under the whole suite's load on two cores, the requests it drains
        // (hundreds of labels) take a while; what is tested is that it drains, not how fast.
        tokio::time::timeout(Duration::from_secs(120), self.child.wait())
            .await
            .expect("goc did not stop within 120 s of SIGTERM")
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    pub async fn text(&self, path: &str) -> String {
        let r = self.get(path).await;
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.text().await.unwrap()
    }

    pub async fn text_with_cookie(&self, path: &str, cookie: &str) -> String {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        r.text().await.unwrap()
    }

    /// The signed QR URL of a tree, as its history export states it.
    pub async fn identity_url(&self, coop: &str, tree: &str) -> String {
        let json = self
            .text(&format!("/api/trees/{coop}/{tree}/history"))
            .await;
        let h = ledger::TreeHistory::from_json(&json).unwrap();
        let path = ledger::SignedIdentity::parse(h.identity.as_deref().unwrap())
            .unwrap()
            .path();
        format!("{}{path}", self.base)
    }
}

/// A farmer of the demo cooperative `coop`, invited by the administrator and joined with
/// the code, as in real life.
pub async fn farmer(goc: &Goc, admin: &Agent, coop: &str, phone: &str) -> Agent {
    let page = format!("/manage/{coop}");
    let r = admin
        .submit(
            &page,
            &format!("/manage/{coop}/members"),
            &[
                ("form", "member"),
                ("phone", phone),
                ("name", "Nông dân Lan"),
                ("role", "farmer"),
            ],
        )
        .await;
    let html = r.text().await.unwrap();
    let code = html
        .split("/join?code=")
        .nth(1)
        .expect("an invitation code")[..9]
        .to_owned();
    let farmer = Agent::new(goc);
    let join = [
        ("form", "join"),
        ("phone", phone),
        ("name", "Nông dân Lan"),
        ("code", code.as_str()),
        ("password", "farmer password"),
    ];
    assert_eq!(farmer.submit("/join", "/join", &join).await.status(), 303);
    farmer
}

/// Runs a `goc` command against `database_url`.
pub fn goc_command(database_url: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(goc_bin())
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("GOC_SECRET", "e2e-secret-that-is-long-enough-0123456789")
        .env("GOC_INSECURE_KEY_SEED", "e2e")
        .env("GOC_PHOTOS", photos_dir(database_url))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

/// A person at a browser without JavaScript: keeps cookies, reads each form's CSRF token
/// from the page it is on, and does not follow redirects (tests look at them).
pub struct Agent {
    base: String,
    client: reqwest::Client,
}

impl Agent {
    pub fn new(goc: &Goc) -> Self {
        Self::builder(goc, reqwest::header::HeaderMap::new())
    }

    /// The same person (same cookies) talking to another server of the same site.
    pub fn at(&self, goc: &Goc) -> Self {
        Self {
            base: goc.base.clone(),
            client: self.client.clone(),
        }
    }

    /// A person elsewhere on the internet: a reverse proxy on the server's machine
    /// forwards their address.
    pub fn from_address(goc: &Goc, address: &str) -> Self {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("x-forwarded-for", address.parse().unwrap());
        Self::builder(goc, h)
    }

    fn builder(goc: &Goc, headers: reqwest::header::HeaderMap) -> Self {
        Self {
            base: goc.base.clone(),
            client: reqwest::Client::builder()
                .cookie_store(true)
                .default_headers(headers)
                .redirect(reqwest::redirect::Policy::none())
                // A fresh connection per request: a refusal sent before an upload's body
                // was read closes its connection, and a pooled one would then fail the
                // next request at random (seen once in twenty runs).
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    /// A request of any kind with this person's cookies (an API call, say).
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base))
    }

    /// The CSRF token the page at `path` gives its forms.
    pub async fn token(&self, path: &str) -> String {
        let html = self.get(path).await.text().await.unwrap();
        let pat = "name=\"csrf-token\" content=\"";
        let at = html.find(pat).expect("no CSRF token on the page") + pat.len();
        html[at..at + 64].to_owned()
    }

    /// Submits a form of the page `page` to `action`, with the page's token.
    pub async fn submit(
        &self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = self.token(page).await;
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    /// A form post to send later (several at once, or across a server stop).
    pub fn post_request(
        &self,
        action: &str,
        fields: &[(String, String)],
    ) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{action}", self.base))
            .form(fields)
    }

    /// Posts exactly `fields` (no token added).
    pub async fn post(&self, action: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{action}", self.base))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_multipart(
        &self,
        action: &str,
        form: reqwest::multipart::Form,
    ) -> reqwest::Response {
        self.client
            .post(format!("{}{action}", self.base))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// Reloads `path` (as its refresh tag would) until it shows `text`; returns the page.
    pub async fn wait_for(&self, path: &str, text: &str) -> String {
        for _ in 0..300 {
            let html = self.get(path).await.text().await.unwrap();
            if html.contains(text) {
                return html;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{path} never showed {text:?}");
    }

    pub async fn sign_up(&self, phone: &str, name: &str) {
        let r = self
            .submit(
                "/signup",
                "/signup",
                &[
                    ("form", "signup"),
                    ("identifier", phone),
                    ("name", name),
                    ("password", "a long password"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    }
}

/// Headless Chromium at phone size, driven over chromedriver.
pub struct Browser {
    client: fantoccini::Client,
    _driver: Child,
    /// Where downloads land.
    pub downloads: PathBuf,
}

impl Browser {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Chromium whose camera shows the frames of a `.y4m` file (a QR label held up to it).
    pub async fn start_with_camera(y4m: &std::path::Path) -> Self {
        Self::start_with(&[
            "--use-fake-ui-for-media-stream".into(),
            "--use-fake-device-for-media-stream".into(),
            format!("--use-file-for-fake-video-capture={}", y4m.display()),
        ])
        .await
    }

    async fn start_with(extra: &[String]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver not found: run `make tools`");
        let profile = scratch("chromium");
        let downloads = scratch("downloads");
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--window-size=360,740", format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": {
                    "download.default_directory": downloads.display().to_string(),
                    "download.prompt_for_download": false
                }
            }
        });
        let mut caps: serde_json::Map<String, serde_json::Value> =
            caps.as_object().unwrap().clone();
        if let Some(args) = caps["goog:chromeOptions"]["args"].as_array_mut() {
            args.extend(extra.iter().map(|a| serde_json::Value::from(a.as_str())));
        }
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..50 {
            match fantoccini::ClientBuilder::new(
                hyper_util::client::legacy::connect::HttpConnector::new(),
            )
            .capabilities(caps.clone())
            .connect(&url)
            .await
            {
                Ok(client) => {
                    return Self {
                        client,
                        _driver: driver,
                        downloads,
                    }
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("cannot start Chromium: {last:?}");
    }

    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(60))
            .for_element(fantoccini::Locator::Css(css))
            .await
            .unwrap()
    }

    /// Waits for an element to exist.
    pub async fn find_css(&self, css: &str) {
        self.find(css).await;
    }

    /// A DOM property (what a form field holds now, say).
    pub async fn property(&self, css: &str, name: &str) -> String {
        self.find(css)
            .await
            .prop(name)
            .await
            .unwrap()
            .unwrap_or_default()
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.find(css).await.attr(name).await.unwrap()
    }

    /// Clicks an element brought to the middle of the screen first, as a person would
    /// scroll to it (the tree page's bottom bar covers the screen's last lines).
    pub async fn click(&self, css: &str) {
        let e = self.find(css).await;
        let arg = serde_json::to_value(&e).unwrap();
        self.client
            .execute("arguments[0].scrollIntoView({block: 'center'})", vec![arg])
            .await
            .unwrap();
        e.click().await.unwrap();
    }

    /// Signs in on the login page (every test account's password is "a long password").
    pub async fn sign_in(&self, goc: &Goc, phone: &str) {
        self.open(&format!("{}/login?next=/manage", goc.base)).await;
        self.fill("#login-identifier", phone).await;
        self.fill("#login-password", "a long password").await;
        self.click("#login button[type=submit]").await;
        self.wait_for_text("h1", "").await;
    }

    /// Signs out from the header and waits for the redirect to land: opening another page
    /// before it lets the redirect win the race and replace that page.
    /// A click that lands while the page is still hydrating can be lost (seen once on a
    /// fresh CI clone): the button is clicked again while it is still there.
    pub async fn sign_out(&self) {
        let button = fantoccini::Locator::Css("form[action='/logout'] button");
        for _ in 0..6 {
            if let Ok(b) = self.client.find(button).await {
                let _ = b.click().await;
            }
            if self.shows_within("header", "Đăng nhập", 50).await {
                return;
            }
        }
        panic!("the header never showed \"Đăng nhập\" after signing out");
    }

    pub async fn wait_for_text(&self, css: &str, want: &str) {
        // Up to a minute: a 2-core CI machine running browsers and servers side by side
        // is slow, and a wait that succeeds returns at once.
        if !self.shows_within(css, want, 300).await {
            panic!("{css} never showed {want:?}");
        }
    }

    /// Whether `css` shows `want` within `tries` looks 200 ms apart.
    async fn shows_within(&self, css: &str, want: &str, tries: usize) -> bool {
        for _ in 0..tries {
            if let Ok(e) = self.client.find(fantoccini::Locator::Css(css)).await {
                if e.text().await.map(|t| t.contains(want)).unwrap_or(false) {
                    return true;
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        false
    }

    pub async fn tap_at(&self, css: &str, x: f64, y: f64) {
        use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
        let element = self.find(css).await;
        let arg = serde_json::to_value(&element).unwrap();
        self.client
            .execute("arguments[0].scrollIntoView({block: 'center'})", vec![arg])
            .await
            .unwrap();
        let tap = MouseActions::new("finger".into())
            .then(PointerAction::MoveToElement {
                element,
                duration: None,
                x,
                y,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        self.client.perform_actions(tap).await.unwrap();
        // Apart enough not to be a double tap (which zooms).
        tokio::time::sleep(Duration::from_millis(400)).await;
    }

    /// Chooses a file for a file input.
    pub async fn upload(&self, css: &str, path: &std::path::Path) {
        self.find(css)
            .await
            .send_keys(path.to_str().unwrap())
            .await
            .unwrap();
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Runs JavaScript in the page; `return` a value to read it (as a string).
    pub async fn eval(&self, js: &str) -> String {
        match self.client.execute(js, vec![]).await.unwrap() {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        }
    }

    /// A Chrome DevTools Protocol command to the page, through chromedriver.
    pub async fn cdp(&self, cmd: &str, params: serde_json::Value) -> serde_json::Value {
        self.client
            .issue_cmd(Cdp {
                cmd: cmd.to_owned(),
                params,
            })
            .await
            .unwrap()
    }

    pub async fn current_url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    pub async fn current_path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    /// Where [`Self::screenshot`] and [`Self::screenshot_page`] save `name`.
    pub fn screenshot_path(name: &str) -> PathBuf {
        target_dir().join("screenshots").join(format!("{name}.png"))
    }

    /// Saves what the screen shows to `target/screenshots/<name>.png`, to look at.
    pub async fn screenshot(&self, name: &str) {
        let dir = target_dir().join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Like [`Self::screenshot`], but the whole page, not only what fits on the screen.
    pub async fn screenshot_page(&self, name: &str) {
        use base64::Engine as _;
        let height: f64 = self
            .eval("return String(document.documentElement.scrollHeight)")
            .await
            .parse()
            .unwrap();
        let width: f64 = self
            .eval("return String(document.documentElement.clientWidth)")
            .await
            .parse()
            .unwrap();
        let shot = self
            .cdp(
                "Page.captureScreenshot",
                serde_json::json!({
                    "format": "png", "captureBeyondViewport": true,
                    "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
                }),
            )
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        let dir = target_dir().join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// chromedriver's `goog/cdp/execute`, which fantoccini has no method for.
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &reqwest::Url,
        session: Option<&str>,
    ) -> Result<reqwest::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (reqwest::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.cmd, "params": self.params });
        (reqwest::Method::POST, Some(body.to_string()))
    }
}

/// A camera's view of a QR code holding `text`, as a `.y4m` video (what Chromium's fake
/// camera plays): 640 × 480, black modules on white, centred.
pub fn qr_video(text: &str, path: &std::path::Path) {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let (w, h, module) = (640usize, 480usize, 6usize);
    let side = (code.width() + 8) * module;
    let (x0, y0) = ((w - side) / 2, (h - side) / 2);
    let mut y = vec![255u8; w * h];
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (mx, my) = (i % code.width() + 4, i / code.width() + 4);
            for dy in 0..module {
                let row = (y0 + my * module + dy) * w;
                y[row + x0 + mx * module..row + x0 + (mx + 1) * module].fill(0);
            }
        }
    }
    let mut out = format!("YUV4MPEG2 W{w} H{h} F30:1 Ip A1:1 C420\n").into_bytes();
    for _ in 0..10 {
        out.extend_from_slice(b"FRAME\n");
        out.extend_from_slice(&y);
        out.extend(std::iter::repeat_n(128u8, w * h / 2));
    }
    std::fs::write(path, out).unwrap();
}

/// A PNG photo of `w` × `h` pixels, as a phone might upload.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// A fresh PostgreSQL database for servers to share, dropped (connections and all) when
/// the test ends.
pub struct PgDatabase {
    admin: String,
    name: String,
}

impl PgDatabase {
    pub fn create() -> Self {
        let admin = std::env::var("GOC_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        let name = format!(
            "goc_e2e_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let db = Self { admin, name };
        db.psql(&format!("CREATE DATABASE {}", db.name));
        db
    }

    pub fn url(&self) -> String {
        format!("{}/{}", self.admin, self.name)
    }

    fn psql(&self, sql: &str) {
        let out = std::process::Command::new("psql")
            .arg(format!("{}/postgres", self.admin))
            .args(["-c", sql])
            .output()
            .expect("psql (postgresql-client) is needed for the PostgreSQL tests");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        self.psql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

/// Drops the append-only triggers and runs `sql`, as someone with the database's password
/// could: `goc verify`, the export and the tree page must all notice.
pub async fn tamper(database_url: &str, sqls: &[&str]) {
    use sqlx::Connection;
    if database_url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(database_url).await.unwrap();
        sqlx::query("DROP TRIGGER ledger_entries_no_update_or_delete ON ledger_entries")
            .execute(&mut c)
            .await
            .unwrap();
        for sql in sqls {
            sqlx::query(sql).execute(&mut c).await.unwrap();
        }
    } else {
        let mut c = sqlx::SqliteConnection::connect(database_url).await.unwrap();
        for sql in [
            "DROP TRIGGER ledger_entries_no_update",
            "DROP TRIGGER ledger_entries_no_delete",
        ]
        .iter()
        .chain(sqls)
        {
            sqlx::query(sql).execute(&mut c).await.unwrap();
        }
    }
}

/// See [`Goc::end_seasons`].
pub async fn end_seasons(database_url: &str) {
    execute(
        database_url,
        "UPDATE offers SET starts_on = '2025-03-01', ends_on = '2025-10-31'",
    )
    .await;
}

/// See [`Goc::execute`].
pub async fn execute(database_url: &str, sql: &str) {
    use sqlx::Connection;
    if database_url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(database_url).await.unwrap();
        sqlx::query(sql).execute(&mut c).await.unwrap();
    } else {
        let mut c = sqlx::SqliteConnection::connect(database_url).await.unwrap();
        sqlx::query(sql).execute(&mut c).await.unwrap();
    }
}
