//! A cooperative's side of witnessing: the witnesses it chose; each new checkpoint sent to
//! each of them with a consistency proof from the size that witness holds; their
//! cosignatures kept and served under the checkpoint; and the policy its published
//! histories declare (which witnesses, how many must have cosigned).

use std::net::IpAddr;
use std::time::Duration;

use ledger::merkle;
use ledger::note::{Alg, VerifierKey};
use ledger::witness::{parse_cosignatures, AddCheckpoint, SIZE_CONTENT_TYPE};
use ledger::{cosignature, WitnessPolicy};

use crate::access::{Action, Actor};
use crate::clock::now_ms;
use crate::cooperatives;
use crate::error::{Error, Result};
use crate::services::Services;
use crate::store::{CheckpointRow, CooperativeRow, Store, WitnessRow};

/// How long one witness may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Witnesses one cooperative may have: more than any policy needs, few enough that a
/// round stays short.
const MAX_WITNESSES: i64 = 16;
/// The most a witness's answer may weigh: a few cosignature lines.
const MAX_ANSWER: usize = 64 * 1024;

/// Adds a witness to the cooperative's: its verifier key (type `0x04`, as its operator
/// publishes it) and its submission prefix.
pub async fn add(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
    vkey: &str,
    url: &str,
) -> Result<String> {
    actor.require(coop.id, Action::ManageCooperative)?;
    let vkey = VerifierKey::parse(vkey)
        .ok()
        .filter(|k| k.alg == Alg::Cosignature)
        .ok_or_else(|| {
            Error::invalid(
                "Khoá nhân chứng phải là khoá xác minh chữ ký đồng xác nhận (C2SP vkey loại 0x04), dạng tên+mã+khoá",
                "The witness key must be a cosignature verifier key (a C2SP vkey of type 0x04): name+id+key",
            )
        })?;
    let url = url.trim().trim_end_matches('/');
    let well_formed = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 300
        && !url.contains(['?', '#', ' ']);
    if !well_formed {
        return Err(Error::invalid(
            "Địa chỉ nhân chứng phải là một URL http(s) không có dấu ? hay #, tối đa 300 ký tự",
            "The witness address must be an http(s) URL without ? or #, at most 300 characters",
        ));
    }
    if store.witness_count(coop.id).await? >= MAX_WITNESSES {
        return Err(Error::invalid(
            format!("Một hợp tác xã có tối đa {MAX_WITNESSES} nhân chứng"),
            format!("A cooperative has at most {MAX_WITNESSES} witnesses"),
        ));
    }
    if !store
        .add_witness(coop.id, &vkey.name, &vkey.to_string(), url, now_ms())
        .await?
    {
        return Err(Error::Conflict(crate::error::Text::new(
            format!("Hợp tác xã đã có nhân chứng {}", vkey.name),
            format!("The cooperative already has witness {}", vkey.name),
        )));
    }
    if store.witness_quorum(coop.id).await? == 0 {
        store.set_witness_quorum(coop.id, 1).await?;
    }
    Ok(vkey.name)
}

/// The cooperative's witnesses and how each is doing (managers).
pub async fn list(store: &Store, actor: &Actor, coop: &CooperativeRow) -> Result<Vec<WitnessRow>> {
    actor.require(coop.id, Action::ManageCooperative)?;
    store.witnesses_of(coop.id).await
}

/// Stops submitting to a witness; the quorum shrinks with the witnesses if it must.
pub async fn remove(store: &Store, actor: &Actor, coop: &CooperativeRow, name: &str) -> Result<()> {
    actor.require(coop.id, Action::ManageCooperative)?;
    if !store.remove_witness(coop.id, name).await? {
        return Err(Error::NotFound("witness"));
    }
    let left = store.witnesses_of(coop.id).await?.len() as i64;
    if store.witness_quorum(coop.id).await? > left {
        store.set_witness_quorum(coop.id, left).await?;
    }
    Ok(())
}

/// How many witnesses the cooperative's histories promise have cosigned.
pub async fn set_quorum(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
    quorum: i64,
) -> Result<()> {
    actor.require(coop.id, Action::ManageCooperative)?;
    let count = store.witnesses_of(coop.id).await?.len() as i64;
    if !(0..=count).contains(&quorum) {
        return Err(Error::invalid(
            format!("Số nhân chứng cần xác nhận phải từ 0 đến {count}"),
            format!("The number of witnesses required must be between 0 and {count}"),
        ));
    }
    store.set_witness_quorum(coop.id, quorum).await
}

