//! `/manage/:coop/trace`: recall and traceback for a cooperative's managers. A recall
//! goes from an input lot to the trees it touched, their harvests at risk and the
//! adopters who received fruit, with a CSV, a printable list and a button that tells
//! those adopters; a traceback goes from a tree (or one of its harvests) to every input
//! applied before. Plain GET forms, so a result has a link and works without wasm.

crate::pages::server_only_page!(TracePage => ssr::page());

/// One line of a result: when, what, and whether a later entry withdrew it.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Line {
    pub tree: String,
    pub zone: String,
    pub when: String,
    pub what: String,
    pub withdrawn: bool,
    pub amends: bool,
    pub flagged: bool,
}

/// A recall's answer as the page shows it.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RecallView {
    pub lot: String,
    pub trees: usize,
    pub kg_at_risk: String,
    pub touches: Vec<Line>,
    pub harvests: Vec<Line>,
    /// Order code, tree · season, buyer and contacts, shipments at risk.
    pub adoptions: Vec<(String, String, String, Vec<String>)>,
    pub query: String,
}

/// A traceback as the page shows it.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TracebackView {
    pub tree: String,
    pub span: String,
    pub inputs: Vec<Line>,
    pub harvests: Vec<Line>,
    pub violations: usize,
}

#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TraceView {
    pub coop_code: String,
    pub coop_name: String,
    pub recall: Option<Result<RecallView, String>>,
    pub traceback: Option<Result<TracebackView, String>>,
}

/// The page's query string: the recall's and the traceback's fields.
#[cfg(feature = "ssr")]
type Asked = (String, [String; 3], [String; 3]);

#[cfg(feature = "ssr")]
mod ssr {
    use leptos::prelude::*;
    use leptos_router::hooks::{use_params_map, use_query_map};
    use server::http::trace::{RecallParams, TracebackParams};
    use server::trace::{self, Touch};

    use super::{Asked, Line, RecallView, TraceView, TracebackView};
    use crate::api::{backend, Gate};
    use crate::forms::PostForm;
    use crate::i18n::{use_locale, Locale, Msg};

    fn what(t: &Touch, l: Locale) -> String {
        match (t.grams, t.kind) {
            (Some(g), _) => format!(
                "{} {}",
                Msg::KindHarvested.text(l),
                server::text::kg(g, l.into())
            ),
            (None, 13 | 20) => {
                let phi = t
                    .phi_days
                    .map(|d| format!(" · {d} {}", Msg::PhiDays.text(l)));
                format!(
                    "{} {} {} {}",
                    Msg::KindSprayed.text(l),
                    t.product,
                    t.lot,
                    phi.unwrap_or_default()
                )
            }
            _ => format!("{} {} {}", Msg::KindFertilised.text(l), t.product, t.lot),
        }
        .trim()
        .to_owned()
    }

    fn line(t: &Touch, l: Locale, flagged: bool) -> Line {
        Line {
            tree: t.tree.clone(),
            zone: t.zone.clone().unwrap_or_default(),
            when: l.date_ms(t.at),
            what: what(t, l),
            withdrawn: t.withdrawn,
            amends: t.amends,
            flagged,
        }
    }

