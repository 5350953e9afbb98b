//! Photos go to the storage the operator configures: an S3-compatible bucket here (a
//! local stand-in that checks every request's AWS signature), and come back from it.

use reqwest::Method;
use serde_json::Value;
use sha2::Digest as _;

use crate::support::s3::{self, S3};
use crate::support::{farmer, sqlite_url, Agent, Goc};

fn jpeg() -> Vec<u8> {
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(640, 480, |x, y| {
        image::Rgb([(x % 200) as u8, (y % 200) as u8, 90])
    }))
    .write_to(
        &mut std::io::Cursor::new(&mut out),
        image::ImageFormat::Jpeg,
    )
    .unwrap();
    out
}

async fn start(s3: &S3, secret: &'static str, name: &str) -> Goc {
    let env = s3.env(secret);
    let mut settings: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    settings.push(("GOC_PHOTOS", "s3://goc-photos/hop-tac-xa"));
    Goc::start_with(&sqlite_url(name), "127.0.0.1:0", &settings).await
}

/// A farmer of NA-LH uploads `photo` from the diary; the reply.
async fn upload(goc: &Goc, photo: &[u8]) -> (Agent, reqwest::Response) {
    let admin = goc.admin().await;
    let lan = farmer(goc, &admin, "NA-LH", "0911222444").await;
    let token = lan.token("/farm/NA-LH").await;
    let name: String = sha2::Sha256::digest(photo)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let r = lan
        .request(Method::PUT, &format!("/api/v1/photos/{name}?coop=NA-LH"))
        .header("x-csrf-token", token)
        .body(photo.to_vec())
        .send()
        .await
        .unwrap();
    (lan, r)
}

#[tokio::test]
async fn photos_go_to_the_configured_s3_bucket_signed_and_are_served_from_it() {
    let s3 = S3::start().await;
    let goc = start(&s3, s3::SECRET, "s3").await;
    let (_, r) = upload(&goc, &jpeg()).await;
    assert_eq!(r.status(), 201);
    let hash = r.json::<Value>().await.unwrap()["hash"]
        .as_str()
        .unwrap()
        .to_owned();
    let full = format!("goc-photos/hop-tac-xa/full/{}/{hash}.jpg", &hash[..2]);
    let thumb = format!("goc-photos/hop-tac-xa/thumb/{}/{hash}.jpg", &hash[..2]);
    assert_eq!(s3.keys(), vec![full.clone(), thumb.clone()]);
    for (path, key) in [("full.jpg", &full), ("thumb.jpg", &thumb)] {
        let served = goc.get(&format!("/photos/{hash}/{path}")).await;
        assert_eq!(served.status(), 200);
        let stored = s3.bucket.objects.lock().unwrap()[key].clone();
        assert_eq!(
            served.bytes().await.unwrap().to_vec(),
            stored,
            "{path} comes from the bucket"
        );
    }
    assert_eq!(
        goc.get(&format!("/photos/{}/full.jpg", "0".repeat(64)))
            .await
            .status(),
        404
    );
    assert_eq!(*s3.bucket.refused.lock().unwrap(), 0);
}

#[tokio::test]
async fn a_bucket_that_refuses_the_credentials_stores_nothing_and_says_so() {
    let s3 = S3::start().await;
    let goc = start(&s3, "not-the-bucket-secret", "s3-wrong").await;
    let photo = jpeg();
    let (lan, r) = upload(&goc, &photo).await;
    assert_eq!(r.status(), 500);
    assert!(s3.keys().is_empty());
    assert!(
        *s3.bucket.refused.lock().unwrap() > 0,
        "the stand-in checked the signature"
    );
    let name: String = sha2::Sha256::digest(&photo)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let head = lan
        .request(Method::HEAD, &format!("/api/v1/photos/{name}?coop=NA-LH"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        head.status(),
        404,
        "a photo the bucket refused is not recorded"
    );
}
