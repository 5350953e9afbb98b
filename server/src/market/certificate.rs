//! The adoption certificate a buyer keeps and shares: a page and a printable PDF. It is
//! found by the adoption's pseudonym (already public in the log, so sharing it reveals
//! nothing), issued only from the tree's history verified end to end, and names the ledger
//! entry, the checkpoint signed with the cooperative's key that includes it, and where
//! anyone can check both (`goc verify-file` on the tree's history does it offline). It
//! names the tree as its adopter named it, as the tree's own page does while the season
//! runs; that name is the adopter's to change and is never written to the ledger.

use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, TextDirection};
use krilla::Document;
use ledger::Kind;

use crate::error::{Error, Result};
use crate::labels::{pt, Face, QrMatrix, QUIET_ZONE};
use crate::photos::Size as PhotoSize;
use crate::services::Services;
use crate::species::Catalogue;

/// What a certificate states, each fact checked against the verified history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub adoption: String,
    pub coop_code: String,
    pub coop_name: String,
    pub tree_code: String,
    /// The adopter's name for the tree, if they gave one.
    pub tree_name: Option<String>,
    /// "Na (mãng cầu ta) · Na dai".
    pub species: String,
    pub season: String,
    pub starts_on: String,
    pub ends_on: String,
    /// The `adopted` entry: position in the cooperative's log, leaf hash (hex), when.
    pub entry_seq: u64,
    pub entry_hash: String,
    pub adopted_at: i64,
    /// The signed checkpoint the entry's inclusion was proved against.
    pub origin: String,
    pub checkpoint_size: u64,
    pub checkpoint_root: String,
    /// Where the tree's page (and its verifiable history) is.
    pub tree_url: String,
    /// The tree's newest photo, by content hash.
    pub photo: Option<[u8; 32]>,
    /// The account holding the adoption now (a gift moves it): never shown, only asked
    /// by [`Certificate::is_adopter`].
    adopter: i64,
}

impl Certificate {
    /// Whether `account` holds this adoption, so its page may say "you" to them.
    pub fn is_adopter(&self, account: i64) -> bool {
        self.adopter == account
    }
}

fn not_found() -> Error {
    Error::NotFound("certificate")
}

/// The certificate of a paid adoption, by its pseudonym.
pub async fn certificate(s: &Services, adoption: &str) -> Result<Certificate> {
    let order = s
        .store
        .order_by_adoption(adoption)
        .await?
        .ok_or_else(not_found)?;
    let coop = s
        .store
        .cooperative_by_id(order.cooperative_id)
        .await?
        .ok_or_else(not_found)?;
    let history = crate::log::export_tree(
        &s.store,
        &s.sealer,
        &s.base_url,
        &coop.code,
        &order.tree_code,
    )
    .await?;
    // A certificate is never issued from a history that does not verify.
    let summary = history.verify().map_err(|e| {
        Error::Internal(format!(
            "the history of {}/{} does not verify: {e}",
            coop.code, order.tree_code
        ))
    })?;
    let entry = summary
        .entries
        .iter()
        .find(|e| matches!(&e.kind, Kind::Adopted { adoption: a, .. } if a == adoption))
        .ok_or_else(not_found)?;
    let offer = s
        .store
        .offer_by_id(order.offer_id)
        .await?
        .ok_or_else(not_found)?;
    let tree = s
        .store
        .tree_detail(&coop.code, &order.tree_code)
        .await?
        .ok_or_else(not_found)?;
    let catalogue = Catalogue::load(&s.store).await?;
    let photo = s
        .store
        .photos_of(tree.id)
        .await?
        .into_iter()
        .next()
        .and_then(|p| p.hash.try_into().ok());
    Ok(Certificate {
        adoption: adoption.to_owned(),
        coop_name: coop.name,
        tree_code: order.tree_code.clone(),
        tree_name: order.tree_name,
        species: format!("{} · {}", catalogue.label_name(&tree.species), tree.variety),
        season: order.season,
        starts_on: offer.starts_on,
        ends_on: offer.ends_on,
        entry_seq: entry.seq,
        entry_hash: data_encoding::HEXLOWER.encode(&ledger::Digest::leaf(&entry.encode()).0),
        adopted_at: entry.received_at,
        origin: summary.checkpoint.origin.clone(),
        checkpoint_size: summary.checkpoint.size,
        checkpoint_root: data_encoding::HEXLOWER.encode(&summary.checkpoint.root.0),
        tree_url: format!("{}/t/{}/{}", s.base_url, coop.code, order.tree_code),
        coop_code: coop.code,
        photo,
        adopter: order.buyer_id,
    })
}

