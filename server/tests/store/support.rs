//! Fresh databases for each test, on both engines.

use std::future::Future;

use secrecy::SecretString;
use server::{Config, Services};

/// One fresh database with the app's services over it.
pub struct Db {
    pub services: Services,
    url: String,
}

impl Db {
    pub fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres")
    }

    /// Runs SQL outside the Store, to prove what the database itself refuses.
    pub async fn raw_execute(&self, sql: &str) -> Result<(), sqlx::Error> {
        use sqlx::Connection;
        if self.url.starts_with("postgres") {
            let mut c = sqlx::PgConnection::connect(&self.url).await?;
            sqlx::query(sql).execute(&mut c).await.map(|_| ())
        } else {
            let mut c = sqlx::SqliteConnection::connect(&self.url).await?;
            sqlx::query(sql).execute(&mut c).await.map(|_| ())
        }
    }
}

fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// Services over `url`. Each instance of a test has its own server secret, as two
/// servers would (archives must carry secrets across that).
async fn services(url: &str, instance: usize) -> Services {
    let config = Config {
        database_url: url.to_owned(),
        base_url: "https://goc.example".into(),
        secret: SecretString::from(match instance {
            0 => "test-secret-".repeat(4),
            i => format!("test-secret-{i}-").repeat(4),
        }),
        // The same keys every run, so a failure (a QR that does not decode) reproduces.
        insecure_key_seed: Some(server::config::key_seed("store suite")),
        photos: std::env::temp_dir()
            .join(unique("goc_photos"))
            .display()
            .to_string(),
        smtp_url: None,
        mail_from: "Gốc <no-reply@goc.example>".into(),
    };
    Services::start(&config)
        .await
        .unwrap_or_else(|e| panic!("starting on {url}: {e}"))
}

/// The PostgreSQL server the suite uses; never skipped: an unreachable server fails.
fn pg_admin_url() -> String {
    std::env::var("GOC_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// Runs `test` on a fresh SQLite file and then on a fresh PostgreSQL database.
pub async fn on_both<F, Fut>(test: F)
where
    F: Fn(Db) -> Fut,
    Fut: Future<Output = ()>,
{
    on_engines(1, |mut dbs| test(dbs.remove(0))).await
}

/// Runs `test` on two fresh SQLite instances, then on two fresh PostgreSQL ones (two
/// servers with different secrets, as for moving a cooperative between them).
pub async fn on_both_twice<F, Fut>(test: F)
where
    F: Fn(Db, Db) -> Fut,
    Fut: Future<Output = ()>,
{
    on_engines(2, |mut dbs| {
        let second = dbs.remove(1);
        test(dbs.remove(0), second)
    })
    .await
}

async fn on_engines<F, Fut>(n: usize, test: F)
where
    F: Fn(Vec<Db>) -> Fut,
    Fut: Future<Output = ()>,
{
    let dirs: Vec<_> = (0..n)
        .map(|_| std::env::temp_dir().join(unique("goc_store")))
        .collect();
    let mut dbs = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let url = format!("sqlite://{}/test.db", dir.display());
        dbs.push(Db {
            services: services(&url, i).await,
            url,
        });
    }
    test(dbs).await;
    for dir in dirs {
        let _ = std::fs::remove_dir_all(&dir);
    }

    use sqlx::Connection;
    let admin = pg_admin_url();
    let mut conn = sqlx::PgConnection::connect(&format!("{admin}/postgres"))
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {admin} is required for the Store suite: {e}"));
    let mut made = Vec::new();
    for i in 0..n {
        let name = unique("goc_test");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let url = format!("{admin}/{name}");
        made.push((name, services(&url, i).await, url));
    }
    test(
        made.iter()
            .map(|(_, services, url)| Db {
                services: services.clone(),
                url: url.clone(),
            })
            .collect(),
    )
    .await;
    for (name, services, _) in made {
        services.store.close().await;
        sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await
            .unwrap();
    }
}
