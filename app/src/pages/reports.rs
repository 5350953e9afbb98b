//! `/manage/:coop/reports`: the season report a manager reads at a glance on a phone.
//! Charts are SVG drawn on the server (no chart wasm), each followed by its table and a
//! CSV. A plain GET form chooses the range, the zone, the local fruit price and the days
//! without care that count as idle.

crate::pages::server_only_page!(ReportsPage => ssr::page());

/// A bar: its label, its value (drawn), and the value as read.
#[cfg(feature = "ssr")]
pub type Bar = (String, f64, String);

#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReportView {
    pub coop_code: String,
    pub coop_name: String,
    pub zones: Vec<(String, String)>,
    pub report: Option<Result<Figures, String>>,
}

/// The report as the page shows it.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Figures {
    pub range: String,
    pub query: String,
    /// (label, value) pairs of the summary.
    pub summary: Vec<(String, String)>,
    pub adoption: Bar,
    pub money: Vec<Bar>,
    pub zones: Vec<Bar>,
    pub varieties: Vec<Bar>,
    pub weeks: Vec<Bar>,
    /// Week, member, entries.
    pub activity: Vec<(String, String, String)>,
    pub idle: Vec<String>,
    /// Tree, harvested, sprayed, product, interval.
    pub violations: Vec<[String; 5]>,
}

#[cfg(feature = "ssr")]
type Asked = (String, [String; 5]);

#[cfg(feature = "ssr")]
mod ssr {
    use leptos::prelude::*;
    use leptos_router::hooks::{use_params_map, use_query_map};
    use server::http::trace::ReportParams;

    use super::{Asked, Bar, Figures, ReportView};
    use crate::api::{backend, Gate};
    use crate::i18n::{use_locale, Locale, Msg};

    fn figures(
        r: server::reports::SeasonReport,
        p: &ReportParams,
        q: &server::reports::ReportQuery,
        l: Locale,
    ) -> Figures {
        let kg = |g: i64| server::text::kg(g, l.into());
        let vnd = |v: i64| server::text::vnd(v, l.into());
        let bars = |groups: &[server::reports::Group]| -> Vec<Bar> {
            groups
                .iter()
                .map(|g| (g.name.clone(), g.grams as f64, kg(g.grams)))
                .collect()
        };
        let rate = if r.trees == 0 {
            0.0
        } else {
            r.adopted as f64 / r.trees as f64
        };
        let mut money = Vec::new();
        if let Some(v) = r.revenue_per_adopted_tree {
            money.push((Msg::RevenuePerTree.text(l).to_owned(), v as f64, vnd(v)));
        }
        if let Some(v) = r.fruit_baseline_per_tree {
            money.push((Msg::FruitOnly.text(l).to_owned(), v as f64, vnd(v)));
        }
        let mut summary = vec![
            (Msg::TreesCount.text(l).to_owned(), r.trees.to_string()),
            (
                Msg::AdoptedCount.text(l).to_owned(),
                format!("{} ({}%)", r.adopted, l.number(rate * 100.0, 0)),
            ),
            (Msg::Revenue.text(l).to_owned(), vnd(r.revenue_vnd)),
            (Msg::HarvestTotal.text(l).to_owned(), kg(r.harvest_g)),
            (
                Msg::CareRequests.text(l).to_owned(),
                format!(
                    "{} · {} {}",
                    r.care_asked,
                    r.care_answered,
                    Msg::Answered.text(l)
                ),
            ),
            (
                Msg::IdleTrees.text(l).to_owned(),
                format!(
                    "{} ({} {})",
                    r.idle.len(),
                    q.idle_days,
                    Msg::DaysShort.text(l)
                ),
            ),
            (
                Msg::PhiViolationsTitle.text(l).to_owned(),
                r.violations.len().to_string(),
            ),
        ];
        if let (Some(a), Some(b)) = (r.revenue_per_adopted_tree, r.fruit_baseline_per_tree) {
            if b > 0 {
                summary.push((
                    Msg::AgainstFruit.text(l).to_owned(),
                    format!("× {}", l.number(a as f64 / b as f64, 1)),
                ));
            }
        }
        Figures {
            range: format!("{} – {}", l.date(q.from), l.date(q.to)),
            query: p.to_query(),
            summary,
            adoption: (
                Msg::AdoptedCount.text(l).to_owned(),
                rate,
                format!("{}%", l.number(rate * 100.0, 0)),
            ),
            money,
            zones: bars(&r.by_zone),
            varieties: bars(&r.by_variety),
            weeks: r
                .weekly()
                .into_iter()
                .map(|(w, n)| (l.date(w), n as f64, n.to_string()))
                .collect(),
            activity: r
                .activity
                .iter()
                .map(|(w, who, n)| (l.date(*w), who.clone(), n.to_string()))
                .collect(),
            idle: r.idle.clone(),
            violations: r
                .violations
                .iter()
                .map(|v| {
                    [
                        v.tree.clone(),
                        l.date_ms(v.harvested_at),
                        l.date_ms(v.sprayed_at),
                        v.product.clone(),
                        v.phi_days.to_string(),
                    ]
                })
                .collect(),
        }
    }

