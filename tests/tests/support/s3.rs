//! A local stand-in for an S3-compatible bucket (what a cooperative's photos go to by
//! configuration): path-style PUT, GET and HEAD of objects, each request authenticated by
//! AWS Signature Version 4 exactly as S3 documents it (the canonical request, the scope,
//! the derived signing key; the payload's SHA-256 checked against the body), with S3's
//! error codes. Objects are kept in memory, for the test to inspect.
//!
//! Reference: <https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html>

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const REGION: &str = "ap-southeast-1";
pub const KEY_ID: &str = "GOCTESTKEY";
pub const SECRET: &str = "goc-test-secret-access-key";

#[derive(Clone, Default)]
pub struct Bucket {
    /// `bucket/key` → bytes.
    pub objects: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    /// Requests refused for their signature.
    pub refused: Arc<Mutex<u32>>,
}

/// A running stand-in and its objects.
pub struct S3 {
    pub endpoint: String,
    pub bucket: Bucket,
}

impl S3 {
    pub async fn start() -> Self {
        let bucket = Bucket::default();
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(bucket.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { endpoint, bucket }
    }

    /// The settings `goc` needs for this bucket, with this secret.
    pub fn env(&self, secret: &'static str) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT", self.endpoint.clone()),
            ("AWS_REGION", REGION.into()),
            ("AWS_ACCESS_KEY_ID", KEY_ID.into()),
            ("AWS_SECRET_ACCESS_KEY", secret.into()),
            ("AWS_ALLOW_HTTP", "true".into()),
        ]
    }

    pub fn keys(&self) -> Vec<String> {
        let mut k: Vec<String> = self
            .bucket
            .objects
            .lock()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        k.sort();
        k
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn hmac(key: &[u8], msg: &str) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    m.update(msg.as_bytes());
    m.finalize().into_bytes().to_vec()
}

fn error(status: StatusCode, code: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{code}</Message></Error>"
    );
    (status, [("content-type", "application/xml")], body).into_response()
}

/// `Ok` if the request is signed with our secret over what it carries, else S3's code.
fn check_signature(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), &'static str> {
    const MALFORMED: &str = "AuthorizationHeaderMalformed";
    let header = |name: &str| -> Result<&str, &'static str> {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .ok_or(if name == "authorization" {
                "AccessDenied"
            } else {
                MALFORMED
            })
    };
    let rest = header("authorization")?
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or(MALFORMED)?;
    let fields: HashMap<&str, &str> = rest
        .split(',')
        .filter_map(|f| f.trim().split_once('='))
        .collect();
    let field = |name: &str| fields.get(name).copied().ok_or(MALFORMED);
    let (key_id, scope) = field("Credential")?.split_once('/').ok_or(MALFORMED)?;
    if key_id != KEY_ID {
        return Err("InvalidAccessKeyId");
    }
    let parts: Vec<&str> = scope.split('/').collect();
    let [date, region, service, term] = parts[..] else {
        return Err(MALFORMED);
    };
    let amz_date = header("x-amz-date")?;
    if region != REGION || service != "s3" || term != "aws4_request" || !amz_date.starts_with(date)
    {
        return Err(MALFORMED);
    }
    let payload = header("x-amz-content-sha256")?;
    if payload != "UNSIGNED-PAYLOAD" && payload != hex(&Sha256::digest(body)) {
        return Err("XAmzContentSHA256Mismatch");
    }
    let signed = field("SignedHeaders")?;
    if !signed.split(';').any(|h| h == "host") {
        return Err(MALFORMED);
    }
    let mut canonical_headers = String::new();
    for name in signed.split(';') {
        canonical_headers.push_str(&format!("{name}:{}\n", header(name)?.trim()));
    }
    let query: BTreeMap<String, String> = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let enc = |s: &str| -> String {
        url::form_urlencoded::byte_serialize(s.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    };
    let canonical_query = query
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    let canonical_request = format!(
        "{method}\n{}\n{canonical_query}\n{canonical_headers}\n{signed}\n{payload}",
        uri.path()
    );
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let key = [date, region, service, term]
        .iter()
        .fold(format!("AWS4{SECRET}").into_bytes(), |k, part| {
            hmac(&k, part)
        });
    let given = field("Signature")?;
    // Constant time, as a real service compares.
    let mut m = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    m.update(to_sign.as_bytes());
    let given_bytes: Vec<u8> = (0..given.len() / 2)
        .filter_map(|i| u8::from_str_radix(given.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    m.verify_slice(&given_bytes)
        .map_err(|_| "SignatureDoesNotMatch")
}

async fn handle(
    State(bucket): State<Bucket>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(code) = check_signature(&method, &uri, &headers, &body) {
        *bucket.refused.lock().unwrap() += 1;
        return error(StatusCode::FORBIDDEN, code);
    }
    let key = uri.path().trim_start_matches('/').to_owned();
    let etag = |b: &[u8]| format!("\"{}\"", &hex(&Sha256::digest(b))[..32]);
    let mut objects = bucket.objects.lock().unwrap();
    match method {
        Method::PUT => {
            let tag = etag(&body);
            objects.insert(key, body.to_vec());
            (StatusCode::OK, [("etag", tag)]).into_response()
        }
        Method::GET | Method::HEAD => match objects.get(&key) {
            Some(bytes) => {
                let headers = [
                    ("etag", etag(bytes)),
                    ("last-modified", "Wed, 02 Dec 2026 08:00:00 GMT".to_owned()),
                    ("content-length", bytes.len().to_string()),
                    ("content-type", "application/octet-stream".to_owned()),
                ];
                let body = if method == Method::GET {
                    bytes.clone()
                } else {
                    Vec::new()
                };
                (StatusCode::OK, headers, body).into_response()
            }
            None => error(StatusCode::NOT_FOUND, "NoSuchKey"),
        },
        _ => error(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed"),
    }
}
