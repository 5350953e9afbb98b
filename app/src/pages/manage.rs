//! The manager's pages: their cooperatives, and one cooperative's zones, trees, labels,
//! members and key.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::{get_manage_page, get_me, Gate};
use crate::forms::{Choice, Field, PostForm};
use crate::i18n::{use_locale, Locale, Msg};
use crate::model::{ManagePage, ZoneItem};
use crate::pages::{message, role_name};

/// A notice asking to log in, linking back here afterwards.
pub(crate) fn sign_in_first(l: Locale) -> AnyView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::UNAUTHORIZED);
    }
    // Back to this page once signed in.
    let next = crate::forms::urlencode(
        &leptos_router::hooks::use_location()
            .pathname
            .get_untracked(),
    );
    view! {
        <section class="notice" role="status">
            <p>{Msg::SignInFirst.text(l)}</p>
            <p><a href=format!("/login?next={next}")>{Msg::LogIn.text(l)}</a> " · "
               <a href=format!("/signup?next={next}")>{Msg::SignUp.text(l)}</a></p>
        </section>
    }
    .into_any()
}

#[component]
pub fn ManageHomePage() -> impl IntoView {
    let l = use_locale();
    let me = Resource::new(|| (), |_| get_me());
    view! {
        <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Err(_) => message(Msg::ServerError).into_any(),
                    Ok(None) => sign_in_first(l),
                    Ok(Some(me)) => {
                    let open_create = me.is_admin || me.coops.is_empty() || crate::forms::form_state().form == "coop";
                    view! {
                        <leptos_meta::Title text=Msg::MyCooperatives.text(l)/>
                        <h1>{Msg::MyCooperatives.text(l)}</h1>
                        {me.coops.is_empty().then(|| view! { <p class="muted">{Msg::NoMemberships.text(l)}</p> })}
                        <ul class="cards">
                            {me.coops.into_iter().map(|c| view! {
                                <li class="card"><a href=format!("/manage/{}", c.code)>
                                    <strong>{c.name}</strong>
                                    <span class="muted">{format!("{} · {}", c.code, role_name(&c.role, l))}</span>
                                </a></li>
                            }).collect_view()}
                        </ul>
                        <details open=open_create>
                        <summary>{Msg::CreateCooperative.text(l)}</summary>
                        <PostForm id="coop" action="/manage">
                            <Field form="coop" name="code" label=Msg::CoopCode.text(l) required=true hint=Msg::CoopCodeHint.text(l)/>
                            <Field form="coop" name="name" label=Msg::CoopName.text(l) required=true/>
                            <Field form="coop" name="province" label=Msg::Province.text(l) required=true/>
                            <Field form="coop" name="district" label=Msg::District.text(l) required=true/>
                            <Field form="coop" name="commune" label=Msg::Commune.text(l) required=true/>
                            <Field form="coop" name="contact" label=Msg::Contact.text(l)/>
                            <Field form="coop" name="gs1" label=Msg::Gs1Prefix.text(l)/>
                            <button type="submit" class="primary">{Msg::Create.text(l)}</button>
                        </PostForm>
                        </details>
                        {me.is_admin.then(|| view! { <PendingCooperatives/> })}
                        {me.is_admin.then(|| view! { <p><a href="/admin/outbox" rel="external">{Msg::Outbox.text(l)}</a></p> })}
                        {me.is_admin.then(|| view! {
                            <h2>{Msg::AddSpecies.text(l)}</h2>
                            <PostForm id="species" action="/admin/species">
                                <Field form="species" name="key" label=Msg::SpeciesKey.text(l) required=true/>
                                <Field form="species" name="name_vi" label=Msg::NameVi.text(l) required=true/>
                                <Field form="species" name="name_en" label=Msg::NameEn.text(l) required=true/>
                                <Field form="species" name="scientific" label=Msg::Scientific.text(l) required=true/>
                                <button type="submit" class="primary">{Msg::Add.text(l)}</button>
                            </PostForm>
                        })}
                    }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// Cooperatives a platform administrator has yet to verify, each with its button.
#[component]
fn PendingCooperatives() -> impl IntoView {
    let l = use_locale();
    let pending = Resource::new(|| (), |_| crate::api::get_unapproved());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let list = pending.await.unwrap_or_default();
                (!list.is_empty()).then(|| view! {
                    <h2>{Msg::PendingCooperatives.text(l)}</h2>
                    <ul class="members">
                        {list.into_iter().map(|c| view! {
                            <li>
                                <a href=format!("/c/{}", c.code)><strong>{c.name.clone()}</strong></a>
                                {format!(" · {} · {}", c.code, c.place)}
                                <PostForm id="approve" action=format!("/admin/cooperatives/{}/approve", c.code)>
                                    <button type="submit" class="primary">{Msg::Approve.text(l)}</button>
                                </PostForm>
                            </li>
                        }).collect_view()}
                    </ul>
                })
            })}
        </Suspense>
    }
}

