//! QR labels for printing: A4 sticker sheets, thermal-printer rolls, and one label as PNG
//! or SVG. One [`Layout`] decides, in millimetres, where the QR and each line of text go;
//! the PDF, SVG and PNG renderers only draw it, so the three always agree.
//!
//! Sizes are exact when printed at 100 %: the PDF's pages are the sheet's size and every
//! label sits at the position of its die-cut sticker.

mod fonts;
mod layout;
mod pdf;
mod png;
mod qr;
mod select;
mod svg;

pub(crate) use fonts::Face;
pub use layout::{Layout, Line};
pub use pdf::render_pdf;
pub use png::render_png;
pub use qr::{QrMatrix, MAX_QR_VERSION, QUIET_ZONE};
pub use select::{collect, pick, Selection};
pub use svg::render_svg;

/// The most labels one batch may hold: 5,000 labels are 209 A4 sheets of 24; a larger
/// order is split by zone or species.
pub const MAX_BATCH: usize = 5_000;

/// Label sheets rendered at once across the server. Rendering is CPU work (about 30 ms a
/// label in a debug build); a queue keeps a burst of large batches from starving pages.
static RENDERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Renders a PDF off the async threads, waiting for a turn among [`RENDERS`], and refuses
/// batches over [`MAX_BATCH`].
pub async fn render_pdf_queued(
    format: Format,
    labels: Vec<LabelData>,
    mut progress: impl FnMut(usize) + Send + 'static,
) -> Result<Vec<u8>> {
    if labels.len() > MAX_BATCH {
        return Err(Error::invalid(
            format!(
                "Mỗi lần in tối đa {MAX_BATCH} tem ({} đã chọn): hãy chọn theo vùng hoặc loài",
                labels.len()
            ),
            format!(
                "At most {MAX_BATCH} labels per batch ({} chosen): pick by zone or species",
                labels.len()
            ),
        ));
    }
    let _turn = RENDERS
        .acquire()
        .await
        .map_err(|e| Error::Internal(format!("label queue: {e}")))?;
    tokio::task::spawn_blocking(move || render_pdf(format, &labels, &mut progress))
        .await
        .map_err(|e| Error::Internal(format!("label task: {e}")))?
}

use crate::error::{Error, Result};

/// What one label shows. The URL is the tree's signed QR identity.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelData {
    pub url: String,
    pub tree_code: String,
    /// Species and variety as one line, e.g. "Xoài · Xoài cát Hòa Lộc".
    pub species: String,
    /// The official zone code, or a words saying it is not registered yet.
    pub zone: String,
    pub cooperative: String,
}

/// The label stock a batch is printed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A4, 3 × 8 labels of 63.5 × 33.9 mm (Avery L7159 and compatible sheets).
    A4x24,
    /// A4, 4 × 10 labels of 45.7 × 25.4 mm (Avery L7654 and compatible sheets).
    A4x40,
    /// One 50 × 30 mm label per page, for thermal label printers.
    Roll50x30,
}

/// Where labels sit on a page, in millimetres from the page's top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sheet {
    pub page_w: f32,
    pub page_h: f32,
    pub label_w: f32,
    pub label_h: f32,
    pub columns: u32,
    pub rows: u32,
    /// Top-left corner of the first label.
    pub left: f32,
    pub top: f32,
    /// Distance from one label's corner to the next one's.
    pub pitch_x: f32,
    pub pitch_y: f32,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::A4x24, Format::A4x40, Format::Roll50x30];

    /// The name used in URLs and on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Self::A4x24 => "a4-3x8",
            Self::A4x40 => "a4-4x10",
            Self::Roll50x30 => "roll-50x30",
        }
    }

    pub fn parse(key: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|f| f.key() == key)
            .ok_or_else(|| {
                Error::invalid(
                    format!("Không có khổ tem {key:?}; dùng a4-3x8, a4-4x10 hoặc roll-50x30"),
                    format!("unknown label format {key:?}; use a4-3x8, a4-4x10 or roll-50x30"),
                )
            })
    }

    /// The resolution of the printers this stock goes through: thermal roll printers are
    /// 203 dpi (8 dots/mm); office printers 300 or 600 dpi. QR modules are a whole number
    /// of these dots, so every module prints the same width (a module of 3.4 dots prints
    /// as 3 or 4, and uneven modules are what makes decoders miss codes).
    pub fn printer_dpi(self) -> u32 {
        match self {
            Self::A4x24 | Self::A4x40 => 300,
            Self::Roll50x30 => 203,
        }
    }

    /// The stock's geometry. Sheet figures are the manufacturers' published ones.
    pub fn sheet(self) -> Sheet {
        match self {
            Self::A4x24 => Sheet {
                page_w: 210.0,
                page_h: 297.0,
                label_w: 63.5,
                label_h: 33.9,
                columns: 3,
                rows: 8,
                left: 7.2,
                top: 12.9,
                pitch_x: 66.0,
                pitch_y: 33.9,
            },
            Self::A4x40 => Sheet {
                page_w: 210.0,
                page_h: 297.0,
                label_w: 45.7,
                label_h: 25.4,
                columns: 4,
                rows: 10,
                left: 9.7,
                top: 21.5,
                pitch_x: 48.3,
                pitch_y: 25.4,
            },
            Self::Roll50x30 => Sheet {
                page_w: 50.0,
                page_h: 30.0,
                label_w: 50.0,
                label_h: 30.0,
                columns: 1,
                rows: 1,
                left: 0.0,
                top: 0.0,
                pitch_x: 50.0,
                pitch_y: 30.0,
            },
        }
    }
}

impl Sheet {
    pub fn per_page(&self) -> usize {
        (self.columns * self.rows) as usize
    }

    /// The page and top-left corner (mm) of the `i`-th label of a batch, filled row by row.
    pub fn position(&self, i: usize) -> (usize, f32, f32) {
        let on_page = i % self.per_page();
        let (row, col) = (
            on_page / self.columns as usize,
            on_page % self.columns as usize,
        );
        (
            i / self.per_page(),
            self.left + col as f32 * self.pitch_x,
            self.top + row as f32 * self.pitch_y,
        )
    }
}

/// Millimetres to PDF points.
pub(crate) fn pt(mm: f32) -> f32 {
    mm * 72.0 / 25.4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sheet_fits_its_page_with_labels_that_do_not_overlap() {
        for f in Format::ALL {
            let s = f.sheet();
            assert!(s.pitch_x >= s.label_w && s.pitch_y >= s.label_h, "{f:?}");
            let (_, x, y) = s.position(s.per_page() - 1);
            assert!(x + s.label_w <= s.page_w + 0.01, "{f:?} too wide");
            assert!(y + s.label_h <= s.page_h + 0.01, "{f:?} too tall");
            assert_eq!(s.position(s.per_page()).0, 1, "{f:?} next page");
            assert_eq!(Format::parse(f.key()).unwrap(), f);
        }
        assert!(Format::parse("a5").is_err());
    }

    #[tokio::test]
    async fn a_batch_over_the_limit_is_refused_before_any_rendering() {
        let one = LabelData {
            url: "https://goc.example/t/NA-LH/CC001".into(),
            tree_code: "CC001".into(),
            species: "Na".into(),
            zone: "Đồi".into(),
            cooperative: "HTX".into(),
        };
        let e = render_pdf_queued(Format::A4x24, vec![one; MAX_BATCH + 1], |_| ())
            .await
            .unwrap_err();
        assert!(e.public_text().en.contains("At most 5000 labels"), "{e:?}");
    }
}
