//! `/metrics` in Prometheus' text format, for operators: requests by route and status and
//! their latency (recorded by [`record`], a layer over every route), and read at scrape
//! time: the database pool, ledger entries, cooperatives, background jobs by state.
//!
//! Served only to this machine (a Prometheus agent or the operator over SSH): the public
//! reverse proxy forwards other clients with `X-Forwarded-For`, and those are refused.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::error::{Error, Result};
use crate::services::Services;

/// Installs the process-wide recorder; call once, at start-up.
pub fn install() -> Result<PrometheusHandle> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Suffix("_seconds".into()),
            &[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ],
        )
        .and_then(PrometheusBuilder::install_recorder)
        .map_err(|e| Error::Internal(format!("metrics recorder: {e}")))
}

/// Counts every request and times it, by route pattern (never the raw path: tree codes
/// would make the series unbounded), method and status.
pub async fn record(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = req.method().to_string();
    let start = Instant::now();
    let res = next.run(req).await;
    let labels = [
        ("route", route),
        ("method", method),
        ("status", res.status().as_u16().to_string()),
    ];
    metrics::counter!("goc_http_requests_total", &labels).increment(1);
    metrics::histogram!("goc_http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    res
}

/// The scrape endpoint.
pub async fn scrape(
    State((s, handle)): State<(Services, PrometheusHandle)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !peer.ip().to_canonical().is_loopback() || headers.contains_key("x-forwarded-for") {
        return (
            StatusCode::FORBIDDEN,
            "metrics are served to this machine only",
        )
            .into_response();
    }
    match gauges(&s).await {
        Ok(()) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            handle.render(),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn gauges(s: &Services) -> Result<()> {
    let (size, idle) = s.store.pool_stats();
    metrics::gauge!("goc_db_pool_connections").set(f64::from(size));
    metrics::gauge!("goc_db_pool_idle_connections").set(idle as f64);
    let (coops, entries) = s.store.log_totals().await?;
    metrics::gauge!("goc_cooperatives").set(coops as f64);
    metrics::gauge!("goc_ledger_entries").set(entries as f64);
    for (state, n) in s.store.jobs_by_state().await? {
        metrics::gauge!("goc_jobs", "state" => state).set(n as f64);
    }
    Ok(())
}
