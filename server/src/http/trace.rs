//! Recall and traceback for other systems and for the CSV a manager downloads: the
//! cooperative's managers only (the answers list buyers' contacts).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::openapi::Refusals;
use super::session::coop_for;
use crate::access::Action;
use crate::error::{Error, Result, Text};
use crate::services::Services;
use crate::trace::{self, RecallQuery};

pub fn router() -> Router<Services> {
    Router::new()
        .route("/api/v1/coops/{coop}/recall", get(recall_json))
        .route("/api/v1/coops/{coop}/recall.csv", get(recall_csv))
        .route(
            "/api/v1/coops/{coop}/trees/{tree}/traceback",
            get(traceback_json),
        )
        .route("/api/v1/coops/{coop}/recall.epcis.json", get(recall_epcis))
        .route("/api/v1/coops/{coop}/report", get(report_json))
        .route("/api/v1/coops/{coop}/reports/{part}", get(report_csv))
        .route(
            "/api/v1/coops/{coop}/trees/{tree}/epcis.json",
            get(tree_epcis),
        )
        .route(
            "/api/v1/coops/{coop}/zones/{zone}/epcis.json",
            get(zone_epcis),
        )
}

/// An EPCIS document as a download.
fn epcis(doc: &serde_json::Value, name: &str) -> Result<Response> {
    let body = serde_json::to_vec(doc).map_err(|e| Error::Internal(format!("EPCIS: {e}")))?;
    Ok(super::download(
        "application/ld+json",
        &format!("epcis-{name}.json"),
        body,
    ))
}

/// The recall as an EPCIS 2.0 document (docs/epcis.md).
#[utoipa::path(get, path = "/api/v1/coops/{coop}/recall.epcis.json", tag = "trace",
    params(("coop" = String, Path, description = "The cooperative's code", example = "NA-LH"), RecallParams), security(("session" = []), ("token" = [])),
    responses((status = 200, description = "An EPCIS 2.0 JSON-LD document", body = Object, content_type = "application/ld+json"), Refusals))]
async fn recall_epcis(
    State(s): State<Services>,
    Path(coop): Path<String>,
    Query(p): Query<RecallParams>,
    headers: HeaderMap,
) -> Result<Response> {
    let (actor, row) = coop_for(&s, &headers, &coop, Action::Trace).await?;
    let r = trace::recall(&s, &actor, &row, p.query()?).await?;
    let doc = trace::epcis::recall_document(&s, &actor, &row, &r).await?;
    epcis(
        &doc,
        &format!("{coop}-{}", trace::facts::key(&r.query.lot).to_lowercase()),
    )
}

/// A tree's whole history as an EPCIS 2.0 document.
#[utoipa::path(get, path = "/api/v1/coops/{coop}/trees/{tree}/epcis.json", tag = "trace",
    params(("coop" = String, Path, description = "The cooperative's code", example = "NA-LH"), ("tree" = String, Path, description = "The tree's code", example = "CC001")), security(("session" = []), ("token" = [])),
    responses((status = 200, description = "An EPCIS 2.0 JSON-LD document", body = Object, content_type = "application/ld+json"), Refusals))]
async fn tree_epcis(
    State(s): State<Services>,
    Path((coop, tree)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response> {
    let (actor, row) = coop_for(&s, &headers, &coop, Action::Trace).await?;
    let doc = trace::epcis::tree_document(&s, &actor, &row, &tree).await?;
    epcis(&doc, &format!("{coop}-{tree}"))
}

/// A zone's history (its trees') as an EPCIS 2.0 document.
#[utoipa::path(get, path = "/api/v1/coops/{coop}/zones/{zone}/epcis.json", tag = "trace",
    params(("coop" = String, Path, description = "The cooperative's code", example = "NA-LH"), ("zone" = i64, Path, description = "The zone's id")), security(("session" = []), ("token" = [])),
    responses((status = 200, description = "An EPCIS 2.0 JSON-LD document", body = Object, content_type = "application/ld+json"), Refusals))]
async fn zone_epcis(
    State(s): State<Services>,
    Path((coop, zone)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Result<Response> {
    let (actor, row) = coop_for(&s, &headers, &coop, Action::Trace).await?;
    let doc = trace::epcis::zone_document(&s, &actor, &row, zone).await?;
    epcis(&doc, &format!("{coop}-zone-{zone}"))
}

/// A recall's question as a query string: `?lot=RG-2401&product=Regent&days=60`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecallParams {
    /// The input's lot number as the diary recorded it (compared by letters and digits,
    /// case and width ignored).
    #[serde(default)]
    #[param(
        required = true,
        example = "AB-2610-07",
        min_length = 1,
        max_length = 80
    )]
    pub lot: String,
    /// Any part of the product's name, to narrow the lot.
    #[serde(default)]
    #[param(max_length = 120)]
    pub product: String,
    /// Days after an application whose harvests are at risk (1–365, default 60).
    #[serde(default)]
    #[param(example = "60")]
    pub days: String,
}

