//! This server as a GS1 Digital Link resolver (GS1-Conformant Resolver Standard): a GET of
//! a tree's, zone's or harvest lot's Digital Link URI redirects to its default link (the
//! page), `?linkType=all` (or `Accept: application/linkset+json`) lists every link as an
//! RFC 9264 linkset, `?linkType=gs1:…` redirects to that link. Also resolves the
//! `/id/{coop}/…` URIs of cooperatives without a GS1 prefix (docs/epcis.md).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::gs1::{self, Gs1, Named};
use crate::services::Services;
use crate::store::CooperativeRow;

pub fn router() -> Router<Services> {
    Router::new()
        .route("/8004/{giai}", get(asset))
        .route("/414/{gln}/254/{ext}", get(zone))
        .route("/01/{gtin}/10/{lot}", get(lot))
        .route("/id/{coop}/tree/{tree}", get(tree_id))
        .route("/id/{coop}/zone/{zone}", get(zone_id))
}

const VOC: &str = "https://gs1.org/voc/";

#[derive(Debug, Default, serde::Deserialize)]
pub struct Asked {
    #[serde(default, rename = "linkType")]
    link_type: String,
    /// A label's signature (`KEYID.SIG`): the tree page then verifies what was scanned.
    #[serde(default)]
    sig: String,
}

/// One link of a linkset: its relation (a GS1 link type), target, title and media type.
struct Link {
    rel: &'static str,
    href: String,
    title: &'static str,
    media: &'static str,
}

