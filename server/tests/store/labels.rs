//! Labels as a printer and a phone see them: the PDF rasterised by poppler at printer
//! resolution, every QR cut out at its sticker's position and read by an independent
//! decoder (rqrr), the text extracted with its diacritics and located in millimetres.

use std::path::Path;
use std::process::Command;

use server::labels::{self, Format, LabelData, Selection};

use server::access::Actor;
use server::cooperatives::{self, NewCooperative};
use server::store::CooperativeRow;
use server::Services;

use crate::support::{on_both, Db};
use crate::zone_and_tree;

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (install poppler-utils: make tools)"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Cuts a region (mm) out of a page rasterised at `dpi`.
fn crop(page: &image::GrayImage, dpi: u32, (x, y, w, h): (f32, f32, f32, f32)) -> image::GrayImage {
    let px = |mm: f32| (mm / 25.4 * dpi as f32).round() as u32;
    image::imageops::crop_imm(page, px(x), px(y), px(w), px(h)).to_image()
}

/// Reads the one QR code in an image with rqrr.
fn decode_rqrr(region: &image::GrayImage, at: &str) -> String {
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        region.width() as usize,
        region.height() as usize,
        |x, y| region.get_pixel(x as u32, y as u32).0[0],
    );
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code expected at {at}");
    grids[0].decode().expect("the QR decodes").1
}

/// Reads every image with zbar (`zbarimg`, an independent decoder): what each file holds,
/// in the order given; `None` where zbar found nothing.
fn decode_zbar(files: &[std::path::PathBuf]) -> Vec<Option<String>> {
    let out = Command::new("zbarimg")
        .args(["--xml", "-q", "-Sdisable", "-Sqrcode.enable"])
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("zbarimg: {e} (install zbar-tools: make tools)"));
    let xml = String::from_utf8(out.stdout).unwrap();
    files
        .iter()
        .map(|f| {
            let source = xml
                .split("<source href='")
                .find(|s| s.starts_with(&*f.to_string_lossy()))?;
            let data = source.split("<data><![CDATA[").nth(1)?;
            Some(data.split("]]></data>").next()?.to_owned())
        })
        .collect()
}

/// A cooperative whose name needs every kind of Vietnamese diacritic a label must keep.
async fn coop(s: &Services) -> CooperativeRow {
    let new = NewCooperative::parse(
        "XOAI-MX",
        "HTX Xoài Mỹ Xương Đồng Tháp",
        ("Đồng Tháp", "Cao Lãnh", "Mỹ Xương"),
        "",
        None,
    )
    .unwrap();
    cooperatives::create(&s.store, &s.sealer, &s.origin_prefix, &Actor::system(), new)
        .await
        .unwrap();
    cooperatives::by_code(&s.store, "XOAI-MX").await.unwrap()
}

async fn thirty_labels(db: &Db) -> Vec<LabelData> {
    let s = &db.services;
    let c = coop(s).await;
    for n in 1..=30 {
        zone_and_tree(s, &c, &format!("XM{n:03}")).await;
    }
    labels::collect(
        &s.store,
        &s.base_url,
        &Actor::system(),
        &c,
        &Selection::default(),
    )
    .await
    .unwrap()
}

fn check_pdf(format: Format, labels: &[LabelData], dir: &Path) {
    let sheet = format.sheet();
    let mut done = 0;
    let pdf = labels::render_pdf(format, labels, &mut |n| done = n).unwrap();
    assert_eq!(done, labels.len(), "progress reaches the end");
    let file = dir.join(format!("{}.pdf", format.key()));
    std::fs::write(&file, &pdf).unwrap();

    let info = run(Command::new("pdfinfo").arg(&file));
    let pages = labels.len().div_ceil(sheet.per_page());
    assert!(
        info.contains(&format!("Pages:           {pages}\n")),
        "{info}"
    );
    let size: Vec<f64> = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .unwrap()
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    let want = [f64::from(sheet.page_w), f64::from(sheet.page_h)].map(|mm| mm * 72.0 / 25.4);
    assert!(
        (size[0] - want[0]).abs() < 0.01 && (size[1] - want[1]).abs() < 0.01,
        "page {size:?} pt, want {want:?}"
    );

    // Rasterised at the resolution of the printers the stock is for.
    let dpi = format.printer_dpi();
    let prefix = dir.join(format.key());
    run(Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-gray", "-png"])
        .arg(&file)
        .arg(&prefix));
    let bbox = run(Command::new("pdftotext").arg("-bbox").arg(&file).arg("-"));
    let rasters: Vec<image::GrayImage> = (1..=pages)
        .map(|p| {
            let png = format!(
                "{}-{p:0w$}.png",
                prefix.display(),
                w = pages.to_string().len()
            );
            let img = image::open(&png).unwrap().to_luma8();
            // poppler rounds the page up to whole pixels.
            assert!(
                img.width()
                    .abs_diff((sheet.page_w / 25.4 * dpi as f32).round() as u32)
                    <= 1
            );
            img
        })
        .collect();
    let mut crops = Vec::new();
    for (i, label) in labels.iter().enumerate() {
        let (page, x, y) = sheet.position(i);
        let region = crop(&rasters[page], dpi, (x, y, sheet.label_w, sheet.label_h));
        let decoded = decode_rqrr(&region, &format!("label {i} of {format:?}, ({x}, {y}) mm"));
        assert_eq!(decoded, label.url, "label {i} of {format:?}");
        let file = dir.join(format!("{}-crop-{i}.png", format.key()));
        region.save(&file).unwrap();
        crops.push(file);
        // The tree code is printed inside its own sticker.
        let (wx, wy) = word_position(&bbox, page, &label.tree_code)
            .unwrap_or_else(|| panic!("{} not in the text of page {page}", label.tree_code));
        assert!(
            wx > x && wx < x + sheet.label_w && wy > y && wy < y + sheet.label_h,
            "{} at ({wx:.1}, {wy:.1}) mm, sticker at ({x}, {y})",
            label.tree_code
        );
    }
    for (i, (got, label)) in decode_zbar(&crops).into_iter().zip(labels).enumerate() {
        assert_eq!(
            got.as_deref(),
            Some(label.url.as_str()),
            "zbar, label {i} of {format:?}"
        );
    }
    for words in ["Xoài", "Mỹ", "Xương", "Đồng", "Tháp"] {
        assert!(
            bbox.contains(&format!(">{words}</word>")),
            "{words:?} lost its diacritics"
        );
    }
}

