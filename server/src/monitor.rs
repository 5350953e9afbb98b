//! `goc monitor`: follows one cooperative's log from outside, as anyone could, trusting
//! nothing the server says without checking it. Each round it reads the key history and
//! the checkpoint, checks the signature, and proves from the published tiles (computing
//! the proof itself) that the new checkpoint extends the last one it trusted. What it saw
//! is kept in a state file, so a server that rewrites its past, shows a second checkpoint
//! of a size already seen, or changes keys without a signed rotation is caught, and stays
//! caught on every later round.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ledger::merkle;
use ledger::tiles::{self, Tile};
use ledger::{
    verify_checkpoint, verify_extends, Checkpoint, Digest, KeyHistory, PublicKey, Vouch,
    WitnessPolicy,
};
use serde::{Deserialize, Serialize};

use crate::clock::now_ms;
use crate::error::{Error, Result};

/// The most a checkpoint, key history or platform key may weigh: far above any real one.
const TEXT_CAP: usize = 1 << 20;

/// What the monitor found wrong, kept with the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "finding", rename_all = "snake_case")]
pub enum Finding {
    /// The new checkpoint does not extend the one trusted before: the past was rewritten.
    Rewritten { trusted: String, given: String },
    /// Two different checkpoints of the same size.
    SplitView { trusted: String, given: String },
    /// A checkpoint smaller than one already trusted.
    RolledBack { trusted: String, given: String },
    /// The key history no longer continues the one seen before by signed rotations.
    KeyChanged { detail: String },
    /// The tiles do not make the checkpoint's root.
    TilesDisagree { checkpoint: String },
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let size = |note: &str| {
            Checkpoint::parse_unverified(note).map_or_else(|_| "?".into(), |c| c.size.to_string())
        };
        match self {
            Self::Rewritten { trusted, given } => write!(
                f,
                "REWRITTEN HISTORY: the checkpoint of size {} does not extend the trusted one of size {}",
                size(given),
                size(trusted)
            ),
            Self::SplitView { trusted, .. } => write!(
                f,
                "SPLIT VIEW: two different checkpoints of size {}",
                size(trusted)
            ),
            Self::RolledBack { trusted, given } => write!(
                f,
                "ROLLED BACK: a checkpoint of size {} after one of size {}",
                size(given),
                size(trusted)
            ),
            Self::KeyChanged { detail } => write!(f, "UNANNOUNCED KEY CHANGE: {detail}"),
            Self::TilesDisagree { checkpoint } => write!(
                f,
                "TILES DISAGREE: the published tiles do not make the root of size {}",
                size(checkpoint)
            ),
        }
    }
}

/// Everything the monitor keeps between rounds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    pub origin: Option<String>,
    pub keys: Option<KeyHistory>,
    pub platform_key: Option<PublicKey>,
    /// The newest checkpoint that checked out, as served.
    pub trusted: Option<String>,
    /// Every checkpoint size and root trusted so far, with when (unix ms).
    pub seen: Vec<Seen>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub size: u64,
    pub root: Digest,
    pub at: i64,
}

impl State {
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                Error::Config(format!(
                    "{} is not a monitor state file: {e}",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(Error::io(&format!("reading {}", path.display()), e)),
        }
    }

    /// Written to a temporary file and renamed, so a crash never leaves half a state.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| Error::Internal(format!("encoding the state: {e}")))?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text)
            .map_err(|e| Error::io(&format!("writing {}", tmp.display()), e))?;
        std::fs::rename(&tmp, path)
            .map_err(|e| Error::io(&format!("writing {}", path.display()), e))
    }
}

/// One round's outcome.
#[derive(Debug, Clone)]
pub struct Report {
    pub checkpoint: Checkpoint,
    /// What this round found (earlier findings stay in the state).
    pub findings: Vec<Finding>,
    pub vouches: Vec<Vouch>,
}

/// A monitor of the log at `url` (`https://host/log/CODE`, the tiles' prefix).
pub struct Monitor {
    url: String,
    base: String,
    coop: String,
    client: reqwest::Client,
    policy: Option<WitnessPolicy>,
    pub state_path: PathBuf,
}

