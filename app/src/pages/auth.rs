//! Signing up, logging in, accepting an invitation, changing the password.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::forms::{Field, PostForm};
use crate::i18n::{use_locale, Msg};

#[component]
pub fn SignUpPage() -> impl IntoView {
    let l = use_locale();
    view! {
        <h1>{Msg::SignUp.text(l)}</h1>
        <PostForm id="signup" action="/signup">
            <Field form="signup" name="identifier" label=Msg::PhoneOrEmail.text(l) required=true autocomplete="username"/>
            <Field form="signup" name="name" label=Msg::FullName.text(l) required=true autocomplete="name"/>
            <Field form="signup" name="password" label=Msg::Password.text(l) kind="password" required=true
                   autocomplete="new-password" hint=Msg::PasswordHint.text(l)/>
            <button type="submit" class="primary">{Msg::SignUp.text(l)}</button>
        </PostForm>
        <p>{Msg::HaveAccount.text(l)} " " <a href="/login">{Msg::LogIn.text(l)}</a></p>
    }
}

#[component]
pub fn LogInPage() -> impl IntoView {
    let l = use_locale();
    view! {
        <h1>{Msg::LogIn.text(l)}</h1>
        <PostForm id="login" action="/login">
            <Field form="login" name="identifier" label=Msg::PhoneOrEmail.text(l) required=true autocomplete="username"/>
            <Field form="login" name="password" label=Msg::Password.text(l) kind="password" required=true
                   autocomplete="current-password"/>
            <button type="submit" class="primary">{Msg::LogIn.text(l)}</button>
        </PostForm>
        <p>{Msg::NoAccount.text(l)} " " <a href="/signup">{Msg::SignUp.text(l)}</a></p>
        <p><a href="/join">{Msg::Invited.text(l)}</a></p>
    }
}

#[component]
pub fn JoinPage() -> impl IntoView {
    let l = use_locale();
    let code = use_query_map()
        .read_untracked()
        .get("code")
        .unwrap_or_default();
    view! {
        <h1>{Msg::Join.text(l)}</h1>
        <PostForm id="join" action="/join">
            <Field form="join" name="phone" label=Msg::Phone.text(l) kind="tel" required=true autocomplete="tel"/>
            <Field form="join" name="code" label=Msg::InviteCode.text(l) required=true value=code/>
            <Field form="join" name="password" label=Msg::NewPassword.text(l) kind="password" required=true
                   autocomplete="new-password" hint=Msg::PasswordHint.text(l)/>
            <button type="submit" class="primary">{Msg::Join.text(l)}</button>
        </PostForm>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let l = use_locale();
    view! {
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
