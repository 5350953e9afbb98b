//! The label font: DejaVu Sans Condensed, which covers every Vietnamese letter (licence in
//! assets/fonts). Compiled in, so labels never depend on what fonts a server has.

use ab_glyph::{Font, FontRef};

pub(crate) const REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSansCondensed.ttf");
pub(crate) const BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSansCondensed-Bold.ttf");

/// The family name SVG labels ask for; the PNG and PDF renderers use the bytes above.
pub(crate) const FAMILY: &str = "DejaVu Sans Condensed";

/// Which of the two faces a line uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Regular,
    Bold,
}

impl Face {
    pub(crate) fn bytes(self) -> &'static [u8] {
        match self {
            Self::Regular => REGULAR,
            Self::Bold => BOLD,
        }
    }

    pub(crate) fn glyphs(self) -> FontRef<'static> {
        FontRef::try_from_slice(self.bytes()).expect("the bundled font parses")
    }
}

/// Width of `text` at a font size of 1 (in em), from the glyphs' advances.
pub(crate) fn width_em(font: &FontRef<'_>, text: &str) -> f32 {
    let upem = font.units_per_em().unwrap_or(2048.0);
    text.chars()
        .map(|c| font.h_advance_unscaled(font.glyph_id(c)))
        .sum::<f32>()
        / upem
}

/// Height of the ascender above the baseline, in em.
pub(crate) fn ascent_em(font: &FontRef<'_>) -> f32 {
    font.ascent_unscaled() / font.units_per_em().unwrap_or(2048.0)
}
