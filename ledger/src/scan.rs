//! Reading a tree's label with the phone's camera where the browser has no
//! `BarcodeDetector` (feature `scan`, a wasm of its own that the farmer's page loads only
//! then): the QR code in a greyscale frame, as text. What the text says is checked by the
//! page and the server like any scanned URL.

use wasm_bindgen::prelude::wasm_bindgen;

/// The text of the first QR code found in a `width` × `height` greyscale frame (one byte
/// per pixel, rows top to bottom), if any.
#[wasm_bindgen]
pub fn decode_qr(luma: &[u8], width: u32, height: u32) -> Option<String> {
    let (w, h) = (width as usize, height as usize);
    if luma.len() != w * h {
        return None;
    }
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| luma[y * w + x]);
    img.detect_grids()
        .into_iter()
        .find_map(|g| g.decode().ok().map(|(_, text)| text))
}
