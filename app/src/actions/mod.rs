//! What the pages' forms post to. Each handler does one domain operation; on success it
//! redirects (so reloading never posts twice), on refusal it renders the same page again
//! with the message in the reader's language and what they typed.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{FromRef, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use leptos::prelude::*;
use server::access::{Actor, Role};
use server::error::Lang;
use server::http::{cookies, csrf, session};
use server::{accounts, cooperatives, trees, zones, Error, Services};

use crate::forms::FormState;
use crate::i18n::{Locale, Msg};
use crate::shell;

/// The state the whole router shares: Leptos' options for pages, services for the rest.
#[derive(Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub services: Services,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos.clone()
    }
}

type Fields = HashMap<String, String>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signup", post(signup))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/join", post(join))
        .route("/reset", post(reset_password))
        .route("/account", post(change_password))
        .route("/manage", post(create_cooperative))
        .route("/admin/species", post(add_species))
        .route(
            "/admin/cooperatives/{coop}/approve",
            post(approve_cooperative),
        )
        .route("/adopt/{offer}", post(adopt))
        .route("/manage/{coop}/zones", post(add_zone))
        .route("/manage/{coop}/trees", post(add_tree))
        .route("/manage/{coop}/members", post(invite_member))
        .route(
            "/manage/{coop}/members/{user}/{action}",
            post(member_action),
        )
        .route(
            "/manage/{coop}/invitations/{id}/{action}",
            post(invitation_action),
        )
        .route("/manage/{coop}/key", post(rotate_key))
        .route("/manage/{coop}/key/lost", post(replace_lost_key))
        .route(
            "/manage/{coop}/import",
            post(import_trees).layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/manage/{coop}/import/template.csv", get(import_template))
        .route("/manage/{coop}/labels.pdf", post(labels_pdf))
        .route("/manage/{coop}/jobs/{job}/file", get(job_file))
        .route("/manage/{coop}/t/{tree}/status", post(tree_status))
        .route("/manage/{coop}/t/{tree}/offer", post(publish_offer))
        .route(
            "/manage/{coop}/t/{tree}/photos",
            post(add_photo).layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route(
            "/farm/{coop}/log",
            post(log_care).layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/manage/{coop}/t/{tree}/label.png", get(tree_label))
        .route("/manage/{coop}/t/{tree}/label.svg", get(tree_label))
        .merge(market::routes())
        .merge(profile::routes())
}

/// One submission: who sent it, from which page, with what.
struct Submission {
    state: AppState,
    headers: HeaderMap,
    /// The page the form is on (handlers post to `page + suffix`).
    page: String,
    fields: Fields,
}

impl Submission {
    fn new(state: AppState, headers: HeaderMap, page: impl Into<String>, fields: Fields) -> Self {
        Self {
            state,
            headers,
            page: page.into(),
            fields,
        }
    }

    fn s(&self) -> &Services {
        &self.state.services
    }

    fn get(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }

    fn lang(&self) -> Lang {
        Lang::of(&self.headers)
    }

    fn locale(&self) -> Locale {
        self.lang().into()
    }

    async fn actor(&self) -> Result<Actor, Error> {
        session::actor(self.s(), &self.headers)
            .await?
            .ok_or(Error::Unauthorized)
    }

    /// The page again, with the refusal and the typed values.
    async fn refuse(self, err: Error) -> Response {
        let status = err.status();
        if status.is_server_error() {
            tracing::error!(error = %err, "form failed");
        }
        let retry_after = match err {
            Error::TooManyRequests(s) => Some(HeaderValue::from(s)),
            _ => None,
        };
        let state = FormState {
            form: self.get("form").to_owned(),
            error: Some(err.public_text().get(self.lang()).to_owned()),
            values: self.fields.clone(),
            ..FormState::default()
        };
        let mut res = self.render(state, status).await;
        if let Some(v) = retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }

    /// The page again with a message of success.
    async fn notice(self, text: String) -> Response {
        let state = FormState {
            form: self.get("form").to_owned(),
            notice: Some(text),
            ..FormState::default()
        };
        self.render(state, StatusCode::OK).await
    }

    /// The page again with a one-time code to hand over (shown once: only its hash is
    /// stored), with the link that carries it, if any.
    async fn notice_code(self, text: String, code: String, link: Option<String>) -> Response {
        let state = FormState {
            form: self.get("form").to_owned(),
            notice: Some(text),
            code: Some((code, link)),
            ..FormState::default()
        };
        let mut res = self.render(state, StatusCode::OK).await;
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }

    async fn render(self, state: FormState, status: StatusCode) -> Response {
        let mut req = Request::new(Body::empty());
        *req.method_mut() = Method::GET;
        *req.uri_mut() = self.page.parse().unwrap_or_else(|_| Uri::from_static("/"));
        *req.headers_mut() = self.headers.clone();
        req.headers_mut().remove(header::CONTENT_TYPE);
        req.headers_mut().remove(header::CONTENT_LENGTH);
        if let Some(nonce) =
            cookies::get(&self.headers, &csrf::cookie_name(self.s().secure_cookies))
        {
            let token = self.s().csrf.token(nonce);
            req.extensions_mut().insert(csrf::CsrfToken(token));
        }
        let services = self.state.services.clone();
        let options = self.state.leptos.clone();
        let handler = leptos_axum::render_app_async_with_context(
            move || {
                provide_context(services.clone());
                provide_context(state.clone());
            },
            move || shell(options.clone()),
        );
        let mut res = handler(req).await;
        *res.status_mut() = status;
        res
    }
}

fn see_other(to: &str, cookie: Option<HeaderValue>) -> Response {
    let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response();
    if let Some(c) = cookie {
        res.headers_mut().insert(header::SET_COOKIE, c);
    }
    res
}

/// Runs `op`; a refusal renders the form's page again.
macro_rules! attempt {
    ($sub:expr, $op:expr) => {
        match $op {
            Ok(v) => v,
            Err(e) => return $sub.refuse(e).await,
        }
    };
}

async fn signup(State(st): State<AppState>, headers: HeaderMap, Form(f): Form<Fields>) -> Response {
    let sub = Submission::new(st, headers, "/signup", f);
    let session = attempt!(
        sub,
        accounts::sign_up(
            &sub.s().store,
            sub.get("identifier"),
            sub.get("name"),
            sub.get("password")
        )
        .await
    );
    let next = match sub.get("next") {
        "" => "/manage".to_owned(),
        n => server::http::redirect::same_site_path(Some(n)),
    };
    see_other(&next, Some(session::start(sub.s(), &session)))
}

async fn login(
    State(st): State<AppState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, "/login", f);
    let client = session::client(sub.s(), Some(peer), &sub.headers);
    let session = attempt!(
        sub,
        accounts::log_in_from(
            &sub.s().store,
            sub.get("identifier"),
            sub.get("password"),
            &client
        )
        .await
    );
    let next = match sub.get("next") {
        "" => "/manage".to_owned(),
        n => server::http::redirect::same_site_path(Some(n)),
    };
    let mut res = see_other(&next, Some(session::start(sub.s(), &session)));
    if let Ok(device) = session::remember_device(sub.s(), session.user_id) {
        res.headers_mut().append(header::SET_COOKIE, device);
    }
    res
}

async fn logout(State(st): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = session::token(&st.services, &headers) {
        if let Err(e) = accounts::log_out(&st.services.store, token).await {
            return e.into_response();
        }
    }
    see_other("/", Some(session::end(&st.services)))
}

/// Accepts an invitation: with one tap when signed in, or by signing up with the invited
/// phone number.
async fn join(State(st): State<AppState>, headers: HeaderMap, Form(f): Form<Fields>) -> Response {
    use accounts::invitations;
    let code = f.get("code").cloned().unwrap_or_default();
    let sub = Submission::new(
        st,
        headers,
        format!("/join?code={}", crate::forms::urlencode(&code)),
        f,
    );
    let store = &sub.s().store;
    let me = attempt!(sub, session::actor(sub.s(), &sub.headers).await);
    let (cookie, joined) = match me {
        Some(me) => (
            None,
            attempt!(sub, invitations::accept(store, &me, &code).await),
        ),
        None => {
            let (session, joined) = attempt!(
                sub,
                invitations::sign_up_and_accept(
                    store,
                    sub.get("phone"),
                    sub.get("name"),
                    sub.get("password"),
                    &code
                )
                .await
            );
            (Some(session::start(sub.s(), &session)), joined)
        }
    };
    // A new member lands on their cooperative, not on "register a cooperative": a farmer
    // on their trees, a manager on the cooperative's working page.
    let home = if joined.role == "farmer" {
        "farm"
    } else {
        "manage"
    };
    see_other(&format!("/{home}/{}?done=joined", joined.coop_code), cookie)
}

async fn reset_password(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, "/reset", f);
    let session = attempt!(
        sub,
        accounts::recovery::reset_password(
            &sub.s().store,
            sub.get("identifier"),
            sub.get("code"),
            sub.get("password")
        )
        .await
    );
    see_other("/manage", Some(session::start(sub.s(), &session)))
}