/// Answers with the linkset, or redirects to the asked (else the default) link.
fn answer(anchor: String, links: Vec<Link>, asked: &Asked, headers: &HeaderMap) -> Response {
    let wants_set = asked.link_type == "all"
        || headers
            .get(header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("application/linkset+json"));
    if wants_set {
        let mut set = serde_json::Map::new();
        set.insert("anchor".into(), json!(anchor));
        for l in &links {
            let entry = json!({ "href": l.href, "title": l.title, "type": l.media, "hreflang": ["vi", "en"] });
            if let Some(list) = set
                .entry(format!("{VOC}{}", l.rel))
                .or_insert_with(|| json!([]))
                .as_array_mut()
            {
                list.push(entry);
            }
        }
        return (
            [
                (header::CONTENT_TYPE, "application/linkset+json"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            json!({ "linkset": [Value::Object(set)] }).to_string(),
        )
            .into_response();
    }
    let wanted = asked
        .link_type
        .trim_start_matches("gs1:")
        .trim_start_matches(VOC);
    let target = links
        .iter()
        .find(|l| !wanted.is_empty() && l.rel == wanted)
        .or_else(|| links.iter().find(|l| l.rel == "defaultLink"))
        .map(|l| l.href.clone())
        .unwrap_or_default();
    (
        StatusCode::TEMPORARY_REDIRECT,
        [
            (header::LOCATION, target),
            (
                header::LINK,
                format!(
                    "<{anchor}?linkType=all>; rel=\"linkset\"; type=\"application/linkset+json\""
                ),
            ),
        ],
    )
        .into_response()
}

/// The cooperatives with a GS1 prefix that Gốc has verified, each with its identifiers:
/// an unverified cooperative's prefix resolves to nothing.
async fn with_prefix(s: &Services) -> Result<Vec<(CooperativeRow, Gs1)>> {
    Ok(s.store
        .verified_with_gs1_prefix()
        .await?
        .into_iter()
        .filter_map(|c| Gs1::new(c.gs1_prefix.as_deref()).map(|g| (c, g)))
        .collect())
}

/// A label's `sig` (`KEYID.SIGNATURE`, both unpadded base32): anything else is refused
/// rather than copied into the page's address (found by an outside probe: `../` there
/// walked the redirect to other pages).
fn label_signature(sig: &str) -> Result<Option<(&str, &str)>> {
    if sig.is_empty() {
        return Ok(None);
    }
    let base32 = |p: &str| {
        !p.is_empty() && p.len() <= 200 && p.bytes().all(|b| matches!(b, b'A'..=b'Z' | b'2'..=b'7'))
    };
    match sig.split_once('.') {
        Some((key, signature)) if base32(key) && base32(signature) => Ok(Some((key, signature))),
        _ => Err(Error::invalid(
            "Chữ ký trên tem không đúng dạng: tem có thể bị làm giả.",
            "The label's signature is malformed: the label may be forged.",
        )),
    }
}

/// A tree's links; `sig` (from a label) makes the page verify the scanned signature.
async fn tree_links(s: &Services, coop: &str, tree: &str, sig: &str) -> Result<Vec<Link>> {
    let t = s
        .store
        .tree_detail(coop, &tree.to_uppercase())
        .await?
        .ok_or(Error::NotFound("tree"))?;
    let base = &s.base_url;
    let mut page = t.identity_path.clone();
    if let Some((key, signature)) = label_signature(sig)? {
        // The identity path ends with the key ID and the signature: the label's replace
        // them, and the tree page verifies what the label says.
        let mut parts: Vec<&str> = page.split('/').collect();
        let n = parts.len();
        if n >= 2 {
            parts[n - 2] = key;
            parts[n - 1] = signature;
            page = parts.join("/");
        }
    }
    let page = format!("{base}{page}");
    Ok(vec![
        Link {
            rel: "defaultLink",
            href: page.clone(),
            title: "Câu chuyện của cây · The tree's story",
            media: "text/html",
        },
        Link {
            rel: "pip",
            href: page,
            title: "Câu chuyện của cây · The tree's story",
            media: "text/html",
        },
        Link {
            rel: "traceability",
            href: format!("{base}/api/trees/{coop}/{}/history", t.code),
            title: "Lịch sử đã ký, tự kiểm chứng · Signed history, verify it yourself",
            media: "application/json",
        },
        Link {
            rel: "epcis",
            href: format!("{base}/api/v1/coops/{coop}/trees/{}/epcis.json", t.code),
            title: "EPCIS 2.0 (hợp tác xã) · EPCIS 2.0 (cooperative)",
            media: "application/ld+json",
        },
    ])
}

fn zone_links(s: &Services, coop: &str, zone: &str) -> Vec<Link> {
    let page = format!("{}/c/{coop}#zone-{}", s.base_url, zone);
    vec![
        Link {
            rel: "defaultLink",
            href: page.clone(),
            title: "Hợp tác xã và vùng trồng · The cooperative and its zones",
            media: "text/html",
        },
        Link {
            rel: "pip",
            href: page,
            title: "Hợp tác xã và vùng trồng · The cooperative and its zones",
            media: "text/html",
        },
    ]
}

/// A refusal: a person who scanned a label in a browser gets a page with a way on, a
/// program the error as JSON.
fn reject(e: Error, headers: &HeaderMap) -> Response {
    let browser = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if !browser {
        return e.into_response();
    }
    let status = e.status();
    let text = e.public_text();
    let page = format!(
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Gốc</title></head>\
         <body><main><h1>Gốc</h1><p>{}</p><p lang=\"en\">{}</p><p><a href=\"/\">Trang chủ · Home</a></p></main></body></html>",
        html_escape(&text.vi),
        html_escape(&text.en)
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

async fn asset(
    State(s): State<Services>,
    Path(giai): Path<String>,
    Query(q): Query<Asked>,
    headers: HeaderMap,
) -> Response {
    let found = async {
        let Named::Asset { giai } = gs1::parse_path(&["8004", &giai])? else {
            return Err(Error::NotFound("digital link"));
        };
        for (c, g) in with_prefix(&s).await? {
            if let Some(tree) = giai.strip_prefix(g.giai("").unwrap_or_default().as_str()) {
                if let Ok(links) = tree_links(&s, &c.code, tree, &q.sig).await {
                    return Ok((g.tree_uri(&s.base_url, tree).unwrap_or_default(), links));
                }
            }
        }
        Err(Error::NotFound("tree"))
    };
    match found.await {
        Ok((anchor, links)) => answer(anchor, links, &q, &headers),
        Err(e) => reject(e, &headers),
    }
}

async fn zone(
    State(s): State<Services>,
    Path((gln, ext)): Path<(String, String)>,
    Query(q): Query<Asked>,
    headers: HeaderMap,
) -> Response {
    let found = async {
        gs1::parse_path(&["414", &gln, "254", &ext])?;
        for (c, g) in with_prefix(&s).await? {
            if g.gln() != gln {
                continue;
            }
            for z in s.store.zones_of(c.id).await? {
                if z.code
                    .as_deref()
                    .is_some_and(|code| Gs1::zone_extension(code) == ext)
                {
                    let code = z.code.unwrap_or_default();
                    return Ok((
                        g.zone_uri(&s.base_url, &code),
                        zone_links(&s, &c.code, &code),
                    ));
                }
            }
        }
        Err(Error::NotFound("zone"))
    };
    match found.await {
        Ok((anchor, links)) => answer(anchor, links, &q, &headers),
        Err(e) => reject(e, &headers),
    }
}

async fn lot(
    State(s): State<Services>,
    Path((gtin, lot)): Path<(String, String)>,
    Query(q): Query<Asked>,
    headers: HeaderMap,
) -> Response {
    let found = async {
        gs1::parse_path(&["01", &gtin, "10", &lot])?;
        let (tree, day) = lot.rsplit_once('-').ok_or(Error::NotFound("lot"))?;
        ledger::Date::parse_compact(day).map_err(|_| Error::NotFound("lot"))?;
        for (c, g) in with_prefix(&s).await? {
            if g.gtin() == gtin {
                let links = tree_links(&s, &c.code, tree, "").await?;
                return Ok((format!("{}/01/{gtin}/10/{lot}", s.base_url), links));
            }
        }
        Err(Error::NotFound("lot"))
    };
    match found.await {
        Ok((anchor, links)) => answer(anchor, links, &q, &headers),
        Err(e) => reject(e, &headers),
    }
}

async fn tree_id(
    State(s): State<Services>,
    Path((coop, tree)): Path<(String, String)>,
    Query(q): Query<Asked>,
    headers: HeaderMap,
) -> Response {
    match tree_links(&s, &coop, &tree, &q.sig).await {
        Ok(links) => answer(
            format!("{}/id/{coop}/tree/{tree}", s.base_url),
            links,
            &q,
            &headers,
        ),
        Err(e) => reject(e, &headers),
    }
}

async fn zone_id(
    State(s): State<Services>,
    Path((coop, zone)): Path<(String, String)>,
    Query(q): Query<Asked>,
    headers: HeaderMap,
) -> Response {
    let known = async {
        let c = s
            .store
            .cooperative_by_code(&coop)
            .await?
            .ok_or(Error::NotFound("cooperative"))?;
        let zones = s.store.zones_of(c.id).await?;
        zones
            .iter()
            .any(|z| z.code.as_deref() == Some(zone.as_str()))
            .then_some(())
            .ok_or(Error::NotFound("zone"))
    };
    match known.await {
        Ok(()) => answer(
            format!("{}/id/{coop}/zone/{zone}", s.base_url),
            zone_links(&s, &coop, &zone),
            &q,
            &headers,
        ),
        Err(e) => reject(e, &headers),
    }
}
