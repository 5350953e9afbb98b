//! A tree's care diary, server-rendered (the pages that show it ship no wasm): the same on
//! the buyer's page and the farmer's.

use leptos::prelude::*;

use crate::i18n::{use_locale, Msg};
use crate::model::Diary;

/// The diary, newest first. With `correct_at` (the farmer's page), each entry links to that
/// page's form set to correct it.
#[component]
pub fn Timeline(diary: Diary, #[prop(optional)] correct_at: Option<String>) -> AnyView {
    let l = use_locale();
    view! {
        <section class="diary" aria-labelledby="diary-title">
            <h2 id="diary-title">{Msg::DiaryTitle.text(l)}</h2>
            {diary.damaged.clone().map(|d| view! {
                <div class="badge bad" role="alert">
                    <p><strong>{Msg::DiaryDamaged.text(l)}</strong></p>
                    <p class="muted">{d}</p>
                </div>
            })}
            {(diary.lines.is_empty() && diary.damaged.is_none()).then(|| view! {
                <p class="muted">{Msg::DiaryEmpty.text(l)}</p>
            })}
            <ol class="timeline">
                {diary.lines.into_iter().map(|line| {
                    let fix = correct_at.as_ref().filter(|_| line.what.is_some() && line.kind != "registered" && line.kind != "status")
                        .map(|page| format!("{page}?correct={}#log", line.hash));
                    view! {
                        <li class=format!("entry kind-{}{}", line.kind, if line.what.is_none() { " withdrawn" } else { "" })
                            id=format!("e{}", line.seq)>
                            <p class="when"><time datetime=line.when_iso>{line.when}</time></p>
                            {match line.what.clone() {
                                Some(w) => view! { <p class="what">{w}</p> }.into_any(),
                                None => view! { <p class="what">{Msg::Withdrawn.text(l)}</p> }.into_any(),
                            }}
                            {line.original.map(|o| view! {
                                <p class="original"><span class="muted">{Msg::WasBefore.text(l)}": "</span><s>{o}</s></p>
                            })}
                            {line.corrections.into_iter().map(|c| view! { <p class="correction">{c}</p> }).collect_view()}
                            {line.flag.map(|f| view! { <p class="flag" role="note"><span aria-hidden="true">"⚠ "</span>{f}</p> })}
                            {(!line.photos.is_empty()).then(|| view! {
                                <ul class="entry-photos">
                                    {line.photos.iter().map(|h| view! {
                                        <li><a href=format!("/photos/{h}/full.jpg")>
                                            <img src=format!("/photos/{h}/thumb.jpg") loading="lazy" decoding="async"
                                                 width="96" height="96" alt=Msg::Photos.text(l)/>
                                        </a></li>
                                    }).collect_view()}
                                </ul>
                            })}
                            <p class="by muted">{format!("{} {} · #{}", Msg::RecordedBy.text(l), line.author, line.seq)}</p>
                            {fix.map(|href| view! { <p><a class="button small" href=href>{Msg::Correct.text(l)}</a></p> })}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
    .into_any()
}