async fn change_password(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, "/account", f);
    let actor = attempt!(sub, sub.actor().await);
    let token = session::token(sub.s(), &sub.headers)
        .unwrap_or_default()
        .to_owned();
    attempt!(
        sub,
        accounts::change_password(
            &sub.s().store,
            &actor,
            &token,
            sub.get("current"),
            sub.get("new")
        )
        .await
    );
    let done = Msg::PasswordChanged.text(sub.locale()).to_owned();
    sub.notice(done).await
}

async fn create_cooperative(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, "/manage", f);
    let actor = attempt!(sub, sub.actor().await);
    let new = attempt!(
        sub,
        cooperatives::NewCooperative::parse(
            sub.get("code"),
            sub.get("name"),
            (sub.get("province"), sub.get("district"), sub.get("commune")),
            sub.get("contact"),
            Some(sub.get("gs1")),
        )
    );
    let s = sub.s();
    attempt!(
        sub,
        cooperatives::create(&s.store, &s.sealer, &s.origin_prefix, &actor, new).await
    );
    see_other(&format!("/manage/{}", sub.get("code").trim()), None)
}

/// The cooperative a manage form is about, and the person submitting it.
async fn context(
    sub: &Submission,
    coop: &str,
) -> Result<(Actor, server::store::CooperativeRow), Error> {
    signed_in_at(sub.s(), &sub.headers, coop).await
}