    async fn load((code, r, t): Asked) -> Result<Gate<TraceView>, ServerFnError> {
        let s = backend::services()?;
        let (actor, coop) = match backend::member(&s, &code).await? {
            Ok(m) => m,
            Err(gate) => return Ok(gate),
        };
        if !actor.may(coop.id, server::access::Action::Trace) {
            return Ok(backend::stopped(Gate::Forbidden));
        }
        let l: Locale = backend::lang().into();
        let lang = backend::lang();
        let [lot, product, days] = r;
        let params = RecallParams { lot, product, days };
        let recall = if params.lot.is_empty() {
            None
        } else {
            let run = async {
                let r = trace::recall(&s, &actor, &coop, params.query()?).await?;
                Ok::<_, server::Error>(RecallView {
                    lot: r.query.lot.clone(),
                    trees: r.trees().len(),
                    kg_at_risk: server::text::kg(r.grams_at_risk(), lang),
                    touches: r.touches.iter().map(|t| line(t, l, false)).collect(),
                    harvests: r.harvests.iter().map(|t| line(t, l, false)).collect(),
                    adoptions: r
                        .adoptions
                        .iter()
                        .map(|a| {
                            let contact = [
                                Some(a.buyer_name.clone()),
                                a.buyer_phone.clone(),
                                a.buyer_email.clone(),
                            ]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(" · ");
                            let sent = a
                                .shipments
                                .iter()
                                .map(|sh| {
                                    format!(
                                        "{} · {} · {} {}",
                                        l.date_iso(&sh.sent_on),
                                        server::text::kg(sh.grams, lang),
                                        sh.carrier,
                                        sh.tracking
                                    )
                                    .trim()
                                    .to_owned()
                                })
                                .collect();
                            (
                                a.code.clone(),
                                format!("{} · {}", a.tree, a.season),
                                contact,
                                sent,
                            )
                        })
                        .collect(),
                    query: params.to_query(),
                })
            };
            Some(match run.await {
                Ok(v) => Ok(v),
                Err(e) => Err(backend::refusal(e, lang)?),
            })
        };
        let [tree, until, tdays] = t;
        let traceback = if tree.is_empty() {
            None
        } else {
            let run = async {
                let (until, days) = TracebackParams { until, days: tdays }.parse()?;
                let tb = trace::traceback(&s, &actor, &coop, &tree, until, days).await?;
                let flagged: Vec<i64> = tb.violations.iter().flat_map(|(h, i)| [*h, *i]).collect();
                Ok::<_, server::Error>(TracebackView {
                    span: format!("{} – {}", l.date(tb.from), l.date(tb.until)),
                    inputs: tb
                        .inputs
                        .iter()
                        .map(|t| line(t, l, flagged.contains(&t.seq)))
                        .collect(),
                    harvests: tb
                        .harvests
                        .iter()
                        .map(|t| line(t, l, flagged.contains(&t.seq)))
                        .collect(),
                    violations: tb.violations.len(),
                    tree: tb.tree,
                })
            };
            Some(match run.await {
                Ok(v) => Ok(v),
                Err(e) => Err(backend::refusal(e, lang)?),
            })
        };
        Ok(Gate::Ok(TraceView {
            coop_code: coop.code.clone(),
            coop_name: coop.name.clone(),
            recall,
            traceback,
        }))
    }

    pub fn page() -> AnyView {
        let l = use_locale();
        let params = use_params_map();
        let q = use_query_map();
        let asked = move || {
            let get = |k: &str| q.read().get(k).unwrap_or_default();
            (
                params.read().get("coop").unwrap_or_default(),
                [get("lot"), get("product"), get("days")],
                [get("tree"), get("until"), get("tdays")],
            )
        };
        let typed = asked();
        let view = Resource::new(asked, load);
        view! {
            <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
                {move || {
                    let typed = typed.clone();
                    Suspend::new(async move {
                        crate::pages::gated(view.await, |v| view! { <Trace v typed/> }.into_any())
                    })
                }}
            </Suspense>
        }
        .into_any()
    }

    #[component]
    fn Lines(lines: Vec<Line>) -> impl IntoView {
        let l = use_locale();
        view! {
            <ul class="trace">
                {lines.into_iter().map(|x| view! {
                    <li class:withdrawn=x.withdrawn class:flagged=x.flagged>
                        <strong>{x.tree}</strong>{(!x.zone.is_empty()).then(|| format!(" · {}", x.zone))}
                        {format!(" · {} · {}", x.when, x.what)}
                        {x.withdrawn.then(|| view! { " " <span class="tag">{Msg::WithdrawnShort.text(l)}</span> })}
                        {x.amends.then(|| view! { " " <span class="tag">{Msg::AmendedShort.text(l)}</span> })}
                        {x.flagged.then(|| view! { " " <span class="tag warn">{Msg::InsidePhi.text(l)}</span> })}
                    </li>
                }).collect_view()}
            </ul>
        }
    }

