//! The farmer's pages, for a cheap phone in the orchard: every tree of the cooperative with
//! its last care, and one form to log care for one tree or many. Plain HTML that works
//! without JavaScript; `farm.js` adds the offline queue (IndexedDB), photos downscaled on
//! the phone and sync, and the service worker keeps the pages for when there is no signal.
//! No wasm: a farmer's phone downloads the page, the stylesheet and two small scripts.
//! So the pages are rendered on the server only and not compiled into the browser's wasm;
//! should the hydrated app of another page navigate here, it loads the page from the server.

crate::pages::server_only_page!(
    /// `/farm`: the cooperatives the person works in.
    FarmHomePage => ssr::home()
);

crate::pages::server_only_page!(
    /// `/farm/:coop`: every tree, and the form to log care for those chosen.
    FarmPage => ssr::farm_view(false)
);

crate::pages::server_only_page!(
    /// `/farm/:coop/t/:tree`: one tree's diary, with the form for that tree; `?correct=<hash>`
    /// turns the form into a correction of that entry.
    FarmTreePage => ssr::farm_view(true)
);

#[cfg(feature = "ssr")]
mod ssr {
    use leptos::prelude::*;
    use leptos_router::hooks::{use_params_map, use_query_map};

    use crate::api::{get_farm, get_me, Gate};
    use crate::forms::{form_state, PostForm};
    use crate::i18n::{use_locale, Locale, Msg};
    use crate::model::{FarmPage as Farm, FarmTree};
    use crate::pages::manage::sign_in_first;
    use crate::pages::message;
    use crate::pages::timeline::Timeline;