impl RecallParams {
    pub fn query(&self) -> Result<RecallQuery> {
        RecallQuery::parse(&self.lot, &self.product, &self.days)
    }

    /// The question as a query string (`lot=…&product=…&days=…`), for links to the same
    /// recall as a page or a CSV.
    pub fn to_query(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("lot", &self.lot)
            .append_pair("product", &self.product)
            .append_pair("days", &self.days)
            .finish()
    }
}

async fn run(
    s: &Services,
    headers: &HeaderMap,
    coop: &str,
    p: &RecallParams,
) -> Result<trace::Recall> {
    let (actor, coop) = coop_for(s, headers, coop, Action::Trace).await?;
    trace::recall(s, &actor, &coop, p.query()?).await
}

/// From an input lot downstream: every tree it touched and when, their harvests inside the
/// risk window, and the adopters and shipments that received fruit from them.
#[utoipa::path(get, path = "/api/v1/coops/{coop}/recall", tag = "trace",
    params(("coop" = String, Path, description = "The cooperative's code", example = "NA-LH"), RecallParams), security(("session" = []), ("token" = [])),
    responses((status = 200, description = "The recall", body = RecallAnswer), Refusals))]
async fn recall_json(
    State(s): State<Services>,
    Path(coop): Path<String>,
    Query(p): Query<RecallParams>,
    headers: HeaderMap,
) -> Result<Response> {
    let r = run(&s, &headers, &coop, &p).await?;
    let answer = RecallAnswer {
        trees: r.trees().into_iter().map(str::to_owned).collect(),
        grams_at_risk: r.grams_at_risk(),
        recall: r,
    };
    Ok(([(header::CACHE_CONTROL, "private, no-store")], Json(answer)).into_response())
}

/// A recall's answer, with its totals.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RecallAnswer {
    /// The trees the lot touched (withdrawn entries not counted).
    pub trees: Vec<String>,
    /// Grams harvested inside a risk window (withdrawn harvests not counted).
    pub grams_at_risk: i64,
    pub recall: trace::Recall,
}

/// The recall as a spreadsheet (UTF-8 with a byte-order mark).
#[utoipa::path(get, path = "/api/v1/coops/{coop}/recall.csv", tag = "trace",
    params(("coop" = String, Path, description = "The cooperative's code", example = "NA-LH"), RecallParams), security(("session" = []), ("token" = [])),
    responses((status = 200, description = "One row per entry, harvest and adopter", body = String, content_type = "text/csv"), Refusals))]
async fn recall_csv(
    State(s): State<Services>,
    Path(coop): Path<String>,
    Query(p): Query<RecallParams>,
    headers: HeaderMap,
) -> Result<Response> {
    let r = run(&s, &headers, &coop, &p).await?;
    let name = trace::facts::key(&r.query.lot).to_lowercase();
    Ok(super::download(
        "text/csv; charset=utf-8",
        &format!("thu-hoi-{coop}-{name}.csv"),
        trace::recall_csv(&r)?,
    ))
}

/// A traceback's question: `?until=2026-06-30&days=120` (today and 120 days by default).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TracebackParams {
    /// The harvest's day, YYYY-MM-DD (default today).
    #[serde(default)]
    pub until: String,
    /// How many days before it (1–730, default 120).
    #[serde(default)]
    pub days: String,
}

impl TracebackParams {
    /// The day to trace back from and how many days before it.
    pub fn parse(&self) -> Result<(ledger::Date, i64)> {
        let until = match self.until.trim() {
            "" => ledger::Date::from_unix_ms(crate::clock::now_ms()),
            d => ledger::Date::parse_iso(d).map_err(|_| {
                Error::Invalid(Text::new(
                    "Ngày không hợp lệ (YYYY-MM-DD).",
                    "Not a valid date (YYYY-MM-DD).",
                ))
            })?,
        };
        let days = match self.days.trim() {
            "" => 120,
            d => d
                .parse::<i64>()
                .ok()
                .filter(|d| (1..=730).contains(d))
                .ok_or_else(|| {
                    Error::Invalid(Text::new(
                        "Số ngày truy ngược phải từ 1 đến 730.",
                        "Trace back 1 to 730 days.",
                    ))
                })?,
        };
        Ok((until, days))
    }
}