/// The cooperative's declared policy; `None` without witnesses.
pub async fn policy(store: &Store, cooperative_id: i64) -> Result<Option<WitnessPolicy>> {
    let rows = store.witnesses_of(cooperative_id).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let keys = rows
        .iter()
        .map(|w| VerifierKey::parse(&w.vkey))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::Internal(format!("a stored witness key does not parse: {e}")))?;
    // Removing a witness while the quorum is being set could leave it above their number.
    let quorum = (store.witness_quorum(cooperative_id).await? as usize).min(keys.len());
    WitnessPolicy::new(keys, quorum)
        .map(Some)
        .map_err(|e| Error::Internal(format!("the stored witness policy is not usable: {e}")))
}

/// The witnesses that cosigned the newest checkpoint any witness cosigned, by name.
pub async fn vouched(store: &Store, cooperative_id: i64) -> Result<Vec<String>> {
    store.newest_cosigners(cooperative_id).await
}

/// The checkpoint as published: the cooperative's signed note with every cosignature
/// collected for it.
pub async fn published(store: &Store, cooperative_id: i64, row: &CheckpointRow) -> Result<String> {
    let mut note = row.note.clone();
    for line in store.cosignature_lines(cooperative_id, row.size).await? {
        note.push_str(&line);
    }
    Ok(note)
}

/// Submits to witnesses every `period`, for as long as the server runs.
pub async fn run(s: Services, period: Duration) {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = round(&s).await {
            tracing::error!(error = %e, "witness round");
        }
    }
}

/// One round: every cooperative with witnesses brings each of them up to its newest
/// checkpoint (signing one first if entries were appended since). A cooperative that
/// fails does not hold up the others.
pub async fn round(s: &Services) -> Result<()> {
    for code in s.store.cooperatives_with_witnesses().await? {
        if let Err(e) = round_for(s, &code).await {
            tracing::warn!(cooperative = %code, error = %e, "witness round");
        }
    }
    Ok(())
}

/// One cooperative's witnesses, all at once: a slow one holds up no other.
async fn round_for(s: &Services, code: &str) -> Result<()> {
    let coop = cooperatives::by_code(&s.store, code).await?;
    let cp = crate::log::checkpoint(&s.store, &s.sealer, &coop).await?;
    let mut all = tokio::task::JoinSet::new();
    for w in s.store.witnesses_of(coop.id).await? {
        if w.cosigned_size == cp.size {
            continue;
        }
        let (s, coop, cp) = (s.clone(), coop.clone(), cp.clone());
        all.spawn(async move {
            if let Err(e) = submit(&s, &coop, &cp, &w).await {
                tracing::warn!(cooperative = %coop.code, witness = %w.name, error = %e, "witness submission");
            }
        });
    }
    all.join_all().await;
    Ok(())
}

/// Whether an address is one anyone on the internet reaches: not loopback, private,
/// link-local (cloud metadata), shared, documentation or multicast.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (a == 100 && (b & 0xc0) == 64))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || v6.is_unique_local()
                    || v6.is_unicast_link_local())
            }
        },
    }
}

/// Whether this server is itself public (its base URL names a public host). One that is
/// not (a LAN install, a test on loopback) may have witnesses on its own network.
fn serves_publicly(base_url: &str) -> bool {
    let Some(host) = reqwest::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_owned()))
    else {
        return false;
    };
    match host.parse::<IpAddr>() {
        Ok(ip) => is_public(ip),
        Err(_) => {
            !(host == "localhost" || host.ends_with(".localhost") || host.ends_with(".local"))
        }
    }
}

/// A client that reaches the witness only at the address its name resolves to now, and
/// only if that address is public or this server is not: a manager's address cannot turn
/// the server against its own network, not even by renaming a host between the check and
/// the call.
async fn client_for(s: &Services, url: &str) -> std::result::Result<reqwest::Client, String> {
    let parsed =
        reqwest::Url::parse(url).map_err(|_| "unusable: the address does not parse".to_owned())?;
    let host = parsed
        .host_str()
        .ok_or_else(|| "unusable: the address has no host".to_owned())?
        .trim_matches(['[', ']'])
        .to_owned();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let private_ok = !serves_publicly(&s.base_url);
    let addr = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|_| "unreachable: the name does not resolve".to_owned())?
        .find(|a| private_ok || is_public(a.ip()))
        .ok_or_else(|| "refused: the address is not on the public internet".to_owned())?;
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .resolve(&host, addr)
        .build()
        .map_err(|e| format!("unusable: {e}"))
}

