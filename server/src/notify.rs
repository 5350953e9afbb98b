//! Telling people what happened to their tree: a notification in the app and, for those
//! with an email address, a mail. Mail goes through an outbox: with an SMTP server
//! configured (`GOC_SMTP_URL`) the background round sends it; without one it stays there
//! for an administrator to read, so the default setup needs nothing else.

use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::services::Services;
use crate::store::{Notice, OrderRow};

/// A mail is tried this many times before it stays in the outbox for a person to see.
pub const MAX_ATTEMPTS: i64 = 5;

/// What there is to tell an adopter about their tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Telling {
    /// New diary entries (how many, with how many photos, and the grams harvested among
    /// them).
    Diary {
        entries: usize,
        photos: usize,
        harvest_g: Option<i64>,
    },
    Shipped {
        grams: i64,
        carrier: String,
        tracking: String,
    },
    /// The season's harvest was settled against its guarantee.
    Settled {
        harvested_g: i64,
        compensation_vnd: Option<i64>,
    },
    CareAnswered,
    GiftAccepted,
    GiftReturned,
    Refunded {
        amount_vnd: i64,
    },
    /// An input lot used on the tree is recalled.
    Recall {
        product: String,
        lot: String,
    },
}

impl Telling {
    fn topic(&self) -> &'static str {
        match self {
            Self::Diary {
                harvest_g: Some(_), ..
            }
            | Self::Settled { .. } => "harvest",
            Self::Diary { .. } => "diary",
            Self::Shipped { .. } => "shipment",
            Self::CareAnswered => "care",
            Self::GiftAccepted | Self::GiftReturned => "gift",
            Self::Refunded { .. } => "refund",
            Self::Recall { .. } => "recall",
        }
    }

    /// The sentence, in Vietnamese and English, about the tree called `tree`; weights and
    /// money written the way each language writes them.
    fn texts(&self, tree: &str) -> (String, String) {
        use crate::error::Lang::{En, Vi};
        use crate::text::{kg, vnd};
        match self {
            Self::Diary {
                entries,
                photos,
                harvest_g,
            } => {
                let (mut vi, mut en) = (
                    format!("Cây {tree} có {entries} mục nhật ký mới"),
                    format!(
                        "{tree} has {entries} new diary {}",
                        if *entries == 1 { "entry" } else { "entries" }
                    ),
                );
                if *photos > 0 {
                    vi.push_str(&format!(", {photos} ảnh"));
                    en.push_str(&format!(
                        ", {photos} {}",
                        if *photos == 1 { "photo" } else { "photos" }
                    ));
                }
                if let Some(g) = harvest_g {
                    vi.push_str(&format!(". Đã thu hoạch {}", kg(*g, Vi)));
                    en.push_str(&format!(". Harvested: {}", kg(*g, En)));
                }
                (vi, en)
            }
            Self::Shipped {
                grams,
                carrier,
                tracking,
            } => (
                format!(
                    "Quả của cây {tree} đã được gửi: {} qua {carrier} {tracking}",
                    kg(*grams, Vi)
                )
                .trim()
                .to_owned(),
                format!(
                    "The harvest of {tree} is on its way: {} by {carrier} {tracking}",
                    kg(*grams, En)
                )
                .trim()
                .to_owned(),
            ),
            Self::Settled {
                harvested_g,
                compensation_vnd,
            } => match compensation_vnd {
                Some(c) => (
                    format!(
                        "Mùa vụ của cây {tree} đã quyết toán: thu {}, bù thiếu {}",
                        kg(*harvested_g, Vi),
                        vnd(*c, Vi)
                    ),
                    format!(
                        "The season of {tree} is settled: {} harvested, {} for the shortfall",
                        kg(*harvested_g, En),
                        vnd(*c, En)
                    ),
                ),
                None => (
                    format!(
                        "Mùa vụ của cây {tree} đã quyết toán: thu {}",
                        kg(*harvested_g, Vi)
                    ),
                    format!(
                        "The season of {tree} is settled: {} harvested",
                        kg(*harvested_g, En)
                    ),
                ),
            },
            Self::CareAnswered => (
                format!("Hợp tác xã đã trả lời yêu cầu chăm sóc cây {tree}"),
                format!("The cooperative answered your care request for {tree}"),
            ),
            Self::GiftAccepted => (
                format!("Người nhận đã nhận món quà cây {tree} của bạn"),
                format!("Your gift of {tree} was accepted"),
            ),
            Self::GiftReturned => (
                format!("Không ai nhận quà cây {tree} trong 15 ngày: cây vẫn là của bạn"),
                format!(
                    "Nobody accepted your gift of {tree} within 15 days: the tree is still yours"
                ),
            ),
            Self::Refunded { amount_vnd } => (
                format!("Đã hoàn {} cho cây {tree}", vnd(*amount_vnd, Vi)),
                format!("{} refunded for {tree}", vnd(*amount_vnd, En)),
            ),
            Self::Recall { product, lot } => {
                let what = format!("{product} {lot}").trim().to_owned();
                (
                    format!("Cảnh báo thu hồi: cây {tree} đã được dùng lô {what}. Hợp tác xã sẽ liên hệ với bạn về quả đã nhận"),
                    format!("Recall notice: lot {what} was used on {tree}. The cooperative will contact you about the fruit you received"),
                )
            }
        }
    }
}

