//! `goc`: serves Gốc, and the administrative commands around it.

#[path = "cli/trust.rs"]
mod trust;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use app::actions::AppState;
use app::{shell, App};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use clap::{Args, Parser, Subcommand};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use secrecy::SecretString;
use server::http::cookies;
use server::{Config, Services};

#[derive(Parser)]
#[command(
    name = "goc",
    version,
    about = "Gốc: signed identities and tamper-evident stories for trees"
)]
struct Cli {
    #[command(flatten)]
    opts: Opts,
    #[command(subcommand)]
    command: Option<Command>,
}

/// Every setting is documented in `.env.sample`.
#[derive(Args)]
struct Opts {
    /// sqlite://path (created if missing) or postgres://user@host/db
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/goc.db",
        global = true
    )]
    database_url: String,
    /// Address to listen on.
    #[arg(
        long,
        env = "GOC_LISTEN",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    listen: SocketAddr,
    /// Public base URL printed into QR codes (default: http://<listen>).
    #[arg(long, env = "GOC_BASE_URL", global = true)]
    base_url: Option<String>,
    /// Server secret sealing cooperatives' signing keys (at least 32 characters).
    #[arg(long, env = "GOC_SECRET", hide_env_values = true, global = true)]
    secret: Option<String>,
    /// File holding the secret when GOC_SECRET is unset; created if missing.
    #[arg(
        long,
        env = "GOC_SECRET_FILE",
        default_value = "data/secret.key",
        global = true
    )]
    secret_file: PathBuf,
    /// Tests only: derive signing keys from this text, so runs reproduce. Refused with an
    /// https base URL.
    #[arg(long, env = "GOC_INSECURE_KEY_SEED", hide = true, global = true)]
    insecure_key_seed: Option<String>,
    /// Where photos are kept: a folder (created if missing), or s3://bucket[/prefix] with
    /// the endpoint, region and credentials in the usual AWS_* variables.
    #[arg(long, env = "GOC_PHOTOS", default_value = "data/photos", global = true)]
    photos: String,
    /// Where mail goes out (smtp://host:port, smtps://user:pass@host); without it mail
    /// waits in the outbox at /admin/outbox.
    #[arg(long, env = "GOC_SMTP_URL", hide_env_values = true, global = true)]
    smtp_url: Option<String>,
    /// The sender of that mail.
    #[arg(
        long,
        env = "GOC_MAIL_FROM",
        default_value = "Gốc <no-reply@localhost>",
        global = true
    )]
    mail_from: String,
    /// Seconds between background rounds (lapsed gifts, diary news, mail, witnesses).
    #[arg(long, env = "GOC_ROUND_SECS", default_value_t = 30, global = true)]
    round_secs: u64,
    /// Folder with the built site (pkg/goc.js, pkg/goc.wasm, pkg/goc.css).
    #[arg(
        long,
        env = "LEPTOS_SITE_ROOT",
        default_value = "target/site",
        global = true
    )]
    site_root: String,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app (the default).
    Serve {
        /// Load the demo data set first if the database is empty.
        #[arg(long)]
        demo_if_empty: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Load the demo data set into an empty database.
    Demo,
    /// Print QR labels: a PDF of the selected trees, or one tree's label as PNG or SVG.
    Labels(LabelsArgs),
    /// Make an existing account a platform administrator.
    MakeAdmin {
        /// The account's phone number or email.
        identifier: String,
    },
    /// Check every cooperative's log in the database: each entry's hash, position and
    /// link, every chain and every signed checkpoint. Exits non-zero naming each broken
    /// entry.
    Verify {
        /// Only these cooperatives (codes, comma-separated).
        #[arg(long, value_delimiter = ',')]
        coop: Vec<String>,
    },
    /// Verify an exported tree history offline and print what it proves.
    VerifyFile(trust::VerifyFileArgs),
    /// Follow a cooperative's log from outside (https://host/log/CODE): check each new
    /// checkpoint extends the last one trusted, proven from the published tiles. Exits 3
    /// on a rewritten history, a split view or an unannounced key change.
    Monitor(trust::MonitorArgs),
    /// This instance as a witness (its key, the logs it follows) and a cooperative's
    /// witnesses.
    #[command(subcommand)]
    Witness(trust::WitnessCommand),
    /// Write a cooperative's whole record (registry, diary, ledger, photos, offers and
    /// orders) to one archive, its keys sealed under a passphrase (GOC_ARCHIVE_PASSPHRASE).
    Export {
        /// The cooperative's code.
        #[arg(long)]
        coop: String,
        /// The archive to write (.tar.gz).
        #[arg(long, short)]
        out: PathBuf,
        /// Also carry accounts' password hashes, so people sign in on the new server as
        /// before (an operator's backup; a manager's download never has them).
        #[arg(long)]
        with_passwords: bool,
        #[command(flatten)]
        passphrase: Passphrase,
    },
    /// Load an archive into this empty instance; its log is verified first and nothing is
    /// kept unless everything verifies.
    Import {
        /// The archive (.tar.gz) written by `goc export` or downloaded by a manager.
        path: PathBuf,
        /// Keep the password hashes an archive made with `--with-passwords` carries (only
        /// for your own backup: whoever wrote an archive chose them).
        #[arg(long)]
        with_passwords: bool,
        #[command(flatten)]
        passphrase: Passphrase,
    },
    /// Make a realistic cooperative at scale (zones, trees, three seasons of diary with
    /// input lots), the same for the same seed on either engine: for benchmarks and for
    /// trying the recall on a big log.
    Generate {
        /// The new cooperative's code (refused if it exists).
        #[arg(long, default_value = "GEN-01")]
        coop: String,
        #[arg(long, default_value_t = 100_000)]
        trees: u64,
        #[arg(long, default_value_t = 10_000_000)]
        entries: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// The archive's passphrase: from the environment or a file, never the command line
/// (which other users of the machine can read).
#[derive(Args)]
struct Passphrase {
    #[arg(
        long,
        env = "GOC_ARCHIVE_PASSPHRASE",
        hide = true,
        hide_env_values = true
    )]
    passphrase: Option<String>,
    /// A file whose first line is the passphrase.
    #[arg(long)]
    passphrase_file: Option<PathBuf>,
}

