//! Payment providers, each speaking its documented protocol, signatures included: VNPay
//! (card and bank gateway), VietQR (a bank transfer anyone's bank app pays) confirmed by
//! Casso's bank-account feed. Facts, vectors and what is unverified:
//! ../shared/research/payments.md; each unverified fact lives in one constant.

pub mod casso;
pub mod providers;
pub mod sandbox;
pub mod vietqr;
pub mod vnpay;
pub mod vnpay_api;

use serde::Serialize;

use crate::error::{Lang, Result};
use crate::labels::QrMatrix;
use crate::services::Services;
use crate::store::{CooperativeRow, OrderRow};

/// How a buyer can pay a held order: what the cooperative takes.
#[derive(Debug, Clone, Serialize)]
pub struct PayOptions {
    /// VNPay's pay page for this order, signed.
    pub vnpay_url: Option<String>,
    pub vietqr: Option<TransferDetails>,
}

/// A VietQR transfer: the payload and its QR, and the details for typing it by hand.
#[derive(Debug, Clone, Serialize)]
pub struct TransferDetails {
    pub payload: String,
    #[serde(skip)]
    pub qr_svg: String,
    pub bin: String,
    pub account: String,
    pub name: String,
    pub memo: String,
}

/// The ways to pay `order`, for a buyer at `buyer_ip` reading `lang`.
pub async fn checkout(
    s: &Services,
    coop: &CooperativeRow,
    order: &OrderRow,
    buyer_ip: &str,
    lang: Lang,
) -> Result<PayOptions> {
    let vnpay_url = match providers::vnpay(s, coop).await? {
        Some(t) => Some(vnpay::pay_url(
            &t,
            &vnpay::PayRequest {
                txn_ref: &order.code,
                amount_vnd: order.amount_vnd,
                order_info: &format!("Nhan nuoi cay {} {}", order.tree_code, order.code),
                return_url: &format!("{}{}", s.base_url, crate::http::payments::RETURN_PATH),
                buyer_ip,
                created_ms: order.created_at,
                expires_ms: order.held_until,
                english: lang == Lang::En,
            },
        )?),
        None => None,
    };
    let vietqr = match providers::vietqr(s, coop).await? {
        Some(bank) => {
            // The code first: some banks cut the memo short.
            let memo = format!("{} cay {}", order.code, order.tree_code);
            let payload = vietqr::payload(&vietqr::Transfer {
                to: &bank.account,
                amount: u64::try_from(order.amount_vnd).ok(),
                bill: Some(&order.code),
                purpose: &memo,
            })?;
            let qr_svg = QrMatrix::encode(&payload)?.svg("VietQR");
            Some(TransferDetails {
                payload,
                qr_svg,
                bin: bank.account.bin().into(),
                account: bank.account.number().into(),
                name: bank.name,
                memo,
            })
        }
        None => None,
    };
    Ok(PayOptions { vnpay_url, vietqr })
}
