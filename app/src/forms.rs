//! Forms that work without JavaScript: each posts to its own page, carries the CSRF
//! token, and when the server refuses it the page is rendered again with the message
//! and what the person typed (never the password), from [`FormState`].

use std::collections::HashMap;

use leptos::prelude::*;

/// A refused submission, provided as context when a form's page is rendered again.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    /// The `form` field of the submission: which form on the page it was.
    pub form: String,
    pub values: HashMap<String, String>,
    pub error: Option<String>,
    /// A message of success.
    pub notice: Option<String>,
    /// A one-time code to hand over, and the link that carries it.
    pub code: Option<(String, Option<String>)>,
    /// Row-by-row problems of an uploaded file.
    pub report: Vec<String>,
}

pub fn form_state() -> FormState {
    use_context::<FormState>().unwrap_or_default()
}

/// The CSRF token forms of this page carry.
pub fn csrf_token() -> String {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>()
            .and_then(|p| {
                p.extensions
                    .get::<server::http::csrf::CsrfToken>()
                    .map(|t| t.0.clone())
            })
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .query_selector("meta[name=csrf-token]")
            .ok()
            .flatten()
            .and_then(|m| m.get_attribute("content"))
            .unwrap_or_default()
    }
}

/// Percent-encodes a query value (codes and paths are ASCII; this keeps them intact).
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A POST form with its CSRF token, its name, and the server's message if it was refused.
#[component]
pub fn PostForm(
    #[prop(into)] id: String,
    #[prop(into)] action: String,
    #[prop(optional)] multipart: bool,
    children: Children,
) -> impl IntoView {
    let st = form_state();
    let mine = st.form == id;
    let form_name = id.clone();
    let error = st.error.filter(|_| mine);
    let notice = st.notice.filter(|_| mine);
    let code = st.code.filter(|_| mine);
    let report = if mine { st.report } else { Vec::new() };
    // A file upload's body is not read before the handler, so its token rides in the URL.
    let action = if multipart {
        format!("{action}?csrf={}", csrf_token())
    } else {
        action
    };
    view! {
        <form method="post" action=action id=id class="form"
              enctype=if multipart { "multipart/form-data" } else { "application/x-www-form-urlencoded" }>
            <input type="hidden" name="csrf" value=csrf_token()/>
            <input type="hidden" name="form" value=form_name/>
            {error.map(|e| view! { <p class="error" role="alert" tabindex="-1" autofocus=true>{e}</p> })}
            {notice.map(|n| view! { <p class="notice-ok" role="status" tabindex="-1" autofocus=true>{n}</p> })}
            {code.map(|(code, link)| view! { <HandOver code link/> })}
            {(!report.is_empty()).then(|| view! {
                <ul class="report">{report.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
            })}
            {children()}
        </form>
    }
}

/// A labelled input, refilled after a refused submission.
#[component]
pub fn Field(
    form: &'static str,
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] required: bool,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] step: Option<&'static str>,
    /// The phone keyboard to show: `decimal` for numbers typed with a comma (a number
    /// input would drop the Vietnamese decimal comma: "2,5" became 25).
    #[prop(optional)]
    inputmode: Option<&'static str>,
) -> impl IntoView {
    let st = form_state();
    let typed = (st.form == form && kind != "password")
        .then(|| st.values.get(name).cloned())
        .flatten();
    let id = format!("{form}-{name}");
    let hint_id = format!("{id}-hint");
    view! {
        <label for=id.clone()>{label}</label>
        <input id=id name=name type=kind value=typed.or(value).unwrap_or_default() required=required
               autocomplete=autocomplete step=step inputmode=inputmode aria-describedby=hint.map(|_| hint_id.clone())/>
        {hint.map(|h| view! { <small id=hint_id class="muted">{h}</small> })}
    }
}

/// A labelled choice among `options` (value, label).
#[component]
pub fn Choice(
    form: &'static str,
    name: &'static str,
    label: &'static str,
    options: Vec<(String, String)>,
) -> impl IntoView {
    let st = form_state();
    let chosen = (st.form == form)
        .then(|| st.values.get(name).cloned())
        .flatten();
    let id = format!("{form}-{name}");
    view! {
        <label for=id.clone()>{label}</label>
        <select id=id name=name>
            {options.into_iter().map(|(v, l)| {
                let selected = chosen.as_deref() == Some(v.as_str());
                view! { <option value=v selected=selected>{l}</option> }
            }).collect_view()}
        </select>
    }
}

/// A one-time code, large enough to read aloud, with buttons to copy it or share its link
/// (Zalo, SMS: whatever the phone offers). The buttons appear only with JavaScript.
#[component]
fn HandOver(code: String, link: Option<String>) -> impl IntoView {
    let l = crate::i18n::use_locale();
    use crate::i18n::Msg;
    let copy_text = link.clone().unwrap_or_else(|| code.clone());
    view! {
        <div class="handover">
            // A link alone (a gift) is not a code to read out.
            {(link.as_ref() != Some(&code)).then(|| view! { <output class="bigcode">{code.clone()}</output> })}
            {link.clone().map(|href| { let shown = href.clone(); view! { <a class="wrap" href=href>{shown}</a> } })}
            <div class="row-actions">
                <button type="button" hidden=true data-copy=copy_text data-done=Msg::Copied.text(l)>{Msg::Copy.text(l)}</button>
                {link.map(|href| view! {
                    <button type="button" hidden=true data-share=href>{Msg::Share.text(l)}</button>
                })}
            </div>
        </div>
    }
}