/// From a tree (and a harvest's day) upstream: every input and harvest before it.
#[utoipa::path(get, path = "/api/v1/coops/{coop}/trees/{tree}/traceback", tag = "trace",
    params(("coop" = String, Path, description = "The cooperative's code", example = "NA-LH"), ("tree" = String, Path, description = "The tree's code", example = "CC001"), TracebackParams), security(("session" = []), ("token" = [])),
    responses((status = 200, description = "The traceback", body = trace::Traceback), Refusals))]
async fn traceback_json(
    State(s): State<Services>,
    Path((coop, tree)): Path<(String, String)>,
    Query(p): Query<TracebackParams>,
    headers: HeaderMap,
) -> Result<Response> {
    let (actor, coop) = coop_for(&s, &headers, &coop, Action::Trace).await?;
    let (until, days) = p.parse()?;
    let t = trace::traceback(&s, &actor, &coop, &tree, until, days).await?;
    Ok(([(header::CACHE_CONTROL, "private, no-store")], Json(t)).into_response())
}

/// A report's question: `?from=2026-01-01&to=2026-06-30&zone=3&price=40000&idle=14`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// First day, YYYY-MM-DD (default: 1 January of this year).
    #[serde(default)]
    pub from: String,
    /// Last day, YYYY-MM-DD (default: today).
    #[serde(default)]
    pub to: String,
    /// One zone's id (default: the whole cooperative).
    #[serde(default)]
    pub zone: String,
    /// The local price of the fruit, VND per kg, for the fruit-only baseline.
    #[serde(default)]
    pub price: String,
    /// Trees without care for this many days are listed (1–365, default 14).
    #[serde(default)]
    pub idle: String,
}

impl ReportParams {
    pub fn query(&self) -> Result<crate::reports::ReportQuery> {
        crate::reports::ReportQuery::parse(
            &self.from,
            &self.to,
            &self.zone,
            &self.price,
            &self.idle,
        )
    }

    /// The question as a query string, for the CSV links.
    pub fn to_query(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("from", &self.from)
            .append_pair("to", &self.to)
            .append_pair("zone", &self.zone)
            .append_pair("price", &self.price)
            .append_pair("idle", &self.idle)
            .finish()
    }
}

/// The season report: trees, adoption, revenue against the fruit-only baseline, harvest,
/// diary activity, idle trees, pre-harvest-interval violations, care requests.
#[utoipa::path(get, path = "/api/v1/coops/{coop}/report", tag = "trace",
    params(("coop" = String, Path, description = "The cooperative's code", example = "NA-LH"), ReportParams), security(("session" = []), ("token" = [])),
    responses((status = 200, description = "The report", body = crate::reports::SeasonReport), Refusals))]
async fn report_json(
    State(s): State<Services>,
    Path(coop): Path<String>,
    Query(p): Query<ReportParams>,
    headers: HeaderMap,
) -> Result<Response> {
    let (actor, row) = coop_for(&s, &headers, &coop, Action::Trace).await?;
    let r = crate::reports::season(&s, &actor, &row, &p.query()?).await?;
    Ok(([(header::CACHE_CONTROL, "private, no-store")], Json(r)).into_response())
}

/// `/reports/{trees|zones|varieties|activity|idle|violations}.csv`
/// One part of the season report as a spreadsheet.
#[utoipa::path(get, path = "/api/v1/coops/{coop}/reports/{part}", tag = "trace",
    params(("coop" = String, Path, description = "The cooperative's code", example = "NA-LH"), ("part" = String, Path, description = "trees.csv, zones.csv, varieties.csv, activity.csv, idle.csv or violations.csv", example = "zones.csv"), ReportParams),
    security(("session" = []), ("token" = [])),
    responses((status = 200, description = "The part, UTF-8 with a byte-order mark", body = String, content_type = "text/csv"), Refusals))]
async fn report_csv(
    State(s): State<Services>,
    Path((coop, part)): Path<(String, String)>,
    Query(p): Query<ReportParams>,
    headers: HeaderMap,
) -> Result<Response> {
    let part = part
        .strip_suffix(".csv")
        .ok_or(Error::NotFound("report part"))?;
    let (actor, row) = coop_for(&s, &headers, &coop, Action::Trace).await?;
    let r = crate::reports::season(&s, &actor, &row, &p.query()?).await?;
    Ok(super::download(
        "text/csv; charset=utf-8",
        &format!("bao-cao-{coop}-{part}.csv"),
        r.csv(part)?,
    ))
}