/// Tells the adopter of `order`.
pub async fn tell(s: &Services, order: &OrderRow, what: Telling, dedupe: &str) -> Result<bool> {
    tell_user(s, order.buyer_id, order, what, dedupe).await
}

/// Tells `user_id` something about the tree of `order`, once per `dedupe` key.
pub async fn tell_user(
    s: &Services,
    user_id: i64,
    order: &OrderRow,
    what: Telling,
    dedupe: &str,
) -> Result<bool> {
    let tree = order.tree_name.clone().map_or_else(
        || order.tree_code.clone(),
        |n| format!("“{n}” ({})", order.tree_code),
    );
    let (text_vi, text_en) = what.texts(&tree);
    let link = "/my-trees".to_owned();
    let mail = s
        .store
        .user_by_id(user_id)
        .await?
        .and_then(|u| u.email)
        .map(|to| {
            let subject = format!("Gốc · {text_vi}");
            let body = format!("{text_vi}\n{text_en}\n\n{}{link}\n", s.base_url);
            (to, subject, body)
        });
    let notice = Notice {
        user_id,
        topic: what.topic(),
        text_vi,
        text_en,
        link,
        dedupe: dedupe.to_owned(),
        mail,
    };
    s.store.notify(&notice, now_ms()).await
}

/// Tells adopters of the diary entries made on their trees since they were last told:
/// one notification per tree per round, however many entries. Returns how many were told.
pub async fn diary_round(s: &Services) -> Result<usize> {
    let untold = s.store.untold_entries(5_000).await?;
    let mut told = 0;
    for group in untold.chunk_by(|a, b| a.order_id == b.order_id) {
        let last = &group[group.len() - 1];
        let entries: Vec<ledger::Entry> = group
            .iter()
            .filter_map(|e| ledger::Entry::decode(&e.bytes).ok())
            .collect();
        let harvested: u64 = entries
            .iter()
            .filter_map(|e| match &e.kind {
                ledger::Kind::Harvested { grams } | ledger::Kind::HarvestedGraded { grams, .. } => {
                    Some(*grams)
                }
                _ => None,
            })
            .sum();
        let what = Telling::Diary {
            entries: group.len(),
            photos: entries.iter().map(|e| e.photos.len()).sum(),
            harvest_g: (harvested > 0).then(|| i64::try_from(harvested).unwrap_or(i64::MAX)),
        };
        if let Some(order) = s.store.order_by_id(last.order_id).await? {
            tell(
                s,
                &order,
                what,
                &format!("diary:{}:{}", last.order_id, last.seq),
            )
            .await?;
            told += 1;
        }
        s.store.told_up_to(last.order_id, last.seq).await?;
    }
    Ok(told)
}

/// Sends mail through an SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// From `GOC_SMTP_URL` (`smtp://host:port` for a local relay, `smtps://user:pass@host`
    /// or `smtp://…?tls=required` for a provider) and the sender's address.
    pub fn new(url: &SecretString, from: &str) -> Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
            .map_err(|e| Error::Config(format!("GOC_SMTP_URL is not an SMTP URL: {e}")))?
            .build();
        let from = from
            .parse()
            .map_err(|e| Error::Config(format!("GOC_MAIL_FROM is not a mail address: {e}")))?;
        Ok(Self { transport, from })
    }

    async fn send(&self, to: &str, subject: &str, body: &str) -> std::result::Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("address: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| format!("message: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Sends what waits in the outbox, if there is a mailer. Returns how many went out.
pub async fn mail_round(s: &Services) -> Result<usize> {
    let Some(mailer) = &s.mailer else {
        return Ok(0);
    };
    let mut sent = 0;
    for m in s.store.unsent_mail(50, MAX_ATTEMPTS).await? {
        let outcome = mailer.send(&m.to_addr, &m.subject, &m.body).await;
        if let Err(why) = &outcome {
            // The address is personal data: the log names the mail by its number only.
            tracing::warn!(mail = m.id, error = %why, "mail not sent");
        } else {
            sent += 1;
        }
        s.store
            .mail_attempted(m.id, outcome.err().as_deref(), now_ms())
            .await?;
    }
    Ok(sent)
}

/// One round of the background work: gifts that lapsed, diary news, mail.
pub async fn round(s: &Services) -> Result<()> {
    crate::market::return_lapsed_gifts(s).await?;
    diary_round(s).await?;
    mail_round(s).await?;
    Ok(())
}

/// Runs [`round`] every `period`, for as long as the server runs.
pub async fn run(s: Services, period: std::time::Duration) {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = round(&s).await {
            tracing::error!(error = %e, "background round");
        }
    }
}