    #[component]
    fn Trace(v: TraceView, typed: Asked) -> AnyView {
        let l = use_locale();
        let coop = v.coop_code.clone();
        let (_, [lot, product, days], [tree, until, tdays]) = typed;
        let here = format!("/manage/{coop}/trace");
        view! {
            <leptos_meta::Title text=format!("{} · {}", Msg::TraceTitle.text(l), v.coop_name)/>
            <p class="no-print"><a href=format!("/manage/{coop}")>{"← "}{v.coop_name.clone()}</a></p>
            <h1>{Msg::TraceTitle.text(l)}</h1>
            {
                let st = crate::forms::form_state();
                (st.form == "recall").then(|| view! {
                    {st.notice.map(|n| view! { <p class="notice-ok" role="status" tabindex="-1" autofocus=true>{n}</p> })}
                    {st.error.map(|e| view! { <p class="error" role="alert">{e}</p> })}
                })
            }
            <h2>{Msg::RecallTitle.text(l)}</h2>
            <p class="muted no-print">{Msg::RecallHint.text(l)}</p>
            <form method="get" action=here.clone() class="form no-print">
                <label for="r-lot">{Msg::LotNumber.text(l)}</label>
                <input id="r-lot" name="lot" value=lot required=true maxlength="80" autocomplete="off"/>
                <label for="r-product">{Msg::ProductOptional.text(l)}</label>
                <input id="r-product" name="product" value=product maxlength="120"/>
                <label for="r-days">{Msg::RiskDays.text(l)}</label>
                <input id="r-days" name="days" value=days inputmode="numeric" placeholder="60"/>
                <button type="submit" class="primary">{Msg::RunRecall.text(l)}</button>
            </form>
            {v.recall.map(|r| match r {
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Ok(r) => {
                    let reached = r.adoptions.len();
                    view! {
                        <section id="recall" aria-live="polite">
                        <p class="summary" role="status">
                            <strong>{format!("{} {}", Msg::Lot.text(l), r.lot)}</strong>": "
                            {format!("{} {} · {} {} · {} {}", r.trees, Msg::TreesTouched.text(l), r.kg_at_risk, Msg::AtRisk.text(l), reached, Msg::AdoptersReached.text(l))}
                        </p>
                        <p class="no-print">
                            <a class="button" href=format!("/api/v1/coops/{coop}/recall.csv?{}", r.query) download="">{Msg::DownloadCsv.text(l)}</a>
                        </p>
                        <h3>{Msg::Applications.text(l)}</h3>
                        {r.touches.is_empty().then(|| view! { <p class="muted">{Msg::LotNotFound.text(l)}</p> })}
                        <Lines lines=r.touches/>
                        <h3>{Msg::HarvestsAtRisk.text(l)}</h3>
                        {r.harvests.is_empty().then(|| view! { <p class="muted">{Msg::NoneFound.text(l)}</p> })}
                        <Lines lines=r.harvests/>
                        <h3>{Msg::AdoptersReachedTitle.text(l)}</h3>
                        {(reached == 0).then(|| view! { <p class="muted">{Msg::NoneFound.text(l)}</p> })}
                        <ul class="trace">
                            {r.adoptions.into_iter().map(|(code, tree, who, sent)| view! {
                                <li>
                                    <strong class="code">{code}</strong>{format!(" · {tree}")}
                                    <br/>{who}
                                    {(!sent.is_empty()).then(|| view! {
                                        <ul>{sent.into_iter().map(|x| view! { <li>{Msg::Shipped.text(l)}": "{x}</li> }).collect_view()}</ul>
                                    })}
                                </li>
                            }).collect_view()}
                        </ul>
                        {(reached > 0).then(|| view! {
                            <PostForm id="recall-notify" action=format!("{here}/notify?{}", r.query)>
                                <input type="hidden" name="form" value="recall"/>
                                <button type="submit" class="primary no-print">{Msg::TellAdopters.text(l)}</button>
                            </PostForm>
                        })}
                        </section>
                    }.into_any()
                }
            })}
            <h2 id="traceback">{Msg::TracebackTitle.text(l)}</h2>
            <p class="muted no-print">{Msg::TracebackHint.text(l)}</p>
            <form method="get" action=format!("{here}#traceback") class="form no-print">
                <label for="t-tree">{Msg::TreeCode.text(l)}</label>
                <input id="t-tree" name="tree" value=tree required=true maxlength="40" autocomplete="off"/>
                <label for="t-until">{Msg::HarvestDay.text(l)}</label>
                <input id="t-until" name="until" type="date" value=until/>
                <label for="t-days">{Msg::DaysBack.text(l)}</label>
                <input id="t-days" name="tdays" value=tdays inputmode="numeric" placeholder="120"/>
                <button type="submit">{Msg::RunTraceback.text(l)}</button>
            </form>
            {v.traceback.map(|t| match t {
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Ok(t) => view! {
                    <section aria-live="polite">
                    <p class="summary" role="status"><strong>{t.tree.clone()}</strong>{format!(" · {}", t.span)}</p>
                    {(t.violations > 0).then(|| view! {
                        <p class="error" role="alert">{format!("{} {}", t.violations, Msg::PhiViolations.text(l))}</p>
                    })}
                    <h3>{Msg::Inputs.text(l)}</h3>
                    {t.inputs.is_empty().then(|| view! { <p class="muted">{Msg::NoneFound.text(l)}</p> })}
                    <Lines lines=t.inputs/>
                    <h3>{Msg::Harvests.text(l)}</h3>
                    {t.harvests.is_empty().then(|| view! { <p class="muted">{Msg::NoneFound.text(l)}</p> })}
                    <Lines lines=t.harvests/>
                    </section>
                }.into_any(),
            })}
        }
        .into_any()
    }
}