impl Passphrase {
    fn read(&self) -> Result<SecretString, server::Error> {
        if let Some(path) = &self.passphrase_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| server::Error::io(&format!("reading {}", path.display()), e))?;
            return Ok(SecretString::from(
                text.lines().next().unwrap_or("").to_owned(),
            ));
        }
        self.passphrase
            .clone()
            .map(SecretString::from)
            .ok_or_else(|| {
                server::Error::Config(
                    "give the archive's passphrase in GOC_ARCHIVE_PASSPHRASE or --passphrase-file"
                        .into(),
                )
            })
    }
}

#[derive(Args)]
struct LabelsArgs {
    /// The cooperative's code.
    #[arg(long)]
    coop: String,
    /// a4-3x8 (63.5 × 33.9 mm), a4-4x10 (45.7 × 25.4 mm) or roll-50x30.
    #[arg(long, default_value = "a4-3x8")]
    format: String,
    /// Only the trees of this zone (its id).
    #[arg(long)]
    zone: Option<i64>,
    /// Only trees of this species (custard_apple, mango).
    #[arg(long)]
    species: Option<String>,
    /// Only these trees, comma-separated codes.
    #[arg(long, value_delimiter = ',')]
    trees: Vec<String>,
    /// Also print labels of removed trees.
    #[arg(long)]
    include_removed: bool,
    /// QR codes carry the trees' GS1 Digital Link URIs (needs the cooperative's GS1
    /// company prefix).
    #[arg(long)]
    digital_link: bool,
    /// Output file; .pdf for a batch, .png or .svg for a single tree's label.
    #[arg(long, short)]
    out: PathBuf,
}

