//! Where things go on one label, in millimetres from the label's top-left corner.

use super::fonts::{ascent_em, width_em, Face};
use super::qr::{QrMatrix, QUIET_ZONE};
use super::{Format, LabelData};
use crate::error::Result;

/// Space kept clear along the label's edges: die-cut sheets shift by up to a millimetre
/// in office printers.
const EDGE: f32 = 1.5;
/// Text smaller than this is hard to read on a tree in the sun; longer lines wrap instead.
const MIN_PT: f32 = 5.0;
const LEADING: f32 = 1.18;
const MM_PER_PT: f32 = 25.4 / 72.0;

/// One line of text: its baseline starts at (`x`, `baseline`).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub text: String,
    pub face: Face,
    pub size_pt: f32,
    pub x: f32,
    pub baseline: f32,
}

/// A label laid out: the QR square (quiet zone included) and the text beside it.
#[derive(Debug, Clone)]
pub struct Layout {
    pub width: f32,
    pub height: f32,
    pub qr: QrMatrix,
    /// Top-left corner and side of the QR square, quiet zone included.
    pub qr_x: f32,
    pub qr_y: f32,
    pub qr_side: f32,
    /// Side of one module: a whole number of dots at the printer's resolution.
    pub module: f32,
    pub lines: Vec<Line>,
}

impl Layout {
    /// The layout for the format's own printers, for a label whose corner is at `origin`
    /// (mm) on its page: the QR's corner lands on the page's dot grid.
    pub fn placed(format: Format, label: &LabelData, origin: (f32, f32)) -> Result<Self> {
        Self::at(format, label, format.printer_dpi(), origin)
    }

    /// The layout with QR modules of whole dots at `dpi` (a PNG's own resolution).
    pub fn for_dpi(format: Format, label: &LabelData, dpi: u32) -> Result<Self> {
        Self::at(format, label, dpi, (0.0, 0.0))
    }

    fn at(format: Format, label: &LabelData, dpi: u32, origin: (f32, f32)) -> Result<Self> {
        let sheet = format.sheet();
        let (width, height) = (sheet.label_w, sheet.label_h);
        let qr = QrMatrix::encode(&label.url)?;
        let square = height - 2.0 * EDGE;
        let dot = 25.4 / dpi as f32;
        let dots = ((square / dot) as usize / qr.outer_width()).max(1);
        let module = dots as f32 * dot;
        let qr_side = module * qr.outer_width() as f32;
        // The code sits centred in its square, its corner on the dot grid; the quiet zone
        // separates it from the text.
        let inset = (square - qr_side) / 2.0 + EDGE;
        let snap = |o: f32| ((o + inset) / dot).round() * dot - o;
        let (qr_x, qr_y) = (snap(origin.0), snap(origin.1));
        let text_x = EDGE + square;
        let text_w = width - text_x - EDGE;
        let wanted = [
            (label.tree_code.as_str(), Face::Bold, 18.0),
            (label.species.as_str(), Face::Regular, 8.0),
            (label.zone.as_str(), Face::Regular, 7.0),
            (label.cooperative.as_str(), Face::Regular, 7.0),
        ];
        let mut lines: Vec<(String, Face, f32)> = Vec::new();
        for (text, face, max) in wanted {
            lines.extend(fit(text, face, max, text_w));
        }
        // Too many lines for the height: shrink everything alike, keeping the proportions.
        let total: f32 = lines.iter().map(|l| l.2 * MM_PER_PT * LEADING).sum();
        let scale = (square / total).min(1.0);
        let mut y = EDGE + (square - total * scale) / 2.0;
        let lines = lines
            .into_iter()
            .map(|(text, face, size)| {
                let size_pt = size * scale;
                let size_mm = size_pt * MM_PER_PT;
                let baseline = y + ascent_em(&face.glyphs()) * size_mm;
                y += size_mm * LEADING;
                Line {
                    text,
                    face,
                    size_pt,
                    x: text_x,
                    baseline,
                }
            })
            .collect();
        Ok(Self {
            width,
            height,
            qr,
            qr_x,
            qr_y,
            qr_side,
            module,
            lines,
        })
    }

    /// The dark runs of the QR as rectangles (x, y, w, h) in millimetres on the label.
    pub fn qr_rects(&self) -> impl Iterator<Item = (f32, f32, f32, f32)> + '_ {
        let m = self.module;
        let origin_x = self.qr_x + QUIET_ZONE as f32 * m;
        let origin_y = self.qr_y + QUIET_ZONE as f32 * m;
        self.qr.runs.iter().map(move |&(row, col, len)| {
            (
                origin_x + col as f32 * m,
                origin_y + row as f32 * m,
                len as f32 * m,
                m,
            )
        })
    }
}

