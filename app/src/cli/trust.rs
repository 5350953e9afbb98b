//! The commands of trust without the server: verifying a downloaded history under one's
//! own policy, monitoring a log from outside, and witnessing.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use ledger::{KeyId, Trust, VerifierKey, WitnessPolicy};
use server::access::Actor;
use server::monitor::Monitor;
use server::services::Services;

/// A verifier's own witness policy, given on the command line.
#[derive(Args, Debug)]
pub struct PolicyArgs {
    /// A witness this verifier trusts (its C2SP verifier key, type 0x04); repeatable.
    #[arg(long = "witness")]
    witnesses: Vec<String>,
    /// How many of those witnesses must have cosigned (default: all given).
    #[arg(long)]
    quorum: Option<usize>,
}

impl PolicyArgs {
    fn policy(&self) -> Result<Option<WitnessPolicy>, String> {
        if self.witnesses.is_empty() {
            return match self.quorum {
                Some(q) if q > 0 => Err("--quorum needs --witness keys".into()),
                _ => Ok(None),
            };
        }
        let keys = self
            .witnesses
            .iter()
            .map(|v| VerifierKey::parse(v).map_err(|e| format!("--witness {v}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let quorum = self.quorum.unwrap_or(keys.len());
        WitnessPolicy::new(keys, quorum).map(Some).map_err(|_| {
            "the witnesses must be distinct cosignature keys, the quorum at most their number"
                .into()
        })
    }
}

#[derive(Args, Debug)]
pub struct VerifyFileArgs {
    /// The JSON file downloaded from a tree page.
    path: PathBuf,
    /// The key ID printed on the label you scanned: the history's keys must include it.
    #[arg(long)]
    anchor: Option<String>,
    #[command(flatten)]
    policy: PolicyArgs,
}

pub fn verify_file(args: &VerifyFileArgs) -> ExitCode {
    let text = match std::fs::read_to_string(&args.path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("goc: cannot read {}: {e}", args.path.display());
            return ExitCode::FAILURE;
        }
    };
    let trust = match (|| -> Result<Trust, String> {
        Ok(Trust {
            anchor: args
                .anchor
                .as_deref()
                .map(|a| KeyId::from_base32(a).map_err(|e| format!("--anchor {a}: {e}")))
                .transpose()?,
            witnesses: args.policy.policy()?,
        })
    })() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("goc: {e}");
            return ExitCode::FAILURE;
        }
    };
    match ledger::TreeHistory::from_json(&text).and_then(|h| h.verify_with(&trust)) {
        Ok(s) => {
            let subject = match &s.subject {
                ledger::Subject::Tree(t) => format!("tree {t}"),
                other => format!("{other:?}"),
            };
            println!("Subject:      {subject}");
            println!("Cooperative:  {} ({})", s.cooperative_name, s.cooperative);
            println!(
                "Entries:      {} (chain intact, each included in the checkpoint)",
                s.entries.len()
            );
            for e in &s.entries {
                println!(
                    "  #{:<6} {}  {:?}",
                    e.seq,
                    ledger::Date::from_unix_ms(e.recorded_at),
                    e.kind
                );
            }
            println!(
                "Checkpoint:   {} size {} root {}",
                s.checkpoint.origin, s.checkpoint.size, s.checkpoint.root
            );
            if let Some(id) = &s.identity {
                println!(
                    "QR identity:  signed by key {} on {}",
                    id.identity.key, id.identity.issued_on
                );
            }
            if let Some(anchor) = trust.anchor {
                println!("Anchor:       key {anchor} of the label is in the key history");
            }
            let names: Vec<&str> = s.vouches.iter().map(|v| v.witness.as_str()).collect();
            println!(
                "Witnesses:    {}",
                if names.is_empty() {
                    "none vouched".to_owned()
                } else {
                    format!("{} vouched ({})", names.len(), names.join(", "))
                }
            );
            println!("Verdict:      VERIFIED");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("Verdict:      FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Args, Debug)]
pub struct MonitorArgs {
    /// The log's address: https://host/log/CODE.
    url: String,
    /// Where the monitor keeps what it saw.
    #[arg(long, default_value = "goc-monitor.json")]
    state: PathBuf,
    /// Keep following, a round every this many seconds (one round without it).
    #[arg(long)]
    every: Option<u64>,
    #[command(flatten)]
    policy: PolicyArgs,
}

/// Exit status for misbehaviour found, distinct from a failure to check (1).
const FOUND: u8 = 3;

pub async fn monitor(args: &MonitorArgs) -> ExitCode {
    let monitor = match args
        .policy
        .policy()
        .map_err(server::Error::Config)
        .and_then(|p| Monitor::new(&args.url, args.state.clone(), p))
    {
        Ok(m) => m,
        Err(e) => {
            eprintln!("goc: {e}");
            return ExitCode::FAILURE;
        }
    };
    loop {
        match monitor.round().await {
            Ok(report) if !report.findings.is_empty() => {
                for f in &report.findings {
                    println!("{f}");
                }
                println!("evidence kept in {}", monitor.state_path.display());
                return ExitCode::from(FOUND);
            }
            Ok(report) => {
                let vouched: Vec<&str> =
                    report.vouches.iter().map(|v| v.witness.as_str()).collect();
                println!(
                    "ok: {} size {} root {} consistent with everything seen{}",
                    report.checkpoint.origin,
                    report.checkpoint.size,
                    report.checkpoint.root,
                    if vouched.is_empty() {
                        String::new()
                    } else {
                        format!("; cosigned by {}", vouched.join(", "))
                    }
                );
            }
            Err(e) => {
                eprintln!("goc: {e}");
                if args.every.is_none() {
                    return ExitCode::FAILURE;
                }
            }
        }
        match args.every {
            Some(secs) => tokio::time::sleep(std::time::Duration::from_secs(secs.max(1))).await,
            None => return ExitCode::SUCCESS,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum WitnessCommand {
    /// Print this instance's witness key, for cooperatives to trust it.
    Key,
    /// Follow a log as its witness: its verifier keys (from https://host/log/CODE/vkey).
    Follow {
        #[arg(required = true)]
        vkeys: Vec<String>,
    },
    /// Stop trusting one of a followed log's keys (retired or stolen); its last key stays.
    Unfollow { vkey: String },
    /// The logs this instance witnesses, with the size it last cosigned and how many split
    /// views (two checkpoints the log signed for one size) it kept as evidence.
    Logs,
    /// A cooperative's witnesses: what each last cosigned, and its last refusal.
    List {
        #[arg(long)]
        coop: String,
    },
    /// Submit a cooperative's checkpoints to a witness.
    Add {
        #[arg(long)]
        coop: String,
        /// The witness's verifier key (type 0x04).
        #[arg(long)]
        vkey: String,
        /// The witness's submission prefix, e.g. https://other.example/witness.
        #[arg(long)]
        url: String,
    },
    /// Stop submitting to a witness.
    Remove {
        #[arg(long)]
        coop: String,
        /// The witness's name.
        #[arg(long)]
        name: String,
    },
    /// How many witnesses the cooperative's histories promise have cosigned.
    Quorum {
        #[arg(long)]
        coop: String,
        quorum: i64,
    },
    /// Submit now instead of at the next background round.
    Submit,
}

pub async fn witness(s: &Services, cmd: WitnessCommand) -> Result<(), server::Error> {
    use server::cooperatives::by_code;
    use server::witness::{self, submit};
    let system = Actor::system();
    match cmd {
        WitnessCommand::Key => println!("{}", witness::vkey(s)?),
        WitnessCommand::Follow { vkeys } => {
            println!("following {}", witness::follow(&s.store, &vkeys).await?)
        }
        WitnessCommand::Unfollow { vkey } => {
            println!(
                "{} no longer trusts that key",
                witness::unfollow(&s.store, &vkey).await?
            )
        }
        WitnessCommand::Logs => {
            for log in s.store.witnessed_logs().await? {
                let splits = s.store.evidence_of(&log.origin).await?.len();
                println!("{}  size {}  split views {splits}", log.origin, log.size);
            }
        }
        WitnessCommand::List { coop } => {
            let coop = by_code(&s.store, &coop).await?;
            for w in submit::list(&s.store, &system, &coop).await? {
                println!(
                    "{}  {}  cosigned size {}  {}",
                    w.name,
                    w.url,
                    w.cosigned_size,
                    w.last_error.as_deref().unwrap_or("ok")
                );
            }
        }
        WitnessCommand::Add { coop, vkey, url } => {
            let coop = by_code(&s.store, &coop).await?;
            let name = submit::add(&s.store, &system, &coop, &vkey, &url).await?;
            println!("{} now submits its checkpoints to {name}", coop.code);
        }
        WitnessCommand::Remove { coop, name } => {
            let coop = by_code(&s.store, &coop).await?;
            submit::remove(&s.store, &system, &coop, &name).await?;
        }
        WitnessCommand::Quorum { coop, quorum } => {
            let coop = by_code(&s.store, &coop).await?;
            submit::set_quorum(&s.store, &system, &coop, quorum).await?;
        }
        WitnessCommand::Submit => submit::round(s).await?,
    }
    Ok(())
}