impl Opts {
    /// The configuration; `bound` is the address the server listens on, which makes the
    /// default base URL when GOC_BASE_URL is unset (a `:0` port is known only then).
    fn config(&self, bound: Option<SocketAddr>) -> Result<Config, server::Error> {
        let secret = match &self.secret {
            Some(s) => SecretString::from(s.clone()),
            None => server::config::load_or_create_secret(&self.secret_file)?,
        };
        let base_url = self
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", bound.unwrap_or(self.listen)));
        if self.insecure_key_seed.is_some() && base_url.starts_with("https://") {
            return Err(server::Error::Config(
                "GOC_INSECURE_KEY_SEED makes signing keys predictable: tests on http only".into(),
            ));
        }
        Ok(Config {
            database_url: self.database_url.clone(),
            base_url,
            secret,
            insecure_key_seed: self
                .insecure_key_seed
                .as_deref()
                .map(server::config::key_seed),
            photos: self.photos.clone(),
            smtp_url: self.smtp_url.clone().map(SecretString::from),
            mail_from: self.mail_from.clone(),
        })
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    // One JSON object per line for log collectors (journald, Loki); plain text otherwise.
    if std::env::var("GOC_LOG_FORMAT").as_deref() == Ok("json") {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve {
        demo_if_empty: false,
    }) {
        Command::VerifyFile(args) => return trust::verify_file(&args),
        Command::Monitor(args) => return trust::monitor(&args).await,
        Command::Witness(cmd) => match start(&cli.opts).await {
            Ok(s) => trust::witness(&s, cmd).await,
            Err(e) => Err(e),
        },
        Command::Verify { coop } => match start(&cli.opts).await {
            Ok(s) => return verify_database(&s, &coop).await,
            Err(e) => Err(e),
        },
        Command::Migrate => start(&cli.opts)
            .await
            .map(|_| println!("migrations applied")),
        Command::Demo => match start(&cli.opts).await {
            Ok(s) => server::demo::load(&s)
                .await
                .map(|()| println!("demo data loaded")),
            Err(e) => Err(e),
        },
        Command::Labels(args) => match start(&cli.opts).await {
            Ok(s) => print_labels(&s, &args).await,
            Err(e) => Err(e),
        },
        Command::MakeAdmin { identifier } => match start(&cli.opts).await {
            Ok(s) => server::accounts::make_admin(&s.store, &identifier)
                .await
                .map(|()| println!("{identifier} is now a platform administrator")),
            Err(e) => Err(e),
        },
        Command::Serve { demo_if_empty } => serve(&cli.opts, demo_if_empty).await,
        Command::Export {
            coop,
            out,
            with_passwords,
            passphrase,
        } => export(&cli.opts, &coop, &out, with_passwords, &passphrase).await,
        Command::Import {
            path,
            with_passwords,
            passphrase,
        } => import(&cli.opts, &path, with_passwords, &passphrase).await,
        Command::Generate {
            coop,
            trees,
            entries,
            seed,
        } => match start(&cli.opts).await {
            Ok(s) => {
                let plan = server::generate::Plan {
                    coop,
                    trees,
                    entries,
                    seed,
                };
                let every = (entries / 20).max(1);
                server::generate::generate(&s, &plan, |t, e| {
                    if e % every == 0 {
                        eprintln!("{t} trees, {e} entries");
                    }
                })
                .await
                .map(|m| {
                    println!(
                        "{} trees and {} entries in {:.0} s ({:.0} entries/s)",
                        m.trees,
                        m.entries,
                        m.seconds,
                        m.entries as f64 / m.seconds
                    )
                })
            }
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("goc: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn export(
    opts: &Opts,
    coop: &str,
    out: &std::path::Path,
    with_passwords: bool,
    passphrase: &Passphrase,
) -> Result<(), server::Error> {
    let passphrase = passphrase.read()?;
    let s = start(opts).await?;
    let coop = server::cooperatives::by_code(&s.store, coop).await?;
    // Written beside the target and renamed when complete: a failed export leaves no
    // file that looks like an archive.
    let partial = out.with_extension("partial");
    let file = std::fs::File::create(&partial)
        .map_err(|e| server::Error::io(&format!("creating {}", partial.display()), e))?;
    let written = server::archive::export(
        &s,
        &server::access::Actor::system(),
        &coop,
        &passphrase,
        with_passwords,
        std::io::BufWriter::new(file),
    )
    .await;
    let (done, file) = match written {
        Ok(w) => w,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    file.into_inner()
        .map_err(|e| server::Error::io("writing the archive", e.into_error()))?
        .sync_all()
        .map_err(|e| server::Error::io("writing the archive", e))?;
    std::fs::rename(&partial, out)
        .map_err(|e| server::Error::io(&format!("writing {}", out.display()), e))?;
    for (table, rows) in &done.tables {
        println!("{table}: {rows}");
    }
    println!("photos: {}", done.photos);
    for missing in &done.missing_photos {
        eprintln!("warning: photo {missing} is named by the records but missing from storage");
    }
    println!("wrote {}", out.display());
    Ok(())
}

async fn import(
    opts: &Opts,
    path: &std::path::Path,
    with_passwords: bool,
    passphrase: &Passphrase,
) -> Result<(), server::Error> {
    let passphrase = passphrase.read()?;
    let s = start(opts).await?;
    let done = server::archive::import(&s, path, &passphrase, with_passwords).await?;
    for (table, rows) in &done.tables {
        println!("{table}: {rows}");
    }
    println!(
        "{}: {} entries and {} checkpoints verified, {} photos",
        done.cooperative, done.entries, done.checkpoints, done.photos
    );
    if !done.credentials {
        println!(
            "accounts came without passwords: a platform administrator (goc make-admin) \
             issues each person a reset code"
        );
    }
    Ok(())
}

async fn start(opts: &Opts) -> Result<Services, server::Error> {
    Services::start(&opts.config(None)?).await
}

async fn serve(opts: &Opts, demo_if_empty: bool) -> Result<(), server::Error> {
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|e| server::Error::io(&format!("listening on {}", opts.listen), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| server::Error::io("reading the address", e))?;
    let services = Services::start(&opts.config(Some(addr))?).await?;
    if demo_if_empty && services.store.count_cooperatives().await? == 0 {
        server::demo::load(&services).await?;
        tracing::info!("loaded the demo data set");
    }
    let round = std::time::Duration::from_secs(opts.round_secs.max(1));
    tokio::spawn(server::notify::run(services.clone(), round));
    tokio::spawn(server::witness::submit::run(services.clone(), round));
    // Absolute, since Leptos looks for the hash file next to the executable otherwise.
    let site_root = std::env::current_dir()
        .map_err(|e| server::Error::io("reading the working folder", e))?
        .join(&opts.site_root);
    app::load_asset_names(&site_root);
    let leptos = LeptosOptions::builder()
        .output_name("goc")
        .site_root(opts.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(opts.listen)
        .hash_files(true)
        .hash_file(
            site_root
                .join("pkg/hash.txt")
                .to_string_lossy()
                .as_ref()
                .into(),
        )
        .build();
    let state = AppState {
        leptos: leptos.clone(),
        services: services.clone(),
    };
    let routes = generate_route_list(App);
    let context = {
        let s = services.clone();
        move || provide_context(s.clone())
    };
    let pages = Router::<AppState>::new()
        .leptos_routes_with_context(&state, routes, context, {
            let o = leptos.clone();
            move || shell(o.clone())
        })
        .route("/lang/{code}", get(set_language))
        .merge(app::actions::routes())
        .merge(server::http::pwa::router(&site_root))
        // The built files, precompressed (brotli, gzip) by the site build.
        .nest_service(
            "/pkg",
            tower_http::services::ServeDir::new(site_root.join("pkg"))
                .precompressed_br()
                .precompressed_gzip(),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state);
    // Outermost first on the way in: compression, localised errors, API tokens kept to
    // reading the API, then CSRF protection before any handler runs.
    let metrics = axum::Router::new()
        .route("/metrics", get(server::http::metrics::scrape))
        .with_state((services.clone(), server::http::metrics::install()?));
    let app = pages
        .merge(server::http::router().with_state(services.clone()))
        .merge(metrics)
        .layer(axum::middleware::from_fn(server::http::metrics::record))
        .layer(axum::middleware::from_fn_with_state(
            services.clone(),
            server::http::csrf::protect,
        ))
        .layer(axum::middleware::from_fn(server::http::tokens::confine))
        .layer(axum::middleware::from_fn(server::http::localize::localize))
        .layer(axum::middleware::from_fn(server::http::edge::conditional))
        .layer(axum::middleware::from_fn(server::http::edge::headers))
        .layer(tower_http::compression::CompressionLayer::new());
    // The run command and the tests read this line to know the app is up.
    println!("Gốc is serving on http://{addr}");
    // The peer's address reaches handlers (the login throttle counts per client).
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(stop_signal())
        .await
        .map_err(|e| server::Error::io("serving", e));
    // Every in-flight request has been answered; now the database closes cleanly (SQLite
    // checkpoints its WAL, PostgreSQL connections end instead of being cut).
    services.store.close().await;
    tracing::info!("stopped");
    served
}

/// Resolves on SIGTERM (what systemd and container runtimes send) or SIGINT (Ctrl-C):
/// the server then stops accepting connections and drains the ones in flight.
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("stopping: draining requests in flight");
}

#[derive(serde::Deserialize)]
struct Next {
    next: Option<String>,
}

/// Remembers the chosen language in a cookie and goes back to the page.
async fn set_language(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<Next>,
) -> Response {
    let Some(locale) = app::i18n::Locale::from_code(&code) else {
        return (StatusCode::NOT_FOUND, "unknown language").into_response();
    };
    // Only same-site paths: never an open redirect.
    let next = server::http::redirect::same_site_path(q.next.as_deref());
    let cookie = cookies::set(
        cookies::LANG,
        locale.code(),
        365 * 24 * 3600,
        s.services.secure_cookies,
    );
    let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, next)]).into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie);
    res
}

/// The same rendering the label page uses, for admins at a terminal.
async fn print_labels(s: &Services, args: &LabelsArgs) -> Result<(), server::Error> {
    use server::labels::{self, Format, Selection};
    let format = Format::parse(&args.format)?;
    let coop = server::cooperatives::by_code(&s.store, &args.coop).await?;
    let selection = Selection {
        zone_id: args.zone,
        species: args.species.clone(),
        codes: args.trees.clone(),
        include_removed: args.include_removed,
        digital_link: args.digital_link,
    };
    let chosen = labels::collect(
        &s.store,
        &s.base_url,
        &server::access::Actor::system(),
        &coop,
        &selection,
    )
    .await?;
    let ext = args.out.extension().and_then(|e| e.to_str()).unwrap_or("");
    let bytes = match (ext, chosen.as_slice()) {
        ("pdf", _) => labels::render_pdf(format, &chosen, &mut |_| ())?,
        ("png", [one]) => labels::render_png(format, one, 300)?,
        ("svg", [one]) => labels::render_svg(format, one)?.into_bytes(),
        ("png" | "svg", _) => {
            return Err(server::Error::invalid(
                format!(
                    "Tệp .{ext} chứa một tem, nhưng đã chọn {} cây; chọn một cây bằng --trees",
                    chosen.len()
                ),
                format!(
                    "a .{ext} holds one label, but {} trees were selected; pick one with --trees",
                    chosen.len()
                ),
            ))
        }
        _ => {
            return Err(server::Error::invalid(
                "Tệp kết quả phải có đuôi .pdf, .png hoặc .svg",
                "the output file must end in .pdf, .png or .svg",
            ))
        }
    };
    std::fs::write(&args.out, bytes)
        .map_err(|e| server::Error::io(&format!("writing {}", args.out.display()), e))?;
    println!("{} labels written to {}", chosen.len(), args.out.display());
    Ok(())
}

/// `goc verify`: one line per cooperative, one per problem; exit 1 if any.
async fn verify_database(s: &Services, only: &[String]) -> ExitCode {
    let reports = match server::audit::verify(s, only).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(missing) = only
        .iter()
        .find(|c| !reports.iter().any(|(code, _)| code == *c))
    {
        eprintln!("error: no cooperative {missing}");
        return ExitCode::from(2);
    }
    let mut broken = 0;
    for (code, r) in &reports {
        println!(
            "{code}: {} entries, {} checkpoints, {}",
            r.entries,
            r.checkpoints,
            if r.problems.is_empty() {
                "ok"
            } else {
                "BROKEN"
            }
        );
        for p in &r.problems {
            println!("  {p}");
        }
        broken += r.problems.len();
    }
    if broken == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!("{broken} problem(s) found");
        ExitCode::FAILURE
    }
}
