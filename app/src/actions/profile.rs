//! What a cooperative shows buyers about its people (its story and each zone's caretaker)
//! and the world (its GS1 company prefix), the archive of everything it holds, the systems
//! that read its API, and the independent witnesses its log is submitted to.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use axum::{Form, Router};

use super::{context, AppState, Fields, Submission};
use crate::i18n::Msg;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/{coop}/story", post(story))
        .route("/manage/{coop}/gs1", post(gs1))
        .route("/manage/{coop}/zones/{zone}/caretaker", post(caretaker))
        .route("/manage/{coop}/export", post(export))
        .route("/manage/{coop}/api-tokens", post(issue_token))
        .route("/manage/{coop}/api-tokens/{id}/revoke", post(revoke_token))
        .route("/manage/{coop}/witnesses", post(add_witness))
        .route("/manage/{coop}/witnesses/remove", post(remove_witness))
        .route("/manage/{coop}/witnesses/quorum", post(witness_quorum))
}

/// An independent witness for the cooperative's log, by its key and address.
async fn add_witness(
    State(st): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, format!("/manage/{code}"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    let store = &sub.s().store;
    attempt!(
        sub,
        server::witness::submit::add(store, &actor, &coop, sub.get("vkey"), sub.get("url")).await
    );
    let text = Msg::WitnessAdded.text(sub.locale()).to_owned();
    sub.notice(text).await
}

async fn remove_witness(
    State(st): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, format!("/manage/{code}"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    attempt!(
        sub,
        server::witness::submit::remove(&sub.s().store, &actor, &coop, sub.get("name")).await
    );
    let text = Msg::WitnessRemoved.text(sub.locale()).to_owned();
    sub.notice(text).await
}

async fn witness_quorum(
    State(st): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, format!("/manage/{code}"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    let Ok(quorum) = sub.get("quorum").trim().parse::<i64>() else {
        return sub
            .refuse(server::Error::invalid(
                "Số nhân chứng cần xác nhận phải là một số nguyên",
                "The number of witnesses required must be a whole number",
            ))
            .await;
    };
    attempt!(
        sub,
        server::witness::submit::set_quorum(&sub.s().store, &actor, &coop, quorum).await
    );
    let text = Msg::Saved.text(sub.locale()).to_owned();
    sub.notice(text).await
}

/// A read-only API token for another system, shown once.
async fn issue_token(
    State(st): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, format!("/manage/{code}"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    let (_, token) = attempt!(
        sub,
        server::accounts::tokens::issue(&sub.s().store, &actor, &coop, sub.get("name")).await
    );
    let text = Msg::ApiTokenIssued.text(sub.locale()).to_owned();
    sub.notice_code(text, token, None).await
}

async fn revoke_token(
    State(st): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, format!("/manage/{code}"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    attempt!(
        sub,
        server::accounts::tokens::revoke(&sub.s().store, &actor, &coop, id).await
    );
    let text = Msg::ApiTokenRevoked.text(sub.locale()).to_owned();
    sub.notice(text).await
}

/// The whole record as a download, its keys sealed under the passphrase typed twice.
async fn export(
    State(st): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, format!("/manage/{code}"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    if sub.get("passphrase") != sub.get("passphrase2") {
        return sub
            .refuse(server::Error::invalid(
                "Hai lần nhập mật khẩu bảo vệ không khớp",
                "The two passphrases differ",
            ))
            .await;
    }
    let passphrase = secrecy::SecretString::from(sub.get("passphrase").to_owned());
    let s = sub.s().clone();
    attempt!(
        sub,
        server::http::archive_download(&s, &actor, &coop, &passphrase).await
    )
}

async fn story(
    State(st): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, format!("/manage/{code}"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    attempt!(
        sub,
        server::cooperatives::set_story(&sub.s().store, &actor, &coop, sub.get("story")).await
    );
    let text = Msg::Saved.text(sub.locale()).to_owned();
    sub.notice(text).await
}

async fn gs1(
    State(st): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, format!("/manage/{code}"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    attempt!(
        sub,
        server::cooperatives::set_gs1_prefix(&sub.s().store, &actor, &coop, sub.get("gs1")).await
    );
    let text = Msg::Saved.text(sub.locale()).to_owned();
    sub.notice(text).await
}

async fn caretaker(
    State(st): State<AppState>,
    Path((code, zone)): Path<(String, i64)>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, format!("/manage/{code}"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    attempt!(
        sub,
        server::cooperatives::set_caretaker(
            &sub.s().store,
            &actor,
            &coop,
            zone,
            sub.get("caretaker")
        )
        .await
    );
    let text = Msg::Saved.text(sub.locale()).to_owned();
    sub.notice(text).await
}