/// The certificate on one A4 page: title in both languages, the tree's photo, the facts,
/// the ledger references, and a QR code of the tree's page.
pub async fn certificate_pdf(s: &Services, c: &Certificate) -> Result<Vec<u8>> {
    let photo = match &c.photo {
        Some(hash) => s.photos.get(hash, PhotoSize::Full).await?,
        None => None,
    };
    let qr = QrMatrix::encode(&c.tree_url)?;
    let c = c.clone();
    tokio::task::spawn_blocking(move || render(&c, photo.map(|b| b.to_vec()), &qr))
        .await
        .map_err(|e| Error::Internal(format!("certificate task: {e}")))?
}

fn render(c: &Certificate, photo: Option<Vec<u8>>, qr: &QrMatrix) -> Result<Vec<u8>> {
    let font = |face: Face| {
        Font::new(face.bytes().into(), 0)
            .ok_or_else(|| Error::Internal("the certificate font does not load".into()))
    };
    let (regular, bold) = (font(Face::Regular)?, font(Face::Bold)?);
    let (w, h) = (210.0, 297.0);
    let mut doc = Document::new();
    let settings = PageSettings::from_wh(pt(w), pt(h))
        .ok_or_else(|| Error::Internal("bad page size".into()))?;
    let mut page = doc.start_page_with(settings);
    let mut surface = page.surface();
    surface.set_fill(Some(Fill::default()));
    let mut text = |x: f32, y: f32, size: f32, bold_face: bool, line: &str| {
        let f = if bold_face {
            bold.clone()
        } else {
            regular.clone()
        };
        surface.draw_text(
            Point::from_xy(pt(x), pt(y)),
            f,
            size,
            line,
            false,
            TextDirection::LeftToRight,
        );
    };
    text(20.0, 30.0, 22.0, true, "GIẤY CHỨNG NHẬN NHẬN NUÔI CÂY");
    text(20.0, 38.0, 12.0, false, "Tree adoption certificate");
    let mut facts = vec![("Cây · Tree", format!("{} — {}", c.tree_code, c.species))];
    if let Some(name) = &c.tree_name {
        facts.push(("Tên cây · The tree's name", format!("“{name}”")));
    }
    facts.extend([
        ("Hợp tác xã · Cooperative", c.coop_name.clone()),
        (
            "Mùa vụ · Season",
            format!("{} ({} → {})", c.season, c.starts_on, c.ends_on),
        ),
        ("Mã nhận nuôi · Adoption", c.adoption.clone()),
    ]);
    // Below the photo, or under the title when the tree has none yet.
    let mut y = if photo.is_some() { 145.0 } else { 60.0 };
    for (label, value) in &facts {
        text(20.0, y, 10.0, false, label);
        text(20.0, y + 6.5, 14.0, true, value);
        y += 17.0;
    }
    y += 4.0;
    let ledger = [
        format!("Sổ cái · Ledger: {} — mục #{}", c.origin, c.entry_seq),
        format!("Hash: {}", c.entry_hash),
        format!("Mốc đã ký · Signed checkpoint: #{}", c.checkpoint_size),
        format!("Root: {}", c.checkpoint_root),
        "Kiểm chứng · Verify: quét mã QR, hoặc `goc verify-file` trên lịch sử của cây".into(),
        c.tree_url.clone(),
    ];
    for line in &ledger {
        text(20.0, y, 8.0, false, line);
        y += 5.5;
    }
    if let Some(bytes) = photo {
        let image = Image::from_jpeg(bytes.into(), true)
            .map_err(|e| Error::Internal(format!("certificate photo: {e}")))?;
        let (iw, ih) = (image.size().0 as f32, image.size().1 as f32);
        let box_w = 110.0f32;
        let box_h = (box_w * ih / iw).min(85.0);
        let draw_w = box_h * iw / ih;
        surface.push_transform(&Transform::from_translate(pt(20.0), pt(48.0)));
        if let Some(size) = Size::from_wh(pt(draw_w), pt(box_h)) {
            surface.draw_image(image, size);
        }
        surface.pop();
    }
    // The QR of the tree's page, bottom right, 40 mm.
    let module = 40.0 / qr.outer_width() as f32;
    let (qx, qy) = (w - 20.0 - 40.0, 48.0);
    let mut path = PathBuilder::new();
    for (row, col, len) in &qr.runs {
        let x = qx + (col + QUIET_ZONE) as f32 * module;
        let y = qy + (row + QUIET_ZONE) as f32 * module;
        if let Some(r) = Rect::from_xywh(pt(x), pt(y), pt(*len as f32 * module), pt(module)) {
            path.push_rect(r);
        }
    }
    if let Some(p) = path.finish() {
        surface.draw_path(&p);
    }
    surface.finish();
    page.finish();
    doc.finish()
        .map_err(|e| Error::Internal(format!("writing the certificate PDF: {e:?}")))
}
