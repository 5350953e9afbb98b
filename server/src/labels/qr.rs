//! The QR matrix of a signed identity URL.

use qrcode::{Color, EcLevel, QrCode, Version};

use crate::error::{Error, Result};

/// The largest QR version a label should need: at 25 mm a version-8 code (49 modules) still
/// has modules of about 0.4 mm, which cheap phone cameras read (see docs/qr-identity.md).
pub const MAX_QR_VERSION: i16 = 8;

/// Modules of quiet zone on every side, as ISO/IEC 18004 requires.
pub const QUIET_ZONE: usize = 4;

/// A QR code's dark modules, ready to draw.
#[derive(Debug, Clone)]
pub struct QrMatrix {
    /// Modules per side, without the quiet zone.
    pub width: usize,
    pub version: i16,
    /// Horizontal runs of dark modules as (row, first column, length): drawing runs
    /// instead of single modules makes PDFs and SVGs several times smaller.
    pub runs: Vec<(usize, usize, usize)>,
}

impl QrMatrix {
    /// Encodes `url` with error correction level M (15 % of the code may be soiled or torn).
    pub fn encode(url: &str) -> Result<Self> {
        let code = QrCode::with_error_correction_level(url, EcLevel::M).map_err(|e| {
            Error::invalid(
                format!("Không tạo được mã QR cho {url:?}: {e}"),
                format!("cannot encode {url:?} as a QR code: {e}"),
            )
        })?;
        let version = match code.version() {
            Version::Normal(v) | Version::Micro(v) => v,
        };
        let width = code.width();
        let colors = code.to_colors();
        let mut runs = Vec::new();
        for (row, line) in colors.chunks(width).enumerate() {
            let mut col = 0;
            while col < width {
                if line[col] == Color::Dark {
                    let start = col;
                    while col < width && line[col] == Color::Dark {
                        col += 1;
                    }
                    runs.push((row, start, col - start));
                } else {
                    col += 1;
                }
            }
        }
        Ok(Self {
            width,
            version,
            runs,
        })
    }

    /// Modules per side including the quiet zone.
    pub fn outer_width(&self) -> usize {
        self.width + 2 * QUIET_ZONE
    }

    /// The code as a standalone SVG (one path of runs, the quiet zone included), scaled
    /// by the page: sharp at any size, a few KB.
    pub fn svg(&self, title: &str) -> String {
        let w = self.outer_width();
        let mut d = String::new();
        for (row, col, len) in &self.runs {
            d.push_str(&format!(
                "M{} {}h{len}v1h-{len}z",
                col + QUIET_ZONE,
                row + QUIET_ZONE
            ));
        }
        let title = title.replace('&', "&amp;").replace('<', "&lt;");
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {w}\" role=\"img\" shape-rendering=\"crispEdges\">\
             <title>{title}</title><rect width=\"{w}\" height=\"{w}\" fill=\"#fff\"/><path d=\"{d}\" fill=\"#000\"/></svg>"
        )
    }
}
