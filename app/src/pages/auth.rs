//! Signing up, logging in, accepting an invitation, changing the password.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::get_invitation;
use crate::forms::{form_state, urlencode, Field, PostForm};
use crate::i18n::{use_locale, Msg};
use crate::pages::{message, role_name};

#[component]
pub fn SignUpPage() -> impl IntoView {
    let l = use_locale();
    let next = next_path();
    let login = login_href(&next);
    view! {
        <leptos_meta::Title text=Msg::SignUp.text(l)/>
        <h1>{Msg::SignUp.text(l)}</h1>
        <PostForm id="signup" action="/signup">
            <input type="hidden" name="next" value=next/>
            <Field form="signup" name="identifier" label=Msg::PhoneOrEmail.text(l) required=true autocomplete="username"/>
            <Field form="signup" name="name" label=Msg::FullName.text(l) required=true autocomplete="name"/>
            <Field form="signup" name="password" label=Msg::Password.text(l) kind="password" required=true
                   autocomplete="new-password" hint=Msg::PasswordHint.text(l)/>
            <button type="submit" class="primary">{Msg::SignUp.text(l)}</button>
        </PostForm>
        <p>{Msg::HaveAccount.text(l)} " " <a href=login>{Msg::LogIn.text(l)}</a></p>
    }
}

/// Where to go once signed in or up (checked on the server: same-site paths only), from
/// the address or the refused form.
fn next_path() -> String {
    use_query_map()
        .read_untracked()
        .get("next")
        .or_else(|| form_state().values.get("next").cloned())
        .unwrap_or_default()
}

/// A link to the other form that keeps where to go next.
fn with_next(path: &str, next: &str) -> String {
    if next.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?next={}", urlencode(next))
    }
}

fn login_href(next: &str) -> String {
    with_next("/login", next)
}

#[component]
pub fn LogInPage() -> impl IntoView {
    let l = use_locale();
    let next = next_path();
    let signup = with_next("/signup", &next);
    view! {
        <leptos_meta::Title text=Msg::LogIn.text(l)/>
        <h1>{Msg::LogIn.text(l)}</h1>
        <PostForm id="login" action="/login">
            <input type="hidden" name="next" value=next/>
            <Field form="login" name="identifier" label=Msg::PhoneOrEmail.text(l) required=true autocomplete="username"/>
            <Field form="login" name="password" label=Msg::Password.text(l) kind="password" required=true
                   autocomplete="current-password"/>
            <button type="submit" class="primary">{Msg::LogIn.text(l)}</button>
        </PostForm>
        <p>{Msg::NoAccount.text(l)} " " <a href=signup>{Msg::SignUp.text(l)}</a></p>
        <p><a href="/reset">{Msg::ForgotPassword.text(l)}</a></p>
        <p><a href="/join">{Msg::Invited.text(l)}</a></p>
    }
}

/// Accepting an invitation: what the code offers, then one tap for a signed-in person, or
/// an account made with the invited number.
#[component]
pub fn JoinPage() -> impl IntoView {
    let l = use_locale();
    let code = use_query_map()
        .read_untracked()
        .get("code")
        .or_else(|| form_state().values.get("code").cloned())
        .unwrap_or_default();
    let preview = Resource::new(
        {
            let code = code.clone();
            move || code.clone()
        },
        get_invitation,
    );
    let enter_code = view! {
        <form method="get" action="/join" class="form">
            <label for="join-code">{Msg::InviteCode.text(l)}</label>
            <input id="join-code" name="code" required=true autocomplete="one-time-code" autocapitalize="characters"/>
            <button type="submit" class="primary">{Msg::Join.text(l)}</button>
        </form>
    };
    let body = move || {
        let code = code.clone();
        Suspend::new(async move {
            if code.trim().is_empty() {
                return ().into_any();
            }
            match preview.await {
                Err(_) => message(Msg::ServerError).into_any(),
                Ok(None) => view! {
                    <p class="error" role="alert">{Msg::InvitationInvalid.text(l)}</p>
                }
                .into_any(),
                Ok(Some(i)) => {
                    let next = format!("/join?code={}", urlencode(&code));
                    view! {
                        <section class="notice">
                            <p><strong>{i.coop_name.clone()}</strong> {format!(" ({}) ", i.coop_code)}
                               {Msg::InvitesYouAs.text(l)} " " <strong>{role_name(&i.role, l)}</strong></p>
                            <p class="muted">{format!("{} {}", Msg::InvitationFor.text(l), i.phone_hint)}</p>
                        </section>
                        {if i.signed_in {
                            view! {
                                <PostForm id="join" action="/join">
                                    <input type="hidden" name="code" value=code.clone()/>
                                    <button type="submit" class="primary">{Msg::AcceptInvitation.text(l)}</button>
                                </PostForm>
                            }.into_any()
                        } else {
                            view! {
                                <p><a class="button primary" href=format!("/login?next={}", urlencode(&next))>{Msg::LogInToAccept.text(l)}</a></p>
                                <h2>{Msg::NewHere.text(l)}</h2>
                                <PostForm id="join" action="/join">
                                    <input type="hidden" name="code" value=code.clone()/>
                                    <Field form="join" name="phone" label=Msg::Phone.text(l) kind="tel" required=true autocomplete="tel"/>
                                    <Field form="join" name="name" label=Msg::FullName.text(l) required=true autocomplete="name"/>
                                    <Field form="join" name="password" label=Msg::NewPassword.text(l) kind="password" required=true
                                           autocomplete="new-password" hint=Msg::PasswordHint.text(l)/>
                                    <button type="submit" class="primary">{Msg::SignUp.text(l)}</button>
                                </PostForm>
                            }.into_any()
                        }}
                    }.into_any()
                }
            }
        })
    };
    view! {
        <leptos_meta::Title text=Msg::Join.text(l)/>
        <h1>{Msg::Join.text(l)}</h1>
        <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>{body}</Suspense>
        {enter_code}
    }
}

/// Setting a new password with a one-time code from a manager.
#[component]
pub fn ResetPage() -> impl IntoView {
    let l = use_locale();
    view! {
        <leptos_meta::Title text=Msg::ResetPassword.text(l)/>
        <h1>{Msg::ResetPassword.text(l)}</h1>
        <p class="muted">{Msg::ResetHint.text(l)}</p>
        <PostForm id="reset" action="/reset">
            <Field form="reset" name="identifier" label=Msg::PhoneOrEmail.text(l) required=true autocomplete="username"/>
            <Field form="reset" name="code" label=Msg::ResetCode.text(l) required=true autocomplete="one-time-code"/>
            <Field form="reset" name="password" label=Msg::NewPassword.text(l) kind="password" required=true
                   autocomplete="new-password" hint=Msg::PasswordHint.text(l)/>
            <button type="submit" class="primary">{Msg::ResetPassword.text(l)}</button>
        </PostForm>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let l = use_locale();
    view! {
        <leptos_meta::Title text=Msg::Account.text(l)/>
        <h1>{Msg::Account.text(l)}</h1>
        <h2>{Msg::ChangePassword.text(l)}</h2>
        <PostForm id="password" action="/account">
            <Field form="password" name="current" label=Msg::CurrentPassword.text(l) kind="password" required=true
                   autocomplete="current-password"/>
            <Field form="password" name="new" label=Msg::NewPassword.text(l) kind="password" required=true
                   autocomplete="new-password" hint=Msg::PasswordHint.text(l)/>
            <button type="submit" class="primary">{Msg::ChangePassword.text(l)}</button>
        </PostForm>
    }
}