/// The signed-in person and the cooperative `code` their request is about (what they may
/// do there, each domain operation checks).
async fn signed_in_at(
    s: &Services,
    headers: &HeaderMap,
    code: &str,
) -> Result<(Actor, server::store::CooperativeRow), Error> {
    let actor = session::actor(s, headers)
        .await?
        .ok_or(Error::Unauthorized)?;
    let coop = cooperatives::by_code(&s.store, code).await?;
    Ok((actor, coop))
}

fn number<T: std::str::FromStr>(value: &str, vi: &str, en: &str) -> Result<T, Error> {
    server::text::number_text(value).parse().map_err(|_| {
        Error::invalid(
            format!("{vi} phải là một số"),
            format!("{en} must be a number"),
        )
    })
}

async fn add_zone(
    State(st): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, format!("/manage/{code}"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    let area: f64 = attempt!(sub, number(sub.get("area_ha"), "Diện tích", "Area"));
    let households = if sub.get("households").trim().is_empty() {
        0
    } else {
        attempt!(sub, number(sub.get("households"), "Số hộ", "Households"))
    };
    let crops: Vec<&str> = sub.get("crops").split(',').collect();
    let code_in = Some(sub.get("code"));
    let mut zone = attempt!(
        sub,
        zones::NewZone::parse(code_in, sub.get("name"), &crops, area, households)
    );
    if !sub.get("boundary").trim().is_empty() {
        zone.boundary = Some(attempt!(sub, server::boundary::parse(sub.get("boundary"))));
    }
    attempt!(
        sub,
        zones::create(&sub.s().store, &actor, &coop, zone).await
    );
    see_other(&format!("/manage/{code}?done=zone_added#zones"), None)
}

async fn add_tree(
    State(st): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, format!("/manage/{code}"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    let zone_id: i64 = attempt!(sub, number(sub.get("zone"), "Vùng trồng", "Zone"));
    let zones = attempt!(sub, sub.s().store.zones_of(coop.id).await);
    let Some(zone) = zones.into_iter().find(|z| z.id == zone_id) else {
        return sub.refuse(Error::NotFound("zone")).await;
    };
    let location = match (sub.get("lat").trim(), sub.get("lon").trim()) {
        ("", "") => None,
        (lat, lon) => Some((
            attempt!(sub, number(lat, "Vĩ độ", "Latitude")),
            attempt!(sub, number(lon, "Kinh độ", "Longitude")),
        )),
    };
    let tree_code = match sub.get("code").trim() {
        "" => attempt!(sub, trees::next_code(&sub.s().store, &coop).await),
        given => given.to_owned(),
    };
    let tree = attempt!(
        sub,
        trees::NewTree::parse(
            &tree_code,
            sub.get("species"),
            sub.get("variety"),
            sub.get("planted_on"),
            location
        )
    );
    attempt!(
        sub,
        trees::create(&sub.s().store, &sub.s().sealer, &actor, &coop, &zone, tree).await
    );
    see_other(&format!("/manage/{code}?done=tree_added#trees"), None)
}

async fn invite_member(
    State(st): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, format!("/manage/{code}"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    let role = attempt!(sub, Role::parse(sub.get("role")));
    let invited = attempt!(
        sub,
        accounts::invitations::invite(
            &sub.s().store,
            &actor,
            &coop,
            sub.get("phone"),
            sub.get("name"),
            role
        )
        .await
    );
    let text = Msg::InviteGiven.text(sub.locale()).to_owned();
    let link = format!("{}/join?code={}", sub.s().base_url, invited.code);
    sub.notice_code(text, invited.code, Some(link)).await
}

/// Removing a member, or issuing their password reset code.
async fn member_action(
    State(st): State<AppState>,
    Path((code, user, action)): Path<(String, i64, String)>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, format!("/manage/{code}"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    let store = &sub.s().store;
    match action.as_str() {
        "remove" => {
            attempt!(
                sub,
                accounts::invitations::remove_member(store, &actor, &coop, user).await
            );
            see_other(&format!("/manage/{code}?done=member_removed#members"), None)
        }
        "reset" => {
            let reset = attempt!(
                sub,
                accounts::recovery::issue_reset(store, &actor, &coop, user).await
            );
            let text = Msg::ResetGiven.text(sub.locale()).to_owned();
            sub.notice_code(text, reset, None).await
        }
        _ => sub.refuse(Error::NotFound("action")).await,
    }
}

/// A new code for an invitation, or withdrawing it.
async fn invitation_action(
    State(st): State<AppState>,
    Path((code, id, action)): Path<(String, i64, String)>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    use accounts::invitations;
    let sub = Submission::new(st, headers, format!("/manage/{code}"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    let store = &sub.s().store;
    match action.as_str() {
        "reissue" => {
            let invited = attempt!(sub, invitations::reissue(store, &actor, &coop, id).await);
            let text = Msg::InviteGiven.text(sub.locale()).to_owned();
            let link = format!("{}/join?code={}", sub.s().base_url, invited.code);
            sub.notice_code(text, invited.code, Some(link)).await
        }
        "withdraw" => {
            attempt!(sub, invitations::withdraw(store, &actor, &coop, id).await);
            see_other(
                &format!("/manage/{code}?done=invitation_withdrawn#members"),
                None,
            )
        }
        _ => sub.refuse(Error::NotFound("action")).await,
    }
}

async fn rotate_key(
    State(st): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, format!("/manage/{code}"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    attempt!(
        sub,
        actor.require(coop.id, server::access::Action::ManageCooperative)
    );
    if sub.get("confirm") != "1" {
        let e = Error::invalid(
            "Hãy đánh dấu ô xác nhận: đổi khoá là việc không hoàn tác được.",
            "Tick the confirmation box: a key rotation cannot be undone.",
        );
        return sub.refuse(e).await;
    }
    attempt!(
        sub,
        cooperatives::rotate_key(&sub.s().store, &sub.s().sealer, &actor, &coop).await
    );
    see_other(&format!("/manage/{code}?done=key_rotated"), None)
}

/// A platform administrator replaces a cooperative's lost or stolen key (the platform key
/// signs the rotation).
async fn replace_lost_key(
    State(st): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, format!("/manage/{code}"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    if !actor.is_admin {
        return sub.refuse(Error::Forbidden).await;
    }
    if sub.get("confirm") != "1" {
        let e = Error::invalid(
            "Hãy đánh dấu ô xác nhận: đổi khoá là việc không hoàn tác được.",
            "Tick the confirmation box: a key rotation cannot be undone.",
        );
        return sub.refuse(e).await;
    }
    attempt!(
        sub,
        cooperatives::replace_lost_key(&sub.s().store, &sub.s().sealer, &actor, &coop).await
    );
    see_other(&format!("/manage/{code}?done=key_rotated"), None)
}

/// Checks an uploaded CSV; with errors (and no choice to skip them) shows the report and
/// stores nothing, otherwise starts the import and shows its progress.
async fn import_trees(
    State(st): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    mut multipart: axum::extract::Multipart,
) -> Response {
    let mut fields = Fields::from([("form".to_owned(), "import".to_owned())]);
    let mut file = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        match field.bytes().await {
            Ok(b) if name == "file" => file = b.to_vec(),
            Ok(b) => {
                fields.insert(name, String::from_utf8_lossy(&b).into_owned());
            }
            Err(e) => {
                let sub = Submission::new(st, headers, format!("/manage/{code}"), fields);
                return sub.refuse(upload_failed(&e)).await;
            }
        }
    }
    let sub = Submission::new(st, headers, format!("/manage/{code}"), fields);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    let plan = attempt!(
        sub,
        server::import::plan(&sub.s().store, &actor, &coop, &file).await
    );
    let l = sub.locale();
    if !plan.errors.is_empty() && sub.get("skip_errors").is_empty() {
        let lang = sub.lang();
        let state = FormState {
            form: "import".into(),
            error: Some(format!(
                "{} {}",
                plan.errors.len(),
                Msg::ImportErrors.text(l)
            )),
            report: plan
                .errors
                .iter()
                .take(500)
                .map(|e| format!("{} {}: {}", Msg::Line.text(l), e.line, e.text.get(lang)))
                .collect(),
            ..FormState::default()
        };
        return sub.render(state, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let s = sub.s().clone();
    let total = plan.trees.len();
    let job = attempt!(
        sub,
        s.jobs
            .clone()
            .spawn(coop.id, total, move |progress| async move {
                server::import::run(&s.store, &s.sealer, &actor, &coop, plan.trees, progress)
                    .await
                    .map(Into::into)
            })
            .await
    );
    see_other(&format!("/manage/{code}/jobs/{job}"), None)
}

/// The CSV template to fill in (the same for every cooperative; under /manage so that
/// only members come across it).
async fn import_template() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"mau-nhap-cay.csv\"",
            ),
        ],
        server::import::template(),
    )
        .into_response()
}

/// Largest upload (a photo or a CSV of 20,000 rows fits well inside).
const MAX_UPLOAD: usize = 16 << 20;

/// Why an upload could not be read: too large (413), or cut off.
fn upload_failed(e: &axum::extract::multipart::MultipartError) -> Error {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Error::too_large(
            "Tệp lớn quá 16 MB; hãy chọn tệp nhỏ hơn",
            "The file is larger than 16 MB; choose a smaller one",
        )
    } else {
        Error::invalid(
            format!("Tải lên bị gián đoạn: {e}"),
            format!("The upload was interrupted: {e}"),
        )
    }
}

/// Up to this many labels are rendered while the browser waits (well under a second);
/// more become a background job with a progress page.
const LABELS_INLINE: usize = 300;

/// A PDF of the selected trees' labels. Rendering runs off the async threads, so even a
/// large batch does not hold up other requests.
async fn labels_pdf(
    State(st): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    use server::labels::{self, Format, Selection};
    let sub = Submission::new(st, headers, format!("/manage/{code}"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    let get = |k: &str| Some(sub.get(k).trim()).filter(|v| !v.is_empty());
    let format = attempt!(sub, Format::parse(get("format").unwrap_or("a4-3x8")));
    let zone_id = match get("zone") {
        Some(z) => Some(attempt!(sub, number(z, "Vùng trồng", "Zone"))),
        None => None,
    };
    let selection = Selection {
        zone_id,
        species: get("species").map(str::to_owned),
        codes: get("trees")
            .map(|t| {
                t.split(',')
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        include_removed: false,
        digital_link: get("dl").is_some(),
    };
    let s = sub.s().clone();
    let chosen = attempt!(
        sub,
        labels::collect(&s.store, &s.base_url, &actor, &coop, &selection).await
    );
    let name = format!("{}-labels-{}.pdf", coop.code, format.key());
    if chosen.len() > labels::MAX_BATCH {
        let e = labels::render_pdf_queued(format, chosen, |_| ())
            .await
            .unwrap_err();
        return sub.refuse(e).await;
    }
    if chosen.len() <= LABELS_INLINE {
        let pdf = attempt!(sub, labels::render_pdf_queued(format, chosen, |_| ()).await);
        return download(&name, pdf);
    }
    let total = chosen.len();
    let job = attempt!(
        sub,
        s.jobs
            .spawn(coop.id, total, move |progress| async move {
                let bytes =
                    labels::render_pdf_queued(format, chosen, move |n| progress.set(n)).await?;
                Ok(server::jobs::Done {
                    count: total,
                    file: Some(server::jobs::File {
                        name,
                        content_type: "application/pdf".into(),
                        bytes,
                    }),
                })
            })
            .await
    );
    see_other(&format!("/manage/{code}/jobs/{job}"), None)
}

fn download(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The file a finished job produced (label sheets: the same right as printing them).
async fn job_file(
    State(st): State<AppState>,
    Path((code, job)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let s = &st.services;
    let (actor, coop) = signed_in_at(s, &headers, &code).await?;
    let f = s.jobs.file(&actor, coop.id, &job).await?;
    Ok(download(&f.name, f.bytes))
}

/// A buyer confirms an adoption: the tree is held for them and they go to their order.
async fn adopt(
    State(st): State<AppState>,
    Path(offer): Path<i64>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, format!("/adopt/{offer}"), f);
    let actor = attempt!(sub, sub.actor().await);
    match attempt!(sub, server::market::hold(sub.s(), &actor, offer).await) {
        server::store::Hold::Held(order) => see_other(&format!("/orders/{}", order.code), None),
        server::store::Hold::Taken => {
            let taken = Error::conflict(
                "Cây đã có người nhận nuôi (hoặc đang thanh toán) mùa này",
                "Someone has adopted this tree (or is paying for it) this season",
            );
            sub.refuse(taken).await
        }
    }
}

/// A manager offers one tree's season for adoption.
async fn publish_offer(
    State(st): State<AppState>,
    Path((code, tree)): Path<(String, String)>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, format!("/manage/{code}/t/{tree}"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    let number = |name: &str, (vi, en): (&str, &str)| -> Result<Option<f64>, Error> {
        let typed = server::text::amount_text(sub.get(name)).replace(',', ".");
        if typed.is_empty() {
            return Ok(None);
        }
        typed
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .map(Some)
            .ok_or_else(|| {
                Error::invalid(
                    format!("{vi}: hãy nhập một số"),
                    format!("{en}: enter a number"),
                )
            })
    };
    let offer = (|| {
        let kg = |name, label| number(name, label).map(|v| v.unwrap_or(0.0));
        let vnd = |name, label| number(name, label).map(|v| v.map(|v| v.round() as i64));
        let expected = (
            kg("min_kg", ("Sản lượng từ", "Expected from"))?,
            kg("max_kg", ("Sản lượng đến", "Expected to"))?,
        );
        let price = match vnd("price", ("Giá", "The price"))? {
            Some(p) => p,
            None => server::market::derived_price(
                expected,
                vnd("per_kg", ("Giá mỗi kg", "The price per kg"))?.unwrap_or(0),
                vnd("care", ("Tiền chăm sóc", "The care"))?.unwrap_or(0),
            ),
        };
        let includes: Vec<&str> = server::market::INCLUDES
            .iter()
            .copied()
            .filter(|k| sub.get(&format!("inc_{k}")) == "1")
            .collect();
        server::market::NewOffer::parse(
            sub.get("starts_on"),
            sub.get("ends_on"),
            price,
            expected,
            kg("guaranteed_kg", ("Mức đảm bảo", "The guarantee"))?,
            &includes,
            vnd("deliveries", ("Số lần giao", "Deliveries"))?.unwrap_or(0),
            sub.get("policy") == "refund",
            vnd("shortfall_per_kg", ("Giá bù mỗi kg", "The shortfall price"))?.unwrap_or(0),
        )
    })();
    let offer = attempt!(sub, offer);
    attempt!(
        sub,
        server::market::publish(sub.s(), &actor, &coop, &tree, &offer).await
    );
    see_other(
        &format!("/manage/{code}/t/{tree}?done=offer_published"),
        None,
    )
}

async fn tree_status(
    State(st): State<AppState>,
    Path((code, tree)): Path<(String, String)>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, format!("/manage/{code}/t/{tree}"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    let active = sub.get("active") == "1";
    attempt!(
        sub,
        trees::set_status(
            &sub.s().store,
            &actor,
            &coop,
            &tree,
            active,
            sub.get("reason")
        )
        .await
    );
    see_other(
        &format!("/manage/{code}/t/{tree}?done=status_changed"),
        None,
    )
}

async fn add_photo(
    State(st): State<AppState>,
    Path((code, tree)): Path<(String, String)>,
    headers: HeaderMap,
    mut multipart: axum::extract::Multipart,
) -> Response {
    let mut upload = Vec::new();
    let mut failed = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("photo") => match field.bytes().await {
                Ok(b) => upload = b.to_vec(),
                Err(e) => failed = Some(upload_failed(&e)),
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => {
                failed = Some(upload_failed(&e));
                break;
            }
        }
    }
    let fields = Fields::from([("form".to_owned(), "photo".to_owned())]);
    let sub = Submission::new(st, headers, format!("/manage/{code}/t/{tree}"), fields);
    if let Some(e) = failed {
        return sub.refuse(e).await;
    }
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    attempt!(
        sub,
        server::photos::add(sub.s(), &actor, &coop, &tree, upload).await
    );
    see_other(&format!("/manage/{code}/t/{tree}?done=photo_added"), None)
}

/// Care logged through the farmer's form without JavaScript (with it, `farm.js` queues the
/// entries and sends them to the sync API instead): one entry per tree chosen, photos
/// first, through the same checks as a phone's sync.
async fn log_care(
    State(st): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    mut multipart: axum::extract::Multipart,
) -> Response {
    use server::diary::{self, photos, Action as Care, Status, SyncRequest};
    let mut values: Vec<(String, String)> = Vec::new();
    let mut uploads: Vec<Vec<u8>> = Vec::new();
    let mut failed = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                let is_photo = name == "photo";
                match field.bytes().await {
                    // A form with no photo chosen still sends an empty file part.
                    Ok(b) if is_photo && !b.is_empty() => uploads.push(b.to_vec()),
                    Ok(_) if is_photo => {}
                    Ok(b) => values.push((name, String::from_utf8_lossy(&b).into_owned())),
                    Err(e) => failed = Some(upload_failed(&e)),
                }
            }
            Ok(None) => break,
            Err(e) => {
                failed = Some(upload_failed(&e));
                break;
            }
        }
    }
    // Several kinds share field names; the chosen kind's is the one filled in.
    let first = |name: &str| {
        values
            .iter()
            .find(|(n, v)| n == name && !v.trim().is_empty())
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let trees: Vec<String> = values
        .iter()
        .filter(|(n, v)| n == "tree" && !v.is_empty())
        .map(|(_, v)| v.clone())
        .collect();
    // Back to the page the form was on: one of this cooperative's farm pages, nothing else.
    let home = format!("/farm/{code}");
    let page = Some(first("page"))
        .filter(|p| {
            p == &home
                || p.strip_prefix(&format!("{home}/t/")).is_some_and(|t| {
                    !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
        })
        .unwrap_or(home);
    let mut fields: Fields = values.iter().map(|(n, _)| (n.clone(), first(n))).collect();
    fields.insert("form".into(), "log".into());
    fields.insert("tree".into(), trees.join(","));
    let sub = Submission::new(st, headers, page.clone(), fields);
    if let Some(e) = failed {
        return sub.refuse(e).await;
    }
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    if trees.is_empty() {
        return sub
            .refuse(Error::invalid(
                "Hãy chọn ít nhất một cây",
                "Choose at least one tree",
            ))
            .await;
    }
    let kind = first("kind");
    let corrects = first("corrects");
    let action = if corrects.is_empty() {
        attempt!(sub, diary::action::from_form(&kind, first))
    } else {
        let replacement = if kind.is_empty() {
            None
        } else {
            Some(Box::new(attempt!(
                sub,
                diary::action::from_form(&kind, first)
            )))
        };
        Care::Correction {
            corrects,
            reason: first("reason"),
            replacement,
        }
    };
    let mut names = Vec::new();
    for bytes in uploads {
        let name = photos::name_of(&bytes);
        attempt!(
            sub,
            photos::upload(sub.s(), &actor, &coop.code, &name, bytes).await
        );
        names.push(name);
    }
    let location = match (first("lat").parse::<f64>(), first("lon").parse::<f64>()) {
        (Ok(lat), Ok(lon)) => serde_json::json!({ "lat": lat, "lon": lon }),
        _ => serde_json::Value::Null,
    };
    let form_id = first("form_id");
    let mut entries = Vec::with_capacity(trees.len());
    for t in &trees {
        let Some((id, at)) = diary::form_entry(&form_id, t) else {
            return sub
                .refuse(Error::invalid(
                    "Biểu mẫu đã cũ; hãy tải lại trang và ghi lại",
                    "The form is out of date; reload the page and enter it again",
                ))
                .await;
        };
        let mut e = serde_json::json!({
            "id": id, "tree": t, "recorded_at": at, "action": action, "photos": names,
        });
        if !location.is_null() {
            e["location"] = location.clone();
        }
        entries.push(e);
    }
    let acks = attempt!(
        sub,
        diary::sync_all(
            sub.s(),
            &actor,
            SyncRequest {
                coop: coop.code.clone(),
                entries
            }
        )
        .await
    );
    if let Some(conflict) = acks.iter().find(|a| a.status == Status::Conflict) {
        let m = conflict
            .message
            .clone()
            .unwrap_or_else(|| server::error::Text::new("", ""));
        return sub.refuse(Error::Conflict(m)).await;
    }
    see_other(&format!("{page}?done=logged"), None)
}

/// One tree's label as PNG (300 dpi) or SVG, in the roll size.
async fn tree_label(
    State(st): State<AppState>,
    Path((code, tree)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Error> {
    use server::labels::{self, Format, Selection};
    let s = &st.services;
    let (actor, coop) = signed_in_at(s, &headers, &code).await?;
    let selection = Selection {
        codes: vec![tree.clone()],
        include_removed: true,
        ..Selection::default()
    };
    let chosen = labels::collect(&s.store, &s.base_url, &actor, &coop, &selection).await?;
    let one = chosen.into_iter().next().ok_or(Error::NotFound("tree"))?;
    let format = Format::Roll50x30;
    let svg = uri.path().ends_with(".svg");
    let (bytes, content_type, ext) = if svg {
        (
            labels::render_svg(format, &one)?.into_bytes(),
            "image/svg+xml",
            "svg",
        )
    } else {
        let png = tokio::task::spawn_blocking(move || labels::render_png(format, &one, 300))
            .await
            .map_err(|e| Error::Internal(format!("label task: {e}")))??;
        (png, "image/png", "png")
    };
    let name = format!("attachment; filename=\"{code}-{tree}.{ext}\"");
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        bytes,
    )
        .into_response())
}

async fn approve_cooperative(
    State(st): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, "/manage", f);
    let actor = attempt!(sub, sub.actor().await);
    attempt!(
        sub,
        cooperatives::approve(&sub.s().store, &actor, &code).await
    );
    see_other("/manage?done=coop_approved", None)
}

async fn add_species(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, "/manage", f);
    let actor = attempt!(sub, sub.actor().await);
    attempt!(
        sub,
        server::species::add(
            &sub.s().store,
            &actor,
            sub.get("key"),
            sub.get("name_vi"),
            sub.get("name_en"),
            sub.get("scientific"),
        )
        .await
    );
    let done = Msg::SpeciesAdded.text(sub.locale()).to_owned();
    sub.notice(done).await
}

// After the macros above, which it uses.
mod market;
mod profile;