/// What a witness's answer means for the cooperative's managers (its body is not shown:
/// the address is the manager's to choose, and may not be a witness at all).
fn refusal_text(status: u16) -> String {
    match status {
        400 => "400: the witness did not understand the request".into(),
        403 => "403: the witness does not trust this cooperative's key (give it the new key after a rotation)".into(),
        404 => "404: the witness does not follow this cooperative's log (its operator must add it)".into(),
        409 => "409: the witness holds a different checkpoint of the same size: a split view, or another log of the same name".into(),
        422 => "422: the witness found the log inconsistent with what it cosigned before".into(),
        other => format!("{other}: not an answer of the witness protocol"),
    }
}

async fn submit(
    s: &Services,
    coop: &CooperativeRow,
    cp: &CheckpointRow,
    w: &WitnessRow,
) -> Result<()> {
    let vkey = VerifierKey::parse(&w.vkey)
        .map_err(|e| Error::Internal(format!("a stored witness key does not parse: {e}")))?;
    let size = cp.size as u64;
    let mut old = w.cosigned_size as u64;
    let failed = |error: String, holds: Option<i64>| async move {
        s.store
            .witness_failed(coop.id, &w.name, &error, holds, now_ms())
            .await
    };
    let client = match client_for(s, &w.url).await {
        Ok(c) => c,
        Err(why) => return failed(why, None).await,
    };
    // At most one retry: after a 409 names the size the witness holds.
    for _ in 0..2 {
        if old > size {
            return failed(
                format!("the witness holds size {old}, larger than this log's {size}"),
                None,
            )
            .await;
        }
        let nodes = s
            .store
            .merkle_nodes(coop.id, &merkle::consistency_nodes(old, size))
            .await?;
        let proof = merkle::consistency_proof_from(old, size, |id| nodes.get(&id).copied())
            .ok_or_else(|| {
                Error::Internal(format!("the stored tree of {} lacks nodes", coop.code))
            })?;
        let body = AddCheckpoint {
            old,
            proof,
            checkpoint: cp.note.clone(),
        }
        .body();
        let res = match client
            .post(format!("{}/add-checkpoint", w.url))
            .header("content-type", "text/plain; charset=utf-8")
            .body(body)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => return failed(format!("unreachable: {}", e.without_url()), None).await,
        };
        let status = res.status().as_u16();
        let sized = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with(SIZE_CONTENT_TYPE));
        let text = crate::fetch::body_capped(res, MAX_ANSWER)
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        match status {
            200 => return keep(s, coop, cp, &vkey, &text).await,
            409 if sized => match text.trim_end_matches('\n').parse::<u64>() {
                Ok(holds) if holds != old => old = holds,
                _ => return failed(refusal_text(409), None).await,
            },
            other => return failed(refusal_text(other), None).await,
        }
    }
    failed(
        "409: the witness answered twice with another size; the next round starts from it".into(),
        Some(old as i64),
    )
    .await
}

/// Keeps the witness's line that verifies over the checkpoint; others are ignored.
async fn keep(
    s: &Services,
    coop: &CooperativeRow,
    cp: &CheckpointRow,
    vkey: &VerifierKey,
    answer: &str,
) -> Result<()> {
    // The cosignature covers the note's text as signed, extension lines and all.
    let body = ledger::note::Note::parse(&cp.note)
        .map(|n| n.text.to_owned())
        .map_err(|e| Error::Internal(format!("a stored checkpoint does not parse: {e}")))?;
    let lines = parse_cosignatures(answer).unwrap_or_default();
    let verified = lines
        .iter()
        .find_map(|sig| cosignature::verify(vkey, &body, sig).ok().map(|t| (sig, t)));
    match verified {
        Some((sig, time)) => {
            s.store
                .record_cosignature(
                    coop.id,
                    cp.size,
                    &vkey.name,
                    &vkey.to_string(),
                    &sig.line(),
                    time as i64,
                    now_ms(),
                )
                .await
        }
        None => {
            s.store
                .witness_failed(
                    coop.id,
                    &vkey.name,
                    "200: but no cosignature by this witness's key verifies",
                    None,
                    now_ms(),
                )
                .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["1.1.1.1", "203.113.0.1", "2001:4860:4860::8888"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
        assert!(serves_publicly("https://goc.example.vn"));
        assert!(!serves_publicly("http://127.0.0.1:3000"));
        assert!(!serves_publicly("http://[::1]:3000"));
        assert!(!serves_publicly("http://localhost:3000"));
        assert!(!serves_publicly("http://10.0.0.5"));
    }
}