#[component]
pub fn ManageCoopPage() -> impl IntoView {
    let l = use_locale();
    let params = use_params_map();
    let query = leptos_router::hooks::use_query_map();
    let page = Resource::new(
        move || {
            let q = query.read();
            (
                params.read().get("coop").unwrap_or_default(),
                q.get("q").unwrap_or_default(),
                q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
            )
        },
        |(coop, q, page)| get_manage_page(coop, q, page),
    );
    view! {
        <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(_) => message(Msg::ServerError).into_any(),
                    Ok(Gate::SignInFirst) => sign_in_first(l),
                    Ok(Gate::Forbidden) => message(Msg::Forbidden).into_any(),
                    Ok(Gate::NotFound) => message(Msg::CoopNotFound).into_any(),
                    Ok(Gate::Ok(p)) => view! { <CoopWork p/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CoopWork(p: ManagePage) -> impl IntoView {
    let l = use_locale();
    let base = format!("/manage/{}", p.code);
    let zone_options: Vec<(String, String)> = p
        .zones
        .iter()
        .map(|z| {
            (
                z.id.to_string(),
                format!(
                    "{} ({})",
                    z.name,
                    z.code
                        .clone()
                        .unwrap_or_else(|| Msg::NotRegistered.text(l).into())
                ),
            )
        })
        .collect();
    let species = p.species.clone();
    let manage = p.can_manage;
    let (zone_choice, species_choice) = (zone_options.clone(), species.clone());
    let (zone_action, tree_action) = (format!("{base}/zones"), format!("{base}/trees"));
    let import_action = format!("{base}/import");
    let template = format!("{base}/import/template.csv");
    let (lost_action, is_admin) = (format!("{base}/key/lost"), p.is_admin);
    let (story, story_open) = (p.story.clone(), p.story.is_empty());
    let (gs1, gln) = (p.gs1.clone(), p.gln.clone());
    let has_gs1 = !gs1.is_empty();
    let gs1_open = crate::forms::form_state().form == "gs1";
    let export_open = crate::forms::form_state().form == "export";
    let tokens_open = matches!(
        crate::forms::form_state().form.as_str(),
        "api-token" | "revoke-token"
    );
    let (tokens, code) = (p.api_tokens.clone(), p.code.clone());
    let witnesses_open = matches!(
        crate::forms::form_state().form.as_str(),
        "witness" | "witness-remove" | "witness-quorum"
    );
    let (witnesses, quorum) = (p.witnesses.clone(), p.witness_quorum);
    // A refused form comes back open, with everything typed (the boundary too).
    let state = crate::forms::form_state();
    let refused = state.form.clone();
    let (zone_open, refused_tree) = (refused == "zone", refused == "tree");
    let import_open = refused == "import";
    let kept_boundary = (refused == "zone")
        .then(|| state.values.get("boundary").cloned())
        .flatten()
        .unwrap_or_default();
    let (labels_action, member_action, key_action) = (
        format!("{base}/labels.pdf"),
        format!("{base}/members"),
        format!("{base}/key"),
    );
    view! {
        <leptos_meta::Title text=p.name.clone()/>
        <h1>{p.name.clone()}</h1>
        <p class="muted">{format!("{} · {}", p.code, p.place)}</p>
        <nav class="jump">
            <a href="#zones">{Msg::Zone.text(l)}</a> <a href="#trees">{Msg::TreesOf.text(l)}</a>
            <a href="#print">{Msg::Labels.text(l)}</a> <a href="#members">{Msg::Members.text(l)}</a>
        </nav>
        <p><a class="button" href=format!("/manage/{}/diary", p.code)>{Msg::DiaryReportLink.text(l)}</a>
           " " <a class="button" href=format!("/manage/{}/trace", p.code) rel="external">{Msg::TraceLink.text(l)}</a>
           " " <a class="button" href=format!("/manage/{}/reports", p.code) rel="external">{Msg::ReportsLink.text(l)}</a></p>
        <p><a class="button primary" href=format!("/manage/{}/sales", p.code) rel="external">{Msg::Sales.text(l)}</a>
           " " <a class="button" href=format!("/api/v1/coops/{}/orders.csv", p.code) download="">{Msg::OrdersCsv.text(l)}</a></p>
        {p.can_manage_members.then(|| view! {
            <details open=story_open>
                <summary>{Msg::CoopStory.text(l)}</summary>
                <PostForm id="story" action=format!("/manage/{}/story", p.code)>
                    <label for="story-text">{Msg::CoopStory.text(l)}</label>
                    <textarea id="story-text" name="story" rows="5" maxlength="1500">{story.clone()}</textarea>
                    <p class="muted">{Msg::CoopStoryHint.text(l)}</p>
                    <button type="submit">{Msg::Save.text(l)}</button>
                </PostForm>
            </details>
            <details open=gs1_open>
                <summary>{Msg::Gs1Prefix.text(l)}</summary>
                <PostForm id="gs1" action=format!("/manage/{}/gs1", p.code)>
                    <label for="gs1-prefix">{Msg::Gs1Prefix.text(l)}</label>
                    <input id="gs1-prefix" name="gs1" inputmode="numeric" maxlength="12" value=gs1.clone()/>
                    <p class="muted">{Msg::Gs1Hint.text(l)}</p>
                    {(!gln.is_empty()).then(|| view! { <p>"GLN: "<span class="code">{gln.clone()}</span></p> })}
                    <button type="submit">{Msg::Save.text(l)}</button>
                </PostForm>
            </details>
            <details open=tokens_open>
                <summary>{Msg::ApiTokens.text(l)}</summary>
                <p class="muted">{Msg::ApiTokensHint.text(l)}</p>
                <ul class="members">
                    {tokens.clone().into_iter().map(|t| {
                        let used = if t.last_used.is_empty() {
                            Msg::ApiTokenUnused.text(l).to_owned()
                        } else {
                            format!("{} {}", Msg::ApiTokenLastUsed.text(l), t.last_used)
                        };
                        let revoke = format!("/manage/{}/api-tokens/{}/revoke", code, t.id);
                        view! {
                            <li>
                                <strong>{t.name}</strong>
                                {format!(" · {} · {} · {used}", t.created_by, t.created_on)}
                                {if t.revoked {
                                    view! { <span class="muted">{format!(" · {}", Msg::ApiTokenRevoked.text(l))}</span> }.into_any()
                                } else {
                                    view! {
                                        <div class="row-actions">
                                            <PostForm id="revoke-token" action=revoke>
                                                <button type="submit" class="danger" data-confirm=Msg::RevokeApiToken.text(l)>{Msg::RevokeApiToken.text(l)}</button>
                                            </PostForm>
                                        </div>
                                    }.into_any()
                                }}
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <PostForm id="api-token" action=format!("/manage/{}/api-tokens", p.code)>
                    <Field form="api-token" name="name" label=Msg::ApiTokenName.text(l) required=true/>
                    <button type="submit">{Msg::IssueApiToken.text(l)}</button>
                </PostForm>
            </details>
            <details open=witnesses_open id="witnesses">
                <summary>{Msg::Witnesses.text(l)}</summary>
                <p class="muted">{Msg::WitnessesHint.text(l)}</p>
                <ul class="members">
                    {witnesses.clone().into_iter().map(|w| {
                        let state = witness_state(&w, l);
                        let remove = format!("/manage/{}/witnesses/remove", code);
                        view! {
                            <li>
                                <strong class="code">{w.name.clone()}</strong>
                                {format!(" · {} · {state}", w.url)}
                                <div class="row-actions">
                                    <PostForm id="witness-remove" action=remove>
                                        <input type="hidden" name="name" value=w.name/>
                                        <button type="submit" class="danger" data-confirm=Msg::RemoveWitness.text(l)>{Msg::RemoveWitness.text(l)}</button>
                                    </PostForm>
                                </div>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <PostForm id="witness" action=format!("/manage/{}/witnesses", p.code)>
                    <Field form="witness" name="vkey" label=Msg::WitnessKey.text(l) required=true/>
                    <Field form="witness" name="url" label=Msg::WitnessUrl.text(l) required=true/>
                    <button type="submit">{Msg::AddWitness.text(l)}</button>
                </PostForm>
                {(!witnesses.is_empty()).then(|| view! {
                    <PostForm id="witness-quorum" action=format!("/manage/{}/witnesses/quorum", code)>
                        <label for="witness-quorum-n">{Msg::WitnessQuorum.text(l)}</label>
                        <input id="witness-quorum-n" name="quorum" type="number" inputmode="numeric" min="0"
                            max=witnesses.len().to_string() value=quorum.to_string()/>
                        <button type="submit">{Msg::Save.text(l)}</button>
                    </PostForm>
                })}
                <p class="muted">{Msg::LogKeyForWitnesses.text(l)}" "
                    <a href=format!("/log/{}/vkey", code) rel="external">{format!("/log/{}/vkey", code)}</a></p>
            </details>
            <details open=export_open>
                <summary>{Msg::ExportTitle.text(l)}</summary>
                <PostForm id="export" action=format!("/manage/{}/export", p.code)>
                    <p class="muted">{Msg::ExportHint.text(l)}</p>
                    // Never filled back in after a refusal: a passphrase is not echoed into a page.
                    <label for="export-pass">{Msg::ExportPassphrase.text(l)}</label>
                    <input id="export-pass" name="passphrase" type="password" minlength="12" required=true autocomplete="new-password"/>
                    <label for="export-pass2">{Msg::ExportPassphraseAgain.text(l)}</label>
                    <input id="export-pass2" name="passphrase2" type="password" minlength="12" required=true autocomplete="new-password"/>
                    <button type="submit">{Msg::ExportDownload.text(l)}</button>
                </PostForm>
            </details>
        })}

        <h2 id="zones">{Msg::Zone.text(l)}</h2>
        {p.zones.is_empty().then(|| view! { <p class="muted">{Msg::NoZones.text(l)}</p> })}
        <ul class="zones">{p.zones.into_iter().map(|z| view! { <ZoneRow z coop=p.code.clone() manage=p.can_manage_members/> }).collect_view()}</ul>
        {manage.then(move || view! {
            <details open=zone_open>
                <summary>{Msg::AddZone.text(l)}</summary>
                <PostForm id="zone" action=zone_action>
                    <Field form="zone" name="name" label=Msg::ZoneName.text(l) required=true/>
                    <Field form="zone" name="code" label=Msg::ZoneCode.text(l) hint=Msg::ZoneCodeHint.text(l)/>
                    <Field form="zone" name="crops" label=Msg::Crops.text(l) required=true/>
                    <Field form="zone" name="area_ha" label=Msg::AreaHa.text(l) inputmode="decimal" required=true hint=Msg::DecimalHint.text(l)/>
                    <Field form="zone" name="households" label=Msg::Households.text(l) inputmode="numeric" value="0"/>
                    <div id="zone-map" class="map" data-map="" data-draw="zone-boundary" data-undo="zone-undo"
                         hidden=true role="application" aria-label=Msg::DrawHint.text(l)></div>
                    <button type="button" id="zone-undo" hidden=true>{Msg::UndoCorner.text(l)}</button>
                    <label for="zone-boundary">{Msg::Boundary.text(l)}</label>
                    <textarea id="zone-boundary" name="boundary" rows="4">{kept_boundary}</textarea>
                    <input type="file" accept=".geojson,.json,.kml,application/geo+json,application/vnd.google-earth.kml+xml"
                           data-fill="zone-boundary" aria-label=Msg::Boundary.text(l)/>
                    <button type="submit" class="primary">{Msg::Add.text(l)}</button>
                </PostForm>
            </details>
        })}

        <h2 id="trees">{format!("{} ({})", Msg::TreesOf.text(l), p.tree_total)}</h2>
        <form method="get" action=base.clone() class="search" role="search">
            <label for="tree-search" class="visually-hidden">{Msg::SearchTrees.text(l)}</label>
            <input id="tree-search" type="search" name="q" value=p.query.clone() placeholder=Msg::SearchTrees.text(l)/>
            <button type="submit">{Msg::Search.text(l)}</button>
        </form>
        {p.trees.is_empty().then(|| view! { <p class="muted">{Msg::NoTrees.text(l)}</p> })}
        <ul class="trees">
            {p.trees.into_iter().map(|t| view! {
                <li><a href=format!("/manage/{}/t/{}", p.code, t.code)>
                    <strong>{t.code.clone()}</strong>
                    {format!(" · {} {} · {}", t.species.clone(), t.variety, t.zone_name)}
                </a></li>
            }).collect_view()}
        </ul>
        {(p.pages > 1).then(|| {
            let link = |n: usize| format!("{base}?q={}&page={n}#trees", crate::forms::urlencode(&p.query));
            view! {
                <nav class="pager" aria-label=Msg::Pages.text(l)>
                    {(p.page > 1).then(|| view! { <a rel="prev" href=link(p.page - 1)>{Msg::Previous.text(l)}</a> })}
                    <span>{format!("{} / {}", p.page, p.pages)}</span>
                    {(p.page < p.pages).then(|| view! { <a rel="next" href=link(p.page + 1)>{Msg::Next.text(l)}</a> })}
                </nav>
            }
        })}
        {(manage && !zone_options.is_empty()).then(move || view! {
            <details open=refused_tree>
                <summary>{Msg::AddTree.text(l)}</summary>
                <PostForm id="tree" action=tree_action>
                    <Field form="tree" name="code" label=Msg::TreeCode.text(l) hint=Msg::TreeCodeHint.text(l)/>
                    <Choice form="tree" name="species" label=Msg::Species.text(l) options=species_choice/>
                    <Field form="tree" name="variety" label=Msg::Variety.text(l) required=true/>
                    <Field form="tree" name="planted_on" label=Msg::Planted.text(l) kind="date" required=true/>
                    <Choice form="tree" name="zone" label=Msg::Zone.text(l) options=zone_choice/>
                    <Field form="tree" name="lat" label=Msg::Latitude.text(l) inputmode="decimal"/>
                    <Field form="tree" name="lon" label=Msg::Longitude.text(l) inputmode="decimal"/>
                    <button type="button" class="locate" data-lat="tree-lat" data-lon="tree-lon" hidden=true>
                        {Msg::UseMyLocation.text(l)}
                    </button>
                    <button type="submit" class="primary">{Msg::Add.text(l)}</button>
                </PostForm>
            </details>
        })}

        {manage.then(|| view! {
            <details open=import_open>
                <summary>{Msg::ImportTrees.text(l)}</summary>
                <PostForm id="import" action=import_action multipart=true>
                    <p class="muted">{Msg::ImportHint.text(l)}</p>
                    <p><a href=template download="">{Msg::ImportTemplate.text(l)}</a></p>
                    <label for="import-file">{Msg::CsvFile.text(l)}</label>
                    <input id="import-file" type="file" name="file" accept=".csv,text/csv" required=true/>
                    <label class="check"><input type="checkbox" name="skip_errors" value="1"/> {Msg::SkipErrors.text(l)}</label>
                    <button type="submit" class="primary">{Msg::Import.text(l)}</button>
                </PostForm>
            </details>
        })}

        {manage.then(move || {
            let mut zones = vec![(String::new(), Msg::AllZones.text(l).to_owned())];
            zones.extend(zone_options);
            let mut all_species = vec![(String::new(), Msg::AllSpecies.text(l).to_owned())];
            all_species.extend(species);
            view! {
                <h2 id="print">{Msg::Labels.text(l)}</h2>
                <PostForm id="labels" action=labels_action>
                    <Choice form="labels" name="format" label=Msg::LabelFormat.text(l) options=vec![
                        ("a4-3x8".into(), "A4 · 3 × 8 (63,5 × 33,9 mm)".into()),
                        ("a4-4x10".into(), "A4 · 4 × 10 (45,7 × 25,4 mm)".into()),
                        ("roll-50x30".into(), "Cuộn / roll 50 × 30 mm".into()),
                    ]/>
                    <Choice form="labels" name="zone" label=Msg::Zone.text(l) options=zones/>
                    <Choice form="labels" name="species" label=Msg::Species.text(l) options=all_species/>
                    <Field form="labels" name="trees" label=Msg::PickedTrees.text(l)/>
                    {has_gs1.then(|| view! {
                        <label class="check"><input type="checkbox" name="dl" value="1"/>" "{Msg::DigitalLinkQr.text(l)}</label>
                    })}
                    <button type="submit" class="primary">{Msg::DownloadPdf.text(l)}</button>
                </PostForm>
            }
        })}

        <h2 id="members">{Msg::Members.text(l)}</h2>
        <ul class="members">
            {p.members.into_iter().map(|m| {
                let act = |what: &str| format!("{base}/members/{}/{what}", m.user_id);
                let (remove, reset) = (act("remove"), act("reset"));
                let reach = m.phone.or(m.email).map(|r| format!(" · {r}")).unwrap_or_default();
                view! {
                    <li>
                        <strong>{m.name}</strong>
                        {format!("{reach} · {}", role_name(&m.role, l))}
                        {p.can_manage_members.then(|| view! {
                            <div class="row-actions">
                                <PostForm id="reset" action=reset>
                                    <button type="submit">{Msg::IssueReset.text(l)}</button>
                                </PostForm>
                                <PostForm id="remove" action=remove>
                                    <button type="submit" class="danger" data-confirm=Msg::RemoveMember.text(l)>{Msg::RemoveMember.text(l)}</button>
                                </PostForm>
                            </div>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
        {(!p.invitations.is_empty()).then(|| view! {
            <h3>{Msg::PendingInvitations.text(l)}</h3>
            <ul class="members">
                {p.invitations.into_iter().map(|i| {
                    let act = |what: &str| format!("{base}/invitations/{}/{what}", i.id);
                    let (reissue, withdraw) = (act("reissue"), act("withdraw"));
                    let when = if i.expired {
                        Msg::Expired.text(l).to_owned()
                    } else {
                        format!("{} {}", Msg::ExpiresOn.text(l), i.expires_on)
                    };
                    view! {
                        <li>
                            <strong>{i.name}</strong>
                            {format!(" · {} · {} · {when}", i.phone, role_name(&i.role, l))}
                            <div class="row-actions">
                                <PostForm id="reissue" action=reissue>
                                    <button type="submit">{Msg::NewCode.text(l)}</button>
                                </PostForm>
                                <PostForm id="withdraw" action=withdraw>
                                    <button type="submit" class="danger">{Msg::Withdraw.text(l)}</button>
                                </PostForm>
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
        })}
        {p.can_manage_members.then(move || view! {
            <PostForm id="member" action=member_action>
                <h3>{Msg::AddMember.text(l)}</h3>
                <p class="muted">{Msg::AddMemberHint.text(l)}</p>
                <Field form="member" name="phone" label=Msg::Phone.text(l) kind="tel" required=true/>
                <Field form="member" name="name" label=Msg::FullName.text(l) required=true/>
                <Choice form="member" name="role" label=Msg::Role.text(l) options=vec![
                    ("farmer".into(), Msg::RoleFarmer.text(l).into()),
                    ("manager".into(), Msg::RoleManager.text(l).into()),
                ]/>
                <button type="submit" class="primary">{Msg::Add.text(l)}</button>
            </PostForm>
        })}
        {manage.then(move || view! {
            <h2>{Msg::SigningKey.text(l)}</h2>
            <p>{Msg::KeyId.text(l)} ": " <code class="code">{p.key_id.clone()}</code></p>
            <PostForm id="key" action=key_action>
                <p class="muted">{Msg::RotateKeyHint.text(l)}</p>
                <label class="check"><input type="checkbox" name="confirm" value="1" required=true/> {Msg::RotateKeyConfirm.text(l)}</label>
                <button type="submit" class="danger">{Msg::RotateKey.text(l)}</button>
            </PostForm>
            <h3>{Msg::LostKey.text(l)}</h3>
            {if is_admin {
                view! {
                    <PostForm id="lost" action=lost_action>
                        <p class="muted">{Msg::LostKeyAdminHint.text(l)}</p>
                        <label class="check"><input type="checkbox" name="confirm" value="1" required=true/> {Msg::RotateKeyConfirm.text(l)}</label>
                        <button type="submit" class="danger">{Msg::ReplaceLostKey.text(l)}</button>
                    </PostForm>
                }.into_any()
            } else {
                view! { <p class="muted">{Msg::LostKeyHint.text(l)}</p> }.into_any()
            }}
        })}
        <script src="/pkg/manage.js" defer=true></script>
        <script src="/pkg/map.js" defer=true></script>
    }
}

#[component]
fn ZoneRow(z: ZoneItem, coop: String, manage: bool) -> impl IntoView {
    let l = use_locale();
    let (form, field) = (
        format!("caretaker-{}", z.id),
        format!("caretaker-name-{}", z.id),
    );
    let action = format!("/manage/{coop}/zones/{}/caretaker", z.id);
    let caretaker = z.caretaker.clone();
    view! {
        <li class="zone">
            {z.outline.map(|d| view! {
                <svg viewBox="0 0 100 100" class="mini" role="img" aria-label=Msg::ZoneOutline.text(l)><path d=d/></svg>
            })}
            <div>
                <strong>{z.name}</strong>
                <span class="code">{z.code.unwrap_or_else(|| Msg::NotRegistered.text(l).into())}</span>
                <span class="muted">{format!(" · {} · {} ha · {} {}", z.crops, z.area, z.households, Msg::HouseholdsUnit.text(l))}</span>
                {z.code_note.map(|n| view! { <p class="warn" role="note">{n}</p> })}
                {z.under_minimum.then(|| view! { <p class="warn" role="note">{Msg::UnderOneHa.text(l)}</p> })}
                {(!z.caretaker.is_empty()).then(|| view! { <p>{Msg::CaredBy.text(l)}" "{z.caretaker.clone()}</p> })}
                {manage.then(move || view! {
                    <details>
                        <summary>{Msg::SetCaretaker.text(l)}</summary>
                        <PostForm id=form action=action>
                            <label for=field.clone()>{Msg::CaretakerName.text(l)}</label>
                            <input id=field.clone() name="caretaker" maxlength="80" value=caretaker/>
                            <p class="muted">{Msg::CaretakerHint.text(l)}</p>
                            <button type="submit">{Msg::Save.text(l)}</button>
                        </PostForm>
                    </details>
                })}
            </div>
        </li>
    }
}

/// The progress of a background import; refreshes itself until it is done.
#[component]
pub fn JobPage() -> impl IntoView {
    use crate::model::JobView;
    let l = use_locale();
    let params = use_params_map();
    let job = Resource::new(
        move || {
            let p = params.read();
            (
                p.get("coop").unwrap_or_default(),
                p.get("job").unwrap_or_default(),
            )
        },
        |(coop, job)| crate::api::get_job(coop, job),
    );
    let back = move || {
        format!(
            "/manage/{}#trees",
            params.read().get("coop").unwrap_or_default()
        )
    };
    let file = move || {
        let p = params.read();
        format!(
            "/manage/{}/jobs/{}/file",
            p.get("coop").unwrap_or_default(),
            p.get("job").unwrap_or_default()
        )
    };
    view! {
        <leptos_meta::Title text=Msg::Progress.text(l)/>
        <h1>{Msg::Progress.text(l)}</h1>
        <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
            {move || Suspend::new(async move {
                match job.await {
                    Err(_) => message(Msg::ServerError).into_any(),
                    Ok(Gate::SignInFirst) => sign_in_first(l),
                    Ok(Gate::Forbidden) => message(Msg::Forbidden).into_any(),
                    Ok(Gate::NotFound) => message(Msg::PageNotFound).into_any(),
                    Ok(Gate::Ok(JobView::Running { done, total })) => view! {
                        <leptos_meta::Meta http_equiv="refresh" content="1"/>
                        <p role="status">{Msg::Working.text(l)}</p>
                        <progress max=total value=done aria-label=Msg::Working.text(l)></progress>
                        <p class="muted">{format!("{done} / {total}")}</p>
                    }.into_any(),
                    Ok(Gate::Ok(JobView::Finished { count, file: true })) => view! {
                        <p class="notice-ok" role="status">{format!("{} {count} {}", Msg::LabelsReady.text(l), Msg::LabelsWord.text(l))}</p>
                        <p><a class="button primary" href=file download="">{Msg::DownloadPdf.text(l)}</a></p>
                    }.into_any(),
                    Ok(Gate::Ok(JobView::Finished { count, file: false })) => view! {
                        <p class="notice-ok" role="status">{format!("{} {count} {}", Msg::Imported.text(l), Msg::Trees.text(l))}</p>
                    }.into_any(),
                    Ok(Gate::Ok(JobView::Failed { message })) => view! {
                        <p class="error" role="alert">{format!("{} {message}", Msg::JobFailed.text(l))}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
        <p><a href=back>{Msg::BackToCooperative.text(l)}</a></p>
    }
}

/// One tree: its status, photos and label, for the cooperative's managers.
#[component]
pub fn ManageTreePage() -> impl IntoView {
    let l = use_locale();
    let params = use_params_map();
    let tree = Resource::new(
        move || {
            let p = params.read();
            (
                p.get("coop").unwrap_or_default(),
                p.get("tree").unwrap_or_default(),
            )
        },
        |(coop, tree)| crate::api::get_manage_tree(coop, tree),
    );
    view! {
        <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
            {move || Suspend::new(async move {
                match tree.await {
                    Err(_) => message(Msg::ServerError).into_any(),
                    Ok(Gate::SignInFirst) => sign_in_first(l),
                    Ok(Gate::Forbidden) => message(Msg::Forbidden).into_any(),
                    Ok(Gate::NotFound) => message(Msg::TreeNotFound).into_any(),
                    Ok(Gate::Ok(t)) => view! { <TreeWork t/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TreeWork(t: crate::model::ManageTree) -> impl IntoView {
    let l = use_locale();
    let base = format!("/manage/{}/t/{}", t.coop_code, t.code);
    let (status_action, photo_action) = (format!("{base}/status"), format!("{base}/photos"));
    let label = |ext: &str| format!("{base}/label.{ext}");
    view! {
        <p><a href=format!("/manage/{}#trees", t.coop_code)>{Msg::BackToCooperative.text(l)}</a></p>
        <leptos_meta::Title text=format!("{} · {}", t.code, t.species)/>
        <h1><span class="code">{t.code.clone()}</span> " " {t.species.clone()} " · " {t.variety.clone()}</h1>
        <p><a href=format!("/t/{}/{}", t.coop_code, t.code)>{Msg::PublicPage.text(l)}</a></p>

        {t.can_manage.then(|| view! {
            <h2>{Msg::OneLabel.text(l)}</h2>
            <p class="jump">
                <a href=label("png") download="">"PNG (50 × 30 mm, 300 dpi)"</a>
                <a href=label("svg") download="">"SVG"</a>
            </p>
        })}

        <h2>{Msg::Photos.text(l)}</h2>
        <ul class="photos">
            {t.photos.into_iter().map(|p| view! {
                <li><a href=p.full()><img src=p.thumb() loading="lazy" alt=Msg::PhotoOf.text(l)/></a></li>
            }).collect_view()}
        </ul>
        {t.can_manage.then(|| view! {
            <PostForm id="photo" action=photo_action multipart=true>
                <label for="photo-file">{Msg::PhotoFile.text(l)}</label>
                <input id="photo-file" type="file" name="photo" accept="image/jpeg,image/png,image/webp" capture="environment" required=true/>
                <button type="submit" class="primary">{Msg::Upload.text(l)}</button>
            </PostForm>
        })}

        {t.can_manage.then(|| view! {
            <h2>{Msg::PublishOffer.text(l)}</h2>
            <PostForm id="offer" action=format!("{base}/offer")>
                <Field form="offer" name="starts_on" label=Msg::SeasonStart.text(l) kind="date" required=true/>
                <Field form="offer" name="ends_on" label=Msg::SeasonEnd.text(l) kind="date" required=true/>
                <Field form="offer" name="price" label=Msg::OfferPriceVnd.text(l) inputmode="numeric" hint=Msg::OfferPriceHint.text(l)/>
                <Field form="offer" name="per_kg" label=Msg::OfferPerKg.text(l) inputmode="numeric"/>
                <Field form="offer" name="care" label=Msg::OfferCare.text(l) inputmode="numeric"/>
                <Field form="offer" name="min_kg" label=Msg::ExpectedMinKg.text(l) inputmode="decimal" required=true/>
                <Field form="offer" name="max_kg" label=Msg::ExpectedMaxKg.text(l) inputmode="decimal" required=true/>
                <Field form="offer" name="guaranteed_kg" label=Msg::GuaranteedKg.text(l) inputmode="decimal" required=true/>
                <fieldset>
                    <legend>{Msg::OfferIncludes.text(l)}</legend>
                    {t.inclusions.iter().map(|k| view! {
                        <label class="check"><input type="checkbox" name=format!("inc_{k}") value="1" checked=k == "care"/>
                            " "{crate::pages::adopt_inclusion(k, l)}</label>
                    }).collect_view()}
                </fieldset>
                <Field form="offer" name="deliveries" label=Msg::DeliveriesCount.text(l) inputmode="numeric" value="1"/>
                <label for="offer-policy">{Msg::ShortfallPolicy.text(l)}</label>
                <select id="offer-policy" name="policy">
                    <option value="credit">{Msg::PolicyCredit.text(l)}</option>
                    <option value="refund">{Msg::PolicyRefund.text(l)}</option>
                </select>
                <Field form="offer" name="shortfall_per_kg" label=Msg::ShortfallPerKg.text(l) inputmode="numeric" value="0"/>
                <button type="submit" class="primary">{Msg::PublishOffer.text(l)}</button>
            </PostForm>
        })}

        <h2>{Msg::TreeStatus.text(l)}</h2>
        <p>{if t.active { Msg::Active.text(l) } else { Msg::Removed.text(l) }}</p>
        {t.can_manage.then(|| view! {
            <PostForm id="status" action=status_action>
                <input type="hidden" name="active" value=if t.active { "0" } else { "1" }/>
                <Field form="status" name="reason" label=Msg::Reason.text(l) required=true/>
                <button type="submit">{if t.active { Msg::MarkRemoved.text(l) } else { Msg::MarkActive.text(l) }}</button>
            </PostForm>
        })}
    }
}

/// How a witness is doing, in the manager's words: what it cosigned, and why it last
/// refused (the status code kept for whoever debugs it with the witness's operator).
fn witness_state(w: &crate::model::WitnessItem, l: Locale) -> String {
    let done = if w.cosigned > 0 {
        format!("{}{}", Msg::WitnessCosigned.text(l), w.cosigned)
    } else {
        Msg::WitnessNone.text(l).to_owned()
    };
    if w.problem.is_empty() {
        return done;
    }
    let code = w.problem.split(':').next().unwrap_or_default();
    let why = match code {
        "422" => Msg::WitnessInconsistent,
        "404" => Msg::WitnessUnknownLog,
        "403" => Msg::WitnessUntrustedKey,
        "unreachable" => Msg::WitnessUnreachable,
        "refused" => Msg::WitnessNotPublic,
        _ => Msg::WitnessRefused,
    };
    format!("{done} · {} [{code}]", why.text(l))
}
