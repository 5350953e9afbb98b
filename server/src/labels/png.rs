//! One label as a PNG at a given resolution, for printers that take images.

use ab_glyph::{Font, PxScale, ScaleFont};
use image::{GrayImage, Luma};

use super::{Format, LabelData, Layout};
use crate::error::{Error, Result};

/// Renders one label at `dpi` dots per inch (300 suits most label printers).
pub fn render_png(format: Format, label: &LabelData, dpi: u32) -> Result<Vec<u8>> {
    if !(72..=1200).contains(&dpi) {
        return Err(Error::invalid(
            "Độ phân giải phải từ 72 đến 1200 dpi",
            "resolution must be 72–1200 dpi",
        ));
    }
    let l = Layout::for_dpi(format, label, dpi)?;
    let px = |mm: f32| mm / 25.4 * dpi as f32;
    let (w, h) = (px(l.width).round() as u32, px(l.height).round() as u32);
    let mut img = GrayImage::from_pixel(w, h, Luma([255]));
    // Module edges snap to whole pixels, so neighbouring modules neither overlap nor gap.
    for (x, y, rw, rh) in l.qr_rects() {
        let (x0, y0) = (px(x).round() as u32, px(y).round() as u32);
        let (x1, y1) = (px(x + rw).round() as u32, px(y + rh).round() as u32);
        for yy in y0..y1.min(h) {
            for xx in x0..x1.min(w) {
                img.put_pixel(xx, yy, Luma([0]));
            }
        }
    }
    for line in &l.lines {
        let font = line.face.glyphs();
        let upem = font.units_per_em().unwrap_or(2048.0);
        let em_px = line.size_pt / 72.0 * dpi as f32;
        let scaled = font.as_scaled(PxScale::from(em_px * font.height_unscaled() / upem));
        let (mut caret, baseline) = (px(line.x), px(line.baseline));
        for c in line.text.chars() {
            let id = font.glyph_id(c);
            let glyph =
                id.with_scale_and_position(scaled.scale(), ab_glyph::point(caret, baseline));
            caret += scaled.h_advance(id);
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let b = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                let (x, y) = (
                    b.min.x as i64 + i64::from(gx),
                    b.min.y as i64 + i64::from(gy),
                );
                if (0..i64::from(w)).contains(&x) && (0..i64::from(h)).contains(&y) {
                    let p = img.get_pixel_mut(x as u32, y as u32);
                    let ink = (255.0 * (1.0 - coverage.clamp(0.0, 1.0))) as u8;
                    p.0[0] = p.0[0].min(ink);
                }
            });
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| Error::Internal(format!("encoding the label PNG: {e}")))?;
    Ok(out.into_inner())
}