    pub fn home() -> AnyView {
        let l = use_locale();
        let me = Resource::new(|| (), |_| get_me());
        view! {
            <leptos_meta::Title text=Msg::FarmTitle.text(l)/>
            <leptos_meta::Link rel="manifest" href="/manifest.webmanifest"/>
            <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
                {move || Suspend::new(async move {
                    match me.await {
                        Err(_) => message(Msg::ServerError).into_any(),
                        Ok(None) => sign_in_first(l),
                        Ok(Some(me)) if me.coops.is_empty() => message(Msg::FarmNone).into_any(),
                        Ok(Some(me)) => view! {
                            <h1>{Msg::FarmTitle.text(l)}</h1>
                            <ul class="big-links">
                                {me.coops.into_iter().map(|c| view! {
                                    <li><a href=format!("/farm/{}", c.code)>{c.name}</a></li>
                                }).collect_view()}
                            </ul>
                            <FarmScripts/>
                        }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    }

    pub fn farm_view(one_tree: bool) -> AnyView {
        let l = use_locale();
        let params = use_params_map();
        let query = use_query_map();
        let page = Resource::new(
            move || {
                let p = params.read();
                (
                    p.get("coop").unwrap_or_default(),
                    p.get("tree").filter(|_| one_tree),
                    query.read().get("label").filter(|_| one_tree),
                )
            },
            |(coop, tree, label)| get_farm(coop, tree, label),
        );
        view! {
            <leptos_meta::Link rel="manifest" href="/manifest.webmanifest"/>
            <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
                {move || Suspend::new(async move {
                    let correct = query.read_untracked().get("correct");
                    match page.await {
                        Err(_) => message(Msg::ServerError).into_any(),
                        Ok(Gate::SignInFirst) => sign_in_first(l),
                        Ok(Gate::Forbidden) => message(Msg::Forbidden).into_any(),
                        Ok(Gate::NotFound) => message(Msg::TreeNotFound).into_any(),
                        Ok(Gate::Ok(p)) => view! { <FarmWork p correct/> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    }

    /// The offline queue and its sync (`farm-sync.js`, shared with the service worker), then
    /// the page's behaviour.
    #[component]
    fn FarmScripts() -> impl IntoView {
        view! {
            <script src="/pkg/farm-sync.js" defer=true></script>
            <script src="/pkg/farm.js" defer=true></script>
            <script src="/pkg/scanner.js" defer=true></script>
        }
    }

    #[component]
    fn FarmWork(p: Farm, correct: Option<String>) -> AnyView {
        let l = use_locale();
        let coop = p.coop_code.clone();
        let (title, here) = match &p.tree {
            Some((t, _)) => (
                format!("{} {} · {}", t.code, t.species, p.coop_name),
                format!("/farm/{coop}/t/{}", t.code),
            ),
            None => (
                format!("{} · {}", Msg::FarmTitle.text(l), p.coop_name),
                format!("/farm/{coop}"),
            ),
        };
        let correcting =
            correct.filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
        let correct_at = here.clone();
        let heading = match &p.tree {
            Some((t, _)) => format!("{} {}", t.code, t.species),
            None => Msg::FarmTitle.text(l).to_owned(),
        };
        let (one, diary) = match p.tree {
            Some((t, d)) => (Some(t), Some(d)),
            None => (None, None),
        };
        view! {
        <leptos_meta::Title text=title.clone()/>
        <section class="farm" data-coop=coop.clone() data-user=p.user.clone()>
            <h1>{heading}</h1>
            <p class="muted">{p.coop_name.clone()}</p>
            <div id="outbox" class="outbox" data-pending="0" role="status" aria-live="polite">
                <span data-outbox-text=""></span>
                <button type="button" data-sync="" hidden=true>{Msg::SyncNow.text(l)}</button>
            </div>
            {p.label.map(|genuine| if genuine {
                view! { <p class="notice-ok" role="status">{Msg::LabelGenuine.text(l)}</p> }.into_any()
            } else {
                view! { <div class="badge bad" role="alert"><p><strong>{Msg::LabelForged.text(l)}</strong></p></div> }.into_any()
            })}
            <button type="button" id="scan" class="big" hidden=true>{Msg::ScanLabel.text(l)}</button>
            <div id="scanner" class="scanner" hidden=true>
                <video playsinline=true muted=true aria-label=Msg::ScanLabel.text(l)></video>
                <p data-scan-status="" role="status" aria-live="polite"></p>
                <button type="button" data-scan-close="">{Msg::Close.text(l)}</button>
            </div>
            <div id="update" hidden=true>
                <button type="button" data-update="">{Msg::UpdateReady.text(l)}</button>
            </div>
            {one.is_none().then(|| view! {
                <label for="tree-filter">{Msg::FindTree.text(l)}</label>
                <input type="search" id="tree-filter" autocomplete="off"/>
            })}
            <PostForm id="log" action=format!("/farm/{coop}/log") multipart=true>
                <input type="hidden" name="page" value=here.clone()/>
                // Names this form's entries: sending it twice stores them once.
                <input type="hidden" name="form_id" value=server::diary::new_id()/>
                {match &one {
                    Some(t) => view! {
                        <input type="hidden" name="tree" value=t.code.clone()/>
                        {t.due.clone().map(|d| view! { <p class="flag">{d}</p> })}
                    }.into_any(),
                    None => view! { <TreeChoice zones=p.zones.clone()/> }.into_any(),
                }}
                {correcting.clone().map(|hash| view! {
                    <div class="notice" id="correcting">
                        <p><strong>{Msg::CorrectingTitle.text(l)}</strong></p>
                        <p>{Msg::CorrectingBody.text(l)}</p>
                        <input type="hidden" name="corrects" value=hash/>
                        <label for="log-reason">{Msg::CorrectionReason.text(l)}</label>
                        <input id="log-reason" name="reason" required=true maxlength="200"/>
                    </div>
                })}
                <KindChoice l withdraw=correcting.is_some()/>
                <label for="log-photo">{Msg::TakePhotos.text(l)}</label>
                <input id="log-photo" type="file" name="photo" accept="image/*" capture="environment" multiple=true/>
                <input type="hidden" name="lat"/>
                <input type="hidden" name="lon"/>
                <button type="submit" class="primary big">{Msg::SaveEntry.text(l)}</button>
            </PostForm>
            <ul id="queued"></ul>
            {diary.map(|diary| view! { <Timeline diary correct_at=correct_at.clone()/> })}
        </section>
        <FarmScripts/>
    }
    .into_any()
    }

    /// The trees by zone: a zone's box chooses all its trees.
    #[component]
    fn TreeChoice(zones: Vec<crate::model::FarmZone>) -> AnyView {
        let l = use_locale();
        let chosen: Vec<String> = {
            let st = form_state();
            (st.form == "log")
                .then(|| st.values.get("tree").cloned())
                .flatten()
                .map(|v| v.split(',').map(str::to_owned).collect())
                .unwrap_or_default()
        };
        view! {
        <fieldset class="trees">
            <legend>{Msg::ChooseTrees.text(l)}</legend>
            {zones.into_iter().map(|z| {
                let key = z.key.clone();
                view! {
                    <details class="zone" open=true>
                        <summary>
                            <label><input type="checkbox" data-zone=key.clone()/>" "{z.name.clone()}</label>
                        </summary>
                        {z.trees.into_iter().map(|t| view! { <TreeBox t zone=key.clone() chosen=chosen.clone()/> }).collect_view()}
                    </details>
                }
            }).collect_view()}
        </fieldset>
    }
    .into_any()
    }

    #[component]
    fn TreeBox(t: FarmTree, zone: String, chosen: Vec<String>) -> AnyView {
        let l = use_locale();
        let checked = chosen.contains(&t.code);
        let href = format!("t/{}", t.code);
        view! {
        <label class="tree" data-zone=zone>
            <input type="checkbox" name="tree" value=t.code.clone() checked=checked/>
            <span class="code">{t.code.clone()}</span>
            <span class="tree-info">
                <span>{t.species.clone()}</span>
                {t.last.map(|x| view! { <small class="muted">{x}</small> })}
                {t.due.map(|x| view! { <small class="due">{x}</small> })}
            </span>
            <a class="open" href=href aria-label=format!("{} {}", Msg::DiaryTitle.text(l), t.code)>"›"</a>
        </label>
    }
    .into_any()
    }

    /// One big button per kind of care, and each kind's own fields (shown by CSS when chosen).
    #[component]
    fn KindChoice(l: Locale, withdraw: bool) -> AnyView {
        let st = form_state();
        let picked = (st.form == "log")
            .then(|| st.values.get("kind").cloned())
            .flatten();
        let kinds = [
            ("watered", Msg::KindWatered),
            ("fertilised", Msg::KindFertilised),
            ("pruned", Msg::KindPruned),
            ("sprayed", Msg::KindSprayed),
            ("bagged", Msg::KindBagged),
            ("flowering", Msg::KindFlowering),
            ("fruit_set", Msg::KindFruitSet),
            ("pest", Msg::KindPest),
            ("harvested", Msg::KindHarvested),
            ("note", Msg::KindNote),
        ];
        // No `required` here: a hidden kind's empty field would block the plain form; the
        // server (and farm.js, before queueing) say what is missing.
        let field =
            |kind: &'static str, name: &'static str, label: Msg, mode: Option<&'static str>| {
                let id = format!("log-{kind}-{name}");
                view! {
                    <label for=id.clone()>{label.text(l)}</label>
                    <input id=id name=name inputmode=mode autocomplete="off" maxlength="200"/>
                }
            };
        view! {
        <fieldset class="kinds">
            <legend>{Msg::WhatWasDone.text(l)}</legend>
            {kinds.iter().map(|(key, msg)| {
                let id = format!("kind-{key}");
                view! {
                    <input type="radio" name="kind" id=id.clone() value=*key checked=picked.as_deref() == Some(*key)/>
                    <label for=id class="kind">{msg.text(l)}</label>
                }
            }).collect_view()}
            {withdraw.then(|| view! {
                <input type="radio" name="kind" id="kind-withdraw" value=""/>
                <label for="kind-withdraw" class="kind">{Msg::WithdrawEntry.text(l)}</label>
            })}
        </fieldset>
        <div data-fields="watered">{field("watered", "litres", Msg::Litres, Some("decimal"))}</div>
        <div data-fields="fertilised">
            {field("fertilised", "product", Msg::ProductName, None)}
            {field("fertilised", "amount", Msg::AmountLabel, Some("decimal"))}
            <label for="log-fertilised-unit">{Msg::UnitLabel.text(l)}</label>
            <select id="log-fertilised-unit" name="unit">
                <option value="kg">"kg"</option><option value="g">"g"</option>
                <option value="l">"l"</option><option value="ml">"ml"</option>
            </select>
            {field("fertilised", "lot", Msg::LotNumber, None)}
        </div>
        <div data-fields="pruned">{field("pruned", "note", Msg::NoteLabel, None)}</div>
        <div data-fields="sprayed">
            {field("sprayed", "product", Msg::ProductName, None)}
            {field("sprayed", "active_ingredient", Msg::ActiveIngredient, None)}
            {field("sprayed", "dose", Msg::Dose, None)}
            {field("sprayed", "lot", Msg::LotNumber, None)}
            {field("sprayed", "phi_days", Msg::PhiDaysLabel, Some("numeric"))}
        </div>
        <div data-fields="bagged">{field("bagged", "fruits", Msg::FruitCount, Some("numeric"))}</div>
        <div data-fields="flowering">{field("flowering", "note", Msg::NoteLabel, None)}</div>
        <div data-fields="fruit_set">
            {field("fruit_set", "fruits", Msg::FruitCount, Some("numeric"))}
            {field("fruit_set", "note", Msg::NoteLabel, None)}
        </div>
        <div data-fields="pest">
            {field("pest", "pest", Msg::PestName, None)}
            <label for="log-pest-severity">{Msg::SeverityLabel.text(l)}</label>
            <select id="log-pest-severity" name="severity">
                <option value="1">{Msg::SeverityLow.text(l)}</option>
                <option value="2">{Msg::SeverityMid.text(l)}</option>
                <option value="3">{Msg::SeverityHigh.text(l)}</option>
            </select>
            {field("pest", "note", Msg::NoteLabel, None)}
        </div>
        <div data-fields="harvested">
            {field("harvested", "kg", Msg::KgLabel, Some("decimal"))}
            {field("harvested", "grade", Msg::GradeLabel, None)}
        </div>
        <div data-fields="note">{field("note", "text", Msg::TextLabel, None)}</div>
    }
    .into_any()
    }
}
