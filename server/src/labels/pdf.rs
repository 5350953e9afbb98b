//! Label batches as PDF: one page per sheet (or per roll label), vector QR codes, and text
//! in an embedded subset of the label font so that it prints identically everywhere and
//! stays extractable, diacritics included.

use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, TextDirection};
use krilla::Document;

use super::fonts::Face;
use super::{pt, Format, LabelData, Layout};
use crate::error::{Error, Result};

/// Renders `labels` onto the format's pages. `progress` hears the number of labels done
/// after each one, for batches large enough that someone is waiting.
pub fn render_pdf(
    format: Format,
    labels: &[LabelData],
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<u8>> {
    if labels.is_empty() {
        return Err(Error::invalid(
            "Chưa chọn cây nào để in tem",
            "no trees were selected for labels",
        ));
    }
    let sheet = format.sheet();
    let font = |face: Face| {
        Font::new(face.bytes().into(), 0)
            .ok_or_else(|| Error::Internal("the label font does not load".into()))
    };
    let (regular, bold) = (font(Face::Regular)?, font(Face::Bold)?);
    let mut doc = Document::new();
    for (page_no, batch) in labels.chunks(sheet.per_page()).enumerate() {
        let settings = PageSettings::from_wh(pt(sheet.page_w), pt(sheet.page_h))
            .ok_or_else(|| Error::Internal("bad page size".into()))?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        surface.set_fill(Some(Fill::default()));
        for (i, label) in batch.iter().enumerate() {
            let (_, x, y) = sheet.position(i);
            let layout = Layout::placed(format, label, (x, y))?;
            let mut qr = PathBuilder::new();
            for (rx, ry, rw, rh) in layout.qr_rects() {
                if let Some(r) = Rect::from_xywh(pt(x + rx), pt(y + ry), pt(rw), pt(rh)) {
                    qr.push_rect(r);
                }
            }
            if let Some(path) = qr.finish() {
                surface.draw_path(&path);
            }
            for line in &layout.lines {
                let font = match line.face {
                    Face::Regular => regular.clone(),
                    Face::Bold => bold.clone(),
                };
                surface.draw_text(
                    Point::from_xy(pt(x + line.x), pt(y + line.baseline)),
                    font,
                    line.size_pt,
                    &line.text,
                    false,
                    TextDirection::LeftToRight,
                );
            }
            progress(page_no * sheet.per_page() + i + 1);
        }
        surface.finish();
        page.finish();
    }
    doc.finish()
        .map_err(|e| Error::Internal(format!("writing the label PDF: {e:?}")))
}
