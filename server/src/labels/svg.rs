//! One label as SVG, sized in millimetres, for design tools and printers' own software.

use std::fmt::Write;

use super::fonts::{Face, FAMILY};
use super::{Format, LabelData, Layout};
use crate::error::Result;

pub fn render_svg(format: Format, label: &LabelData) -> Result<String> {
    let l = Layout::placed(format, label, (0.0, 0.0))?;
    let mut s = String::with_capacity(8 * 1024);
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}"><rect width="{w}" height="{h}" fill="#fff"/><path fill="#000" shape-rendering="crispEdges" d=""##,
        w = l.width,
        h = l.height
    );
    for (x, y, w, h) in l.qr_rects() {
        let _ = write!(s, "M{x:.3} {y:.3}h{w:.3}v{h:.3}h-{w:.3}z");
    }
    s.push_str("\"/>");
    for line in &l.lines {
        let weight = if line.face == Face::Bold {
            "bold"
        } else {
            "normal"
        };
        let _ = write!(
            s,
            r##"<text x="{:.2}" y="{:.2}" font-family="{FAMILY}, sans-serif" font-weight="{weight}" font-size="{:.3}">{}</text>"##,
            line.x,
            line.baseline,
            line.size_pt * 25.4 / 72.0,
            escape(&line.text)
        );
    }
    s.push_str("</svg>");
    Ok(s)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