/// The largest size up to `max` at which `text` fits `width`; below the minimum it wraps
/// into two lines at the space or hyphen nearest the middle, and what still does not fit
/// is shortened with an ellipsis.
fn fit(text: &str, face: Face, max: f32, width: f32) -> Vec<(String, Face, f32)> {
    let font = face.glyphs();
    let size_for = |t: &str| (width / (width_em(&font, t) * MM_PER_PT)).min(max);
    if text.is_empty() {
        return vec![];
    }
    if size_for(text) >= MIN_PT {
        return vec![(text.to_owned(), face, size_for(text))];
    }
    let breaks = text
        .char_indices()
        .filter(|(_, c)| *c == ' ' || *c == '-')
        .map(|(i, c)| if c == '-' { i + 1 } else { i });
    let middle = text.len() / 2;
    if let Some(at) = breaks.min_by_key(|i| i.abs_diff(middle)) {
        let (a, b) = text.split_at(at);
        let (a, b) = (a.trim(), b.trim());
        let size = size_for(a).min(size_for(b)).max(MIN_PT);
        return vec![
            (shorten(&font, a, size, width), face, size),
            (shorten(&font, b, size, width), face, size),
        ];
    }
    vec![(shorten(&font, text, MIN_PT, width), face, MIN_PT)]
}

fn shorten(font: &ab_glyph::FontRef<'_>, text: &str, size: f32, width: f32) -> String {
    let fits = |t: &str| width_em(font, t) * size * MM_PER_PT <= width;
    if fits(text) {
        return text.to_owned();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let t: String = chars.iter().collect::<String>() + "…";
        if fits(&t) {
            return t;
        }
    }
    "…".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label() -> LabelData {
        LabelData {
            url: "https://goc.example/t/XOAI-MX/XM001/VN-DT-CLH-MXG-001-2022/20251124/IDASHYF4N2QUA/4WT5M6SSKLLM4I47MCXATI5Y6ZZIUBZR7RMW52RILLMPXKJR26H4CS5Y7HXQ6PFNTIVKZ26NRNRM266CTI4J5FAAQARHTH66GYMPQAA".into(),
            tree_code: "XM001".into(),
            species: "Xoài · Xoài cát Hòa Lộc".into(),
            zone: "VN-DT-CLH-MXG-001-2022".into(),
            cooperative: "HTX Xoài Mỹ Xương".into(),
        }
    }

    #[test]
    fn every_format_keeps_qr_and_text_inside_the_label_and_apart() {
        for f in Format::ALL {
            let l = Layout::placed(f, &label(), (7.2, 12.9)).unwrap();
            assert!(
                l.qr.version <= crate::labels::MAX_QR_VERSION,
                "{f:?}: v{}",
                l.qr.version
            );
            assert!(l.qr_x + l.qr_side <= l.lines[0].x + 1e-3);
            for line in &l.lines {
                let w = width_em(&line.face.glyphs(), &line.text) * line.size_pt * MM_PER_PT;
                assert!(
                    line.x + w <= l.width - EDGE + 0.01,
                    "{f:?}: {:?} overflows",
                    line.text
                );
                assert!(
                    line.baseline <= l.height - EDGE,
                    "{f:?}: {:?} below",
                    line.text
                );
                assert!(
                    line.size_pt >= MIN_PT * 0.75,
                    "{f:?}: {:?} unreadable",
                    line.text
                );
            }
            assert_eq!(l.lines[0].text, "XM001");
            // Whole printer dots per module, at least 0.3 mm (phone cameras at arm's length).
            let dots = |mm: f32| mm * f.printer_dpi() as f32 / 25.4;
            let on_grid = |v: f32| (v - v.round()).abs() < 1e-2;
            assert!(on_grid(dots(l.module)), "{f:?}: {} dots", dots(l.module));
            assert!(
                on_grid(dots(7.2 + l.qr_x)) && on_grid(dots(12.9 + l.qr_y)),
                "{f:?}: off the grid"
            );
            assert!(l.module >= 0.3, "{f:?}: module {} mm", l.module);
            assert!(
                l.lines[0].size_pt > l.lines[1].size_pt,
                "the code is the largest"
            );
        }
    }

    #[test]
    fn a_long_line_wraps_at_a_space_and_an_endless_one_is_shortened() {
        let two = fit(
            "Hợp tác xã Nông nghiệp Dịch vụ Xoài Mỹ Xương",
            Face::Regular,
            7.0,
            18.0,
        );
        assert_eq!(two.len(), 2);
        assert!(two.iter().all(|l| !l.0.starts_with(' ')));
        let one = fit(&"X".repeat(80), Face::Regular, 7.0, 18.0);
        assert!(one[0].0.ends_with('…'));
    }
}
