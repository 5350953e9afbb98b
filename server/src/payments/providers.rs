//! The providers each cooperative takes, set by its managers: a VNPay merchant terminal,
//! and VietQR transfers to its bank account confirmed by Casso. Secrets are sealed with
//! the server secret, bound to their cooperative and provider, and never leave it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::{vietqr, vnpay};
use crate::access::{Action, Actor};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::services::Services;
use crate::store::{CooperativeRow, ProviderRow};

/// Where a sandbox terminal's buyers pay: this server's stand-in for VNPay's pay page.
pub const SANDBOX_PATH: &str = "/sandbox/vnpay/vpcpay.html";
/// The sandbox's merchant API (querydr, refund).
pub const SANDBOX_API_PATH: &str = "/sandbox/vnpay/merchant_webapi/api/transaction";

/// Where a terminal's merchant API is: the pay page's host at VNPay's documented path
/// (research §1.1, checked for the sandbox host only), or the sandbox's.
pub fn vnpay_api_url(s: &Services, t: &vnpay::Terminal) -> Result<String> {
    if t.pay_url == format!("{}{SANDBOX_PATH}", s.base_url) {
        return Ok(format!("{}{SANDBOX_API_PATH}", s.base_url));
    }
    let u =
        url::Url::parse(&t.pay_url).map_err(|e| Error::Internal(format!("VNPay pay URL: {e}")))?;
    Ok(format!(
        "{}/merchant_webapi/api/transaction",
        u.origin().ascii_serialization()
    ))
}

/// The sandbox gateway confirms payments without money: it runs only where nothing is
/// real, on an instance served over plain http (tests, demos, a laptop).
pub fn sandbox_enabled(s: &Services) -> bool {
    s.base_url.starts_with("http://")
}

pub(crate) fn label(coop: &str, provider: &str) -> String {
    format!("payments:{coop}:{provider}")
}

#[derive(Serialize, Deserialize)]
struct VnpaySettings {
    pay_url: String,
}

#[derive(Serialize, Deserialize)]
struct VietQrSettings {
    bin: String,
    number: String,
    name: String,
}

/// VietQR to a cooperative's account, and the Casso key that confirms transfers to it.
#[derive(Clone)]
pub struct BankTransfer {
    pub account: vietqr::Account,
    /// The account holder's name as the bank shows it.
    pub name: String,
    pub casso_key: SecretString,
}

fn secret_field(secret: &str, (vi, en): (&str, &str)) -> Result<SecretString> {
    let secret = secret.trim();
    if secret.len() < 8 || secret.len() > 256 || secret.chars().any(char::is_whitespace) {
        return Err(Error::invalid(
            format!("{vi}: 8–256 ký tự, không dấu cách"),
            format!("{en}: 8–256 characters, no spaces"),
        ));
    }
    Ok(SecretString::from(secret.to_owned()))
}

/// Sets the cooperative's VNPay terminal (code, hash secret, pay page).
pub async fn set_vnpay(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    tmn_code: &str,
    secret: &str,
    pay_url: &str,
) -> Result<()> {
    actor.require(coop.id, Action::ManageCooperative)?;
    let tmn_code = tmn_code.trim();
    if tmn_code.len() != 8 || !tmn_code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::invalid(
            "Mã website (TmnCode) VNPay gồm đúng 8 chữ cái hoặc chữ số",
            "A VNPay terminal code (TmnCode) is exactly 8 letters or digits",
        ));
    }
    let secret = secret_field(secret, ("Chuỗi bí mật VNPay", "The VNPay hash secret"))?;
    let pay_url = pay_url.trim();
    let sandbox = format!("{}{SANDBOX_PATH}", s.base_url);
    if !(pay_url.starts_with("https://") || (sandbox_enabled(s) && pay_url == sandbox)) {
        return Err(Error::invalid(
            "Địa chỉ trang thanh toán VNPay phải bắt đầu bằng https://",
            "VNPay's pay page address must start with https://",
        ));
    }
    let settings = serde_json::to_string(&VnpaySettings {
        pay_url: pay_url.to_owned(),
    })
    .map_err(|e| Error::Internal(e.to_string()))?;
    let row = ProviderRow {
        cooperative_id: coop.id,
        provider: "vnpay".into(),
        account: tmn_code.to_owned(),
        settings,
        secret_sealed: s.sealer.seal_secret(&secret, &label(&coop.code, "vnpay"))?,
    };
    s.store.set_provider(&row, now_ms()).await?;
    s.terminals.forget();
    Ok(())
}

fn terminal(s: &Services, coop_code: &str, row: &ProviderRow) -> Result<vnpay::Terminal> {
    let settings: VnpaySettings = serde_json::from_str(&row.settings)
        .map_err(|e| Error::Internal(format!("VNPay settings of {coop_code}: {e}")))?;
    Ok(vnpay::Terminal {
        tmn_code: row.account.clone(),
        secret: s
            .sealer
            .open_secret(&row.secret_sealed, &label(coop_code, "vnpay"))?,
        pay_url: settings.pay_url,
    })
}