/// Top-left corner (mm) of the first occurrence of `word` on page `page` (0-based) in
/// `pdftotext -bbox` output.
fn word_position(bbox: &str, page: usize, word: &str) -> Option<(f32, f32)> {
    let page_html = bbox.split("<page ").nth(page + 1)?;
    let line = page_html
        .lines()
        .find(|l| l.ends_with(&format!(">{word}</word>")))?;
    let attr = |name: &str| -> Option<f32> {
        let start = line.find(&format!("{name}=\""))? + name.len() + 2;
        line[start..].split('"').next()?.parse().ok()
    };
    Some((attr("xMin")? * 25.4 / 72.0, attr("yMin")? * 25.4 / 72.0))
}

#[tokio::test]
async fn label_pdfs_have_exact_pages_and_every_qr_decodes_to_its_trees_signed_url() {
    on_both(|db: Db| async move {
        let labels = thirty_labels(&db).await;
        assert_eq!(labels.len(), 30);
        let dir = tempdir("labels");
        for format in Format::ALL {
            // A roll prints one label per page: three are enough to check.
            let n = if format == Format::Roll50x30 {
                3
            } else {
                labels.len()
            };
            check_pdf(format, &labels[..n], &dir);
        }
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}

/// Hundreds of different signatures (seeded, so any failure reproduces) through the sheet
/// format with the smallest modules and the roll: every code read by both decoders.
#[test]
fn three_hundred_labels_with_different_keys_all_decode_with_rqrr_and_zbar() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        // xorshift64*: a fixed sequence, no crate needed.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let labels: Vec<LabelData> = (0..300)
        .map(|i| {
            let sig: String = (0..103)
                .map(|_| B32[(next() % 32) as usize] as char)
                .collect();
            let key: String = (0..13)
                .map(|_| B32[(next() % 32) as usize] as char)
                .collect();
            let code = format!("XM{:03}", i + 1);
            LabelData {
                url: format!(
                    "https://goc.example/t/XOAI-MX/{code}/VN-DTOR-0017/20260301/{key}/{sig}"
                ),
                tree_code: code,
                species: "Xoài · Cát Hòa Lộc".into(),
                zone: "VN-DTOR-0017".into(),
                cooperative: "HTX Xoài Mỹ Xương Đồng Tháp".into(),
            }
        })
        .collect();
    let dir = tempdir("labels-many");
    check_pdf(Format::A4x40, &labels, &dir);
    check_pdf(Format::Roll50x30, &labels[..40], &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_single_label_renders_as_png_and_svg_and_its_qr_decodes() {
    on_both(|db: Db| async move {
        let label = thirty_labels(&db).await.remove(0);
        let png = labels::render_png(Format::Roll50x30, &label, 300).unwrap();
        let img = image::load_from_memory(&png).unwrap().to_luma8();
        assert_eq!(
            (img.width(), img.height()),
            (591, 354),
            "50 × 30 mm at 300 dpi"
        );
        assert_eq!(decode_rqrr(&img, "the PNG"), label.url);
        let svg = labels::render_svg(Format::Roll50x30, &label).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains(r#"width="50mm" height="30mm""#));
        assert!(
            svg.contains(">XM001</text>")
                && svg.contains("Na · Na dai")
                && svg.contains(">HTX Xoài Mỹ</text>"),
            "the text of the label is missing from the SVG"
        );
        assert!(labels::render_png(Format::Roll50x30, &label, 5000).is_err());
    })
    .await;
}

#[tokio::test]
async fn a_selection_picks_by_zone_species_and_hand_picked_codes_and_refuses_unknown_codes() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let c = coop(s).await;
        for n in 1..=5 {
            zone_and_tree(s, &c, &format!("XM{n:03}")).await;
        }
        let pick = |codes: &[&str]| Selection {
            codes: codes.iter().map(|c| c.to_string()).collect(),
            ..Default::default()
        };
        let got = labels::collect(
            &s.store,
            &s.base_url,
            &Actor::system(),
            &c,
            &pick(&["xm002", "XM004"]),
        )
        .await
        .unwrap();
        assert_eq!(
            got.iter().map(|l| l.tree_code.as_str()).collect::<Vec<_>>(),
            ["XM002", "XM004"]
        );
        let err = labels::collect(
            &s.store,
            &s.base_url,
            &Actor::system(),
            &c,
            &pick(&["XM999"]),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("XM999"), "{err}");
        let mango = Selection {
            species: Some("mango".into()),
            ..Default::default()
        };
        assert!(
            labels::collect(&s.store, &s.base_url, &Actor::system(), &c, &mango)
                .await
                .unwrap()
                .is_empty()
        );
        let zone = s.store.zones_of(c.id).await.unwrap()[0].id;
        let by_zone = Selection {
            zone_id: Some(zone),
            ..Default::default()
        };
        assert_eq!(
            labels::collect(&s.store, &s.base_url, &Actor::system(), &c, &by_zone)
                .await
                .unwrap()
                .len(),
            5
        );
    })
    .await;
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "goc-{name}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}
