//! What every request handler and server function needs, built once at start-up.

use secrecy::ExposeSecret;

use crate::config::Config;
use crate::error::Result;
use crate::http::csrf::CsrfKey;
use crate::http::session::DeviceKey;
use crate::jobs::Jobs;
use crate::photos::PhotoStore;
use crate::sealing::Sealer;
use crate::store::Store;

/// Shared, cheaply cloneable handles: the store, the key sealer and the public URLs.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    /// Photo bytes, by content hash.
    pub photos: PhotoStore,
    pub sealer: Sealer,
    /// Public base URL printed into QR codes, without trailing slash.
    pub base_url: String,
    /// Host and path prefix of every log origin (`goc.example/log/CODE`).
    pub origin_prefix: String,
    /// Signs CSRF tokens.
    pub csrf: CsrfKey,
    /// Signs device cookies (the login throttle's trusted browsers).
    pub device: DeviceKey,
    /// Cookies get `Secure` (and the session cookie its `__Host-` name) on https.
    pub secure_cookies: bool,
    /// Background work (bulk imports) and its progress.
    pub jobs: Jobs,
    /// Sends the outbox's mail, when an SMTP server is configured.
    pub mailer: Option<crate::notify::Mailer>,
    /// The sandbox gateway's memory of the payments it took (plain-http instances).
    pub sandbox: std::sync::Arc<crate::payments::sandbox::Book>,
    /// VNPay terminals as payment reports found them lately.
    pub terminals: std::sync::Arc<crate::payments::providers::Terminals>,
}

impl Services {
    /// Connects to the configured database and runs pending migrations.
    pub async fn start(config: &Config) -> Result<Self> {
        config.validate()?;
        if config.insecure_key_seed.is_some() {
            tracing::warn!(
                "GOC_INSECURE_KEY_SEED is set: signing keys are predictable (tests only)"
            );
        }
        let store = Store::connect(&config.database_url).await?;
        store.migrate().await?;
        crate::log::backfill_trees(&store).await?;
        crate::trace::backfill(&store).await?;
        let photos = PhotoStore::open(&config.photos)?;
        let moved = photos.move_out_of(&store).await?;
        if moved > 0 {
            tracing::info!(moved, "photos moved from the database to the photo store");
        }
        let jobs = Jobs::new(store.clone());
        Ok(Self {
            store,
            photos,
            sealer: Sealer::new(&config.secret).with_key_seed(config.insecure_key_seed),
            base_url: config.base_url.trim_end_matches('/').to_owned(),
            origin_prefix: config.origin_prefix(),
            csrf: CsrfKey::derive(config.secret.expose_secret().as_bytes()),
            device: DeviceKey::derive(config.secret.expose_secret().as_bytes()),
            secure_cookies: config.base_url.starts_with("https://"),
            jobs,
            mailer: config
                .smtp_url
                .as_ref()
                .map(|url| crate::notify::Mailer::new(url, &config.mail_from))
                .transpose()?,
            sandbox: Default::default(),
            terminals: Default::default(),
        })
    }
}