impl Monitor {
    pub fn new(url: &str, state_path: PathBuf, policy: Option<WitnessPolicy>) -> Result<Self> {
        let url = url.trim_end_matches('/').to_owned();
        let (base, coop) = url
            .rsplit_once("/log/")
            .filter(|(b, c)| !c.is_empty() && !c.contains('/') && b.contains("://"))
            .ok_or_else(|| {
                Error::Config(format!(
                    "{url} is not a log's address (https://host/log/CODE)"
                ))
            })?;
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| Error::Internal(format!("building the HTTP client: {e}")))?;
        Ok(Self {
            base: base.to_owned(),
            coop: coop.to_owned(),
            url,
            client,
            policy,
            state_path,
        })
    }

    /// A body of at most `cap` bytes, read as it arrives: a hostile server cannot make the
    /// monitor hold more.
    async fn get(&self, url: &str, cap: usize) -> Result<Vec<u8>> {
        let res = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| Error::Internal(format!("fetching {url}: {}", e.without_url())))?;
        if !res.status().is_success() {
            return Err(Error::Internal(format!("fetching {url}: {}", res.status())));
        }
        crate::fetch::body_capped(res, cap)
            .await
            .map_err(|e| Error::Internal(format!("{url}: {e}")))
    }

    async fn get_text(&self, url: &str) -> Result<String> {
        String::from_utf8(self.get(url, TEXT_CAP).await?)
            .map_err(|_| Error::Internal(format!("{url} is not UTF-8")))
    }

    /// One round: check what is served now against what was trusted, keep the outcome.
    pub async fn round(&self) -> Result<Report> {
        let mut state = State::load(&self.state_path)?;
        let mut findings = Vec::new();
        let keys: KeyHistory = serde_json::from_str(
            &self
                .get_text(&format!("{}/.well-known/goc/keys/{}", self.base, self.coop))
                .await?,
        )
        .map_err(|e| Error::Internal(format!("the key history does not parse: {e}")))?;
        let platform: PlatformKeyDoc = serde_json::from_str(
            &self
                .get_text(&format!("{}/.well-known/goc/platform-key", self.base))
                .await?,
        )
        .map_err(|e| Error::Internal(format!("the platform key does not parse: {e}")))?;
        let platform = PublicKey::from_hex(&platform.public_key)
            .map_err(|e| Error::Internal(format!("the platform key does not parse: {e}")))?;
        if let Some(detail) = key_change(&state, &keys, &platform) {
            findings.push(Finding::KeyChanged { detail });
        } else {
            state.keys = Some(keys.clone());
            state.platform_key = Some(platform);
        }
        // Verify under the keys trusted before if the new ones are suspect, and as the log
        // this address names: its origin is the address without the scheme.
        let trusted_keys = state.keys.clone().unwrap_or(keys);
        let note = self.get_text(&format!("{}/checkpoint", self.url)).await?;
        let origin = self
            .url
            .split_once("://")
            .map_or(self.url.as_str(), |(_, o)| o);
        let cp = match verify_checkpoint(&note, origin, &trusted_keys, state.platform_key.as_ref())
        {
            Ok(cp) => cp,
            // Signed by a key outside the history trusted so far: evidence, not a glitch.
            Err(e) if state.trusted.is_some() && e != ledger::VerifyError::WrongOrigin => {
                findings.push(Finding::KeyChanged {
                    detail: format!(
                        "the checkpoint does not verify under the keys seen before ({e})"
                    ),
                });
                state.findings.extend(findings.iter().cloned());
                state.save(&self.state_path)?;
                let checkpoint = Checkpoint::parse_unverified(&note)
                    .map_err(|e| Error::Internal(format!("the checkpoint does not parse: {e}")))?;
                return Ok(Report {
                    checkpoint,
                    findings,
                    vouches: Vec::new(),
                });
            }
            Err(e) => {
                return Err(Error::Internal(format!(
                    "the checkpoint of {origin} does not verify: {e}"
                )))
            }
        };
        let vouches = match &self.policy {
            Some(p) => p
                .check(&note)
                .map_err(|e| Error::Internal(format!("the checkpoint's cosignatures: {e}")))?,
            None => Vec::new(),
        };
        findings.extend(self.compare(&state, &note, &cp).await?);
        if findings.is_empty() {
            state.origin = Some(origin.to_owned());
            if !state.seen.iter().any(|s| s.size == cp.size) {
                state.seen.push(Seen {
                    size: cp.size,
                    root: cp.root,
                    at: now_ms(),
                });
            }
            state.trusted = Some(note);
        }
        state.findings.extend(findings.iter().cloned());
        state.save(&self.state_path)?;
        Ok(Report {
            checkpoint: cp,
            findings,
            vouches,
        })
    }

    /// The new checkpoint against everything trusted before, proven from the tiles.
    async fn compare(&self, state: &State, note: &str, cp: &Checkpoint) -> Result<Vec<Finding>> {
        let mut found = Vec::new();
        let trusted_note = state.trusted.clone().unwrap_or_default();
        let evidence = || (trusted_note.clone(), note.to_owned());
        if state
            .seen
            .iter()
            .any(|s| s.size == cp.size && s.root != cp.root)
        {
            let (trusted, given) = evidence();
            found.push(Finding::SplitView { trusted, given });
            return Ok(found);
        }
        let trusted = state
            .trusted
            .as_deref()
            .and_then(|t| Checkpoint::parse_unverified(t).ok());
        if trusted.as_ref().is_some_and(|t| cp.size < t.size) {
            let (trusted, given) = evidence();
            found.push(Finding::RolledBack { trusted, given });
            return Ok(found);
        }
        // Fetch only the tiles the root (and the proof) need, then compute them here.
        let mut needed = merkle::root_nodes(cp.size);
        if let Some(t) = &trusted {
            needed.extend(merkle::consistency_nodes(t.size, cp.size));
        }
        let mut fetched: HashMap<Tile, Vec<Digest>> = HashMap::new();
        for tile in tiles::tiles_for(cp.size, &needed) {
            let bytes = self
                .get(
                    &format!("{}/{}", self.url, tile.path()),
                    tiles::WIDTH as usize * 32,
                )
                .await?;
            let hashes = tiles::decode_hashes(&tile, &bytes)
                .map_err(|e| Error::Internal(format!("{} does not decode: {e}", tile.path())))?;
            fetched.insert(tile, hashes);
        }
        let node =
            |id| tiles::node_from_tiles(cp.size, id, |t: &Tile| fetched.get(t).map(Vec::as_slice));
        if merkle::root_from(cp.size, node) != Some(cp.root) {
            found.push(Finding::TilesDisagree {
                checkpoint: note.to_owned(),
            });
            return Ok(found);
        }
        if let Some(t) = &trusted {
            let proof = merkle::consistency_proof_from(t.size, cp.size, node).unwrap_or_default();
            if verify_extends(t, cp, &proof).is_err() {
                let (trusted, given) = evidence();
                found.push(Finding::Rewritten { trusted, given });
            }
        }
        Ok(found)
    }
}

#[derive(Deserialize)]
struct PlatformKeyDoc {
    public_key: String,
}

/// Why the served keys do not continue the ones seen before, if they do not: the same
/// cooperative, genesis and platform key, and the old rotations a prefix of the new.
fn key_change(state: &State, keys: &KeyHistory, platform: &PublicKey) -> Option<String> {
    if keys.periods(Some(platform)).is_err() {
        return Some("the served key history does not verify".into());
    }
    let old = state.keys.as_ref()?;
    if old.cooperative != keys.cooperative || old.genesis != keys.genesis {
        return Some("the cooperative's first key is not the one seen before".into());
    }
    if !keys.rotations.starts_with(&old.rotations) {
        return Some("a key rotation seen before is gone or changed".into());
    }
    if state.platform_key.is_some_and(|p| p != *platform) {
        return Some("the platform key changed".into());
    }
    None
}