    async fn load((code, f): Asked) -> Result<Gate<ReportView>, ServerFnError> {
        let s = backend::services()?;
        let (actor, coop) = match backend::member(&s, &code).await? {
            Ok(m) => m,
            Err(gate) => return Ok(gate),
        };
        if !actor.may(coop.id, server::access::Action::Trace) {
            return Ok(backend::stopped(Gate::Forbidden));
        }
        let l: Locale = backend::lang().into();
        let [from, to, zone, price, idle] = f;
        let p = ReportParams {
            from,
            to,
            zone,
            price,
            idle,
        };
        let run = async {
            let q = p.query()?;
            let r = server::reports::season(&s, &actor, &coop, &q).await?;
            Ok::<_, server::Error>(figures(r, &p, &q, l))
        };
        let report = Some(match run.await {
            Ok(v) => Ok(v),
            Err(e) => Err(backend::refusal(e, backend::lang())?),
        });
        let zones = s
            .store
            .zones_of(coop.id)
            .await
            .map_err(backend::internal)?
            .into_iter()
            .map(|z| (z.id.to_string(), z.name))
            .collect();
        Ok(Gate::Ok(ReportView {
            coop_code: coop.code.clone(),
            coop_name: coop.name.clone(),
            zones,
            report,
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
                [
                    get("from"),
                    get("to"),
                    get("zone"),
                    get("price"),
                    get("idle"),
                ],
            )
        };
        let typed = asked();
        let view = Resource::new(asked, load);
        view! {
            <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
                {move || {
                    let typed = typed.clone();
                    Suspend::new(async move {
                        crate::pages::gated(view.await, |v| view! { <Report v typed/> }.into_any())
                    })
                }}
            </Suspense>
        }
        .into_any()
    }

    /// Horizontal bars: label, bar, value. Labels are cut to fit; the table has them whole.
    #[component]
    fn Bars(title: String, bars: Vec<Bar>) -> impl IntoView {
        let max = bars
            .iter()
            .map(|b| b.1)
            .fold(0.0, f64::max)
            .max(f64::MIN_POSITIVE);
        let height = bars.len() * 30 + 4;
        let label = |s: &str| {
            let cut: String = s.chars().take(14).collect();
            if cut.len() < s.len() {
                format!("{cut}…")
            } else {
                cut
            }
        };
        view! {
            <svg class="chart" viewBox=format!("0 0 340 {height}") role="img" aria-label=title>
                {bars.iter().enumerate().map(|(i, (name, v, shown))| {
                    let y = i * 30 + 2;
                    let w = 150.0 * v / max;
                    view! {
                        <text x="0" y=y + 17 class="label">{label(name)}</text>
                        <rect x="110" y=y + 3 width=format!("{w:.1}") height="20" rx="3" class="bar"/>
                        <text x=format!("{:.1}", 114.0 + w) y=y + 17 class="value">{shown.clone()}</text>
                    }
                }).collect_view()}
            </svg>
        }
    }

    /// Columns, one per week, with the first and last week named below.
    #[component]
    fn Columns(title: String, bars: Vec<Bar>) -> impl IntoView {
        let max = bars
            .iter()
            .map(|b| b.1)
            .fold(0.0, f64::max)
            .max(f64::MIN_POSITIVE);
        let n = bars.len().max(1);
        let step = 320.0 / n as f64;
        let (first, last) = (
            bars.first().map(|b| b.0.clone()).unwrap_or_default(),
            bars.last().map(|b| b.0.clone()).unwrap_or_default(),
        );
        view! {
            <svg class="chart" viewBox="0 0 340 150" role="img" aria-label=title>
                {bars.iter().enumerate().map(|(i, (_, v, _))| {
                    let h = 110.0 * v / max;
                    view! { <rect x=format!("{:.1}", 10.0 + i as f64 * step) y=format!("{:.1}", 120.0 - h) width=format!("{:.1}", (step - 2.0).max(1.0)) height=format!("{h:.1}") class="bar"/> }
                }).collect_view()}
                <text x="10" y="142" class="label">{first}</text>
                <text x="330" y="142" class="label" text-anchor="end">{last}</text>
            </svg>
        }
    }

    #[component]
    fn Part(title: String, csv: Option<String>, children: Children) -> impl IntoView {
        let l = use_locale();
        view! {
            <section class="report-part">
                <h2>{title}</h2>
                {children()}
                {csv.map(|href| view! { <p><a href=href download="">{Msg::DownloadCsv.text(l)}</a></p> })}
            </section>
        }
    }

    fn table(head: Vec<&'static str>, rows: Vec<Vec<String>>) -> impl IntoView {
        view! {
            <div class="table-wrap">
                <table>
                    <thead><tr>{head.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}</tr></thead>
                    <tbody>{rows.into_iter().map(|r| view! { <tr>{r.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr> }).collect_view()}</tbody>
                </table>
            </div>
        }
    }

    #[component]
    fn Report(v: ReportView, typed: Asked) -> AnyView {
        let l = use_locale();
        let coop = v.coop_code.clone();
        let (_, [from, to, zone, price, idle]) = typed;
        let bar_rows = |bars: &[Bar]| {
            bars.iter()
                .map(|b| vec![b.0.clone(), b.2.clone()])
                .collect::<Vec<_>>()
        };
        view! {
            <leptos_meta::Title text=format!("{} · {}", Msg::ReportsTitle.text(l), v.coop_name)/>
            <p class="no-print"><a href=format!("/manage/{coop}")>{"← "}{v.coop_name.clone()}</a></p>
            <h1>{Msg::ReportsTitle.text(l)}</h1>
            <details class="filters-box no-print">
                <summary>{Msg::Filter.text(l)}</summary>
                <form method="get" action=format!("/manage/{coop}/reports") class="form filters">
                    <label for="rp-from">{Msg::From.text(l)}</label>
                    <input id="rp-from" name="from" type="date" value=from/>
                    <label for="rp-to">{Msg::To.text(l)}</label>
                    <input id="rp-to" name="to" type="date" value=to/>
                    <label for="rp-zone">{Msg::Zone.text(l)}</label>
                    <select id="rp-zone" name="zone">
                        <option value="">{Msg::Any.text(l)}</option>
                        {v.zones.iter().map(|(id, name)| view! { <option value=id.clone() selected=*id == zone>{name.clone()}</option> }).collect_view()}
                    </select>
                    <label for="rp-price">{Msg::FruitPrice.text(l)}</label>
                    <input id="rp-price" name="price" inputmode="numeric" value=price placeholder="40000"/>
                    <label for="rp-idle">{Msg::IdleDays.text(l)}</label>
                    <input id="rp-idle" name="idle" inputmode="numeric" value=idle placeholder="14"/>
                    <button type="submit" class="primary">{Msg::ShowReport.text(l)}</button>
                </form>
            </details>
            {v.report.map(|r| match r {
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Ok(f) => {
                    let [zones_csv, varieties_csv, trees_csv, activity_csv, idle_csv, violations_csv] =
                        ["zones", "varieties", "trees", "activity", "idle", "violations"]
                            .map(|part| format!("/api/v1/coops/{coop}/reports/{part}.csv?{}", f.query));
                    let (rate_label, rate, rate_text) = f.adoption.clone();
                    view! {
                        <p class="muted">{f.range.clone()}</p>
                        <dl class="figures">
                            {f.summary.iter().map(|(k, v)| view! { <div><dt>{k.clone()}</dt><dd>{v.clone()}</dd></div> }).collect_view()}
                        </dl>
                        <Part title=Msg::AdoptionAndMoney.text(l).to_owned() csv=None>
                            <Bars title=rate_label.clone() bars=vec![(rate_label.clone(), rate, rate_text)]/>
                            {(!f.money.is_empty()).then(|| view! {
                                <Bars title=Msg::AgainstFruit.text(l).to_owned() bars=f.money.clone()/>
                            })}
                            {f.money.is_empty().then(|| view! { <p class="muted">{Msg::EnterFruitPrice.text(l)}</p> })}
                        </Part>
                        <Part title=Msg::HarvestByZone.text(l).to_owned() csv=Some(zones_csv)>
                            <Bars title=Msg::HarvestByZone.text(l).to_owned() bars=f.zones.clone()/>
                            {table(vec![Msg::Zone.text(l), "kg"], bar_rows(&f.zones))}
                        </Part>
                        <Part title=Msg::HarvestByVariety.text(l).to_owned() csv=Some(varieties_csv)>
                            <Bars title=Msg::HarvestByVariety.text(l).to_owned() bars=f.varieties.clone()/>
                            {table(vec![Msg::Variety.text(l), "kg"], bar_rows(&f.varieties))}
                            <p><a href=trees_csv download="">{Msg::HarvestByTreeCsv.text(l)}</a></p>
                        </Part>
                        <Part title=Msg::DiaryActivity.text(l).to_owned() csv=Some(activity_csv)>
                            {f.weeks.is_empty().then(|| view! { <p class="muted">{Msg::NoneFound.text(l)}</p> })}
                            {(!f.weeks.is_empty()).then(|| view! { <Columns title=Msg::DiaryActivity.text(l).to_owned() bars=f.weeks.clone()/> })}
                            {(!f.activity.is_empty()).then(|| table(vec![Msg::WeekOf.text(l), Msg::Members.text(l), Msg::Entries.text(l)],
                                f.activity.iter().map(|(w, who, n)| vec![w.clone(), who.clone(), n.clone()]).collect()))}
                        </Part>
                        <Part title=Msg::IdleTrees.text(l).to_owned() csv=Some(idle_csv)>
                            {f.idle.is_empty().then(|| view! { <p class="muted">{Msg::NoneFound.text(l)}</p> })}
                            <p class="codes">{f.idle.join(" · ")}</p>
                        </Part>
                        <Part title=Msg::PhiViolationsTitle.text(l).to_owned() csv=Some(violations_csv)>
                            {f.violations.is_empty().then(|| view! { <p class="muted">{Msg::NoneFound.text(l)}</p> })}
                            {(!f.violations.is_empty()).then(|| table(
                                vec![Msg::TreeCode.text(l), Msg::KindHarvested.text(l), Msg::KindSprayed.text(l), Msg::Product.text(l), Msg::PhiDays.text(l)],
                                f.violations.iter().map(|v| v.to_vec()).collect()))}
                        </Part>
                    }.into_any()
                }
            })}
        }
        .into_any()
    }
}