/// The cooperative's VNPay terminal, if it takes VNPay.
pub async fn vnpay(s: &Services, coop: &CooperativeRow) -> Result<Option<vnpay::Terminal>> {
    match s.store.provider_of(coop.id, "vnpay").await? {
        Some(row) => Ok(Some(terminal(s, &coop.code, &row)?)),
        None => Ok(None),
    }
}

/// How long a terminal read for a report is used before it is read again. Every report
/// starts by finding its terminal's secret, and a read per report cost as much as the rest
/// of the report's work. A terminal changed on this instance is forgotten at once; one
/// changed on another instance (PostgreSQL) is seen within this time, until when a report
/// signed with the new secret is refused (97) and VNPay sends it again.
const TERMINAL_KEPT: Duration = Duration::from_secs(10);

/// A VNPay terminal with the cooperative that configured it.
#[derive(Debug)]
pub struct VnpayTerminal {
    pub cooperative_id: i64,
    pub coop_name: String,
    pub terminal: vnpay::Terminal,
}

/// The VNPay terminals reports found lately, by code (only terminals that exist: a code
/// nobody configured is read each time, so made-up codes cannot fill it).
#[derive(Default)]
pub struct Terminals(Mutex<HashMap<String, (Instant, Arc<VnpayTerminal>)>>);

impl Terminals {
    fn get(&self, tmn_code: &str) -> Option<Arc<VnpayTerminal>> {
        let kept = self.0.lock().expect("no panic holds it");
        kept.get(tmn_code)
            .filter(|(at, _)| at.elapsed() < TERMINAL_KEPT)
            .map(|(_, t)| t.clone())
    }

    fn keep(&self, t: Arc<VnpayTerminal>) {
        let mut kept = self.0.lock().expect("no panic holds it");
        kept.insert(t.terminal.tmn_code.clone(), (Instant::now(), t));
    }

    /// After a change of any terminal on this instance.
    fn forget(&self) {
        self.0.lock().expect("no panic holds it").clear();
    }
}

/// The terminal with this code and its cooperative: how a report finds its secret.
pub async fn vnpay_terminal(s: &Services, tmn_code: &str) -> Result<Option<Arc<VnpayTerminal>>> {
    if let Some(t) = s.terminals.get(tmn_code) {
        return Ok(Some(t));
    }
    let Some((row, coop)) = s.store.provider_by_account("vnpay", tmn_code).await? else {
        return Ok(None);
    };
    let t = Arc::new(VnpayTerminal {
        cooperative_id: coop.id,
        terminal: terminal(s, &coop.code, &row)?,
        coop_name: coop.name,
    });
    s.terminals.keep(t.clone());
    Ok(Some(t))
}

/// Sets the cooperative's bank account for VietQR and its Casso webhook key.
pub async fn set_vietqr(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    bin: &str,
    number: &str,
    name: &str,
    casso_key: &str,
) -> Result<()> {
    actor.require(coop.id, Action::ManageCooperative)?;
    let account = vietqr::Account::parse(bin, number)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 70 {
        return Err(Error::invalid(
            "Tên chủ tài khoản: 1–70 ký tự",
            "The account holder's name: 1–70 characters",
        ));
    }
    let casso_key = secret_field(casso_key, ("Khoá bảo mật Casso", "The Casso secure key"))?;
    let settings = serde_json::to_string(&VietQrSettings {
        bin: account.bin().into(),
        number: account.number().into(),
        name: name.into(),
    })
    .map_err(|e| Error::Internal(e.to_string()))?;
    let row = ProviderRow {
        cooperative_id: coop.id,
        provider: "vietqr".into(),
        account: format!("{}:{}", account.bin(), account.number()),
        settings,
        secret_sealed: s
            .sealer
            .seal_secret(&casso_key, &label(&coop.code, "vietqr"))?,
    };
    s.store.set_provider(&row, now_ms()).await
}

/// The cooperative's bank account for VietQR, if it takes transfers.
pub async fn vietqr(s: &Services, coop: &CooperativeRow) -> Result<Option<BankTransfer>> {
    let Some(row) = s.store.provider_of(coop.id, "vietqr").await? else {
        return Ok(None);
    };
    let settings: VietQrSettings = serde_json::from_str(&row.settings)
        .map_err(|e| Error::Internal(format!("VietQR settings of {}: {e}", coop.code)))?;
    Ok(Some(BankTransfer {
        account: vietqr::Account::parse(&settings.bin, &settings.number)?,
        name: settings.name,
        casso_key: s
            .sealer
            .open_secret(&row.secret_sealed, &label(&coop.code, "vietqr"))?,
    }))
}
