//! `/manage/:coop/diary`: the cooperative's care diary for its managers, by tree, zone,
//! recorder and week; harvests inside a spray's interval; trees nobody has cared for.
//! A GET form: every view is a link that can be bookmarked or shared. Rendered on the
//! server only, with no wasm: nothing on it needs the browser to run Rust.

crate::pages::server_only_page!(
    ManageDiaryPage => ssr::page()
);

#[cfg(feature = "ssr")]
mod ssr {
    use leptos::prelude::*;
    use leptos_router::hooks::{use_params_map, use_query_map};

    use crate::api::get_diary_report;
    use crate::i18n::{use_locale, Msg};
    use crate::model::DiaryReport;

    pub fn page() -> AnyView {
        let l = use_locale();
        let params = use_params_map();
        let query = use_query_map();
        let report = Resource::new(
            move || {
                let q = query.read();
                let get = |k: &str| q.get(k).unwrap_or_default();
                (
                    params.read().get("coop").unwrap_or_default(),
                    get("tree"),
                    get("zone"),
                    get("author"),
                    get("week"),
                    get("quiet"),
                )
            },
            |(coop, tree, zone, author, week, quiet)| {
                get_diary_report(coop, tree, zone, author, week, quiet)
            },
        );
        view! {
            <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
                {move || Suspend::new(async move {
                    crate::pages::gated(report.await, |r| view! { <Report r/> }.into_any())
                })}
            </Suspense>
        }
        .into_any()
    }

    #[component]
    fn Report(r: DiaryReport) -> AnyView {
        let l = use_locale();
        let title = format!("{} · {}", Msg::DiaryReportTitle.text(l), r.coop_name);
        let choice = |chosen: &str, all: Msg, options: &[(String, String)]| {
            let chosen = chosen.to_owned();
            view! {
                <option value="">{all.text(l)}</option>
                {options.iter().map(|(v, name)| view! {
                    <option value=v.clone() selected=*v == chosen>{name.clone()}</option>
                }).collect_view()}
            }
        };
        view! {
        <leptos_meta::Title text=title/>
        <p><a href=format!("/manage/{}", r.coop_code)>{"← "}{r.coop_name.clone()}</a></p>
        <h1>{Msg::DiaryReportTitle.text(l)}</h1>
        <form method="get" class="form filters">
            <label for="f-tree">{Msg::TreeCode.text(l)}</label>
            <input id="f-tree" name="tree" value=r.tree.clone() autocomplete="off"/>
            <label for="f-zone">{Msg::Zone.text(l)}</label>
            <select id="f-zone" name="zone">{choice(&r.zone, Msg::AllZones, &r.zones)}</select>
            <label for="f-author">{Msg::Recorder.text(l)}</label>
            <select id="f-author" name="author">{choice(&r.author, Msg::AllRecorders, &r.authors)}</select>
            <label for="f-week">{Msg::Week.text(l)}</label>
            <input id="f-week" name="week" type="week" value=r.week.clone()/>
            <label for="f-quiet">{Msg::QuietDays.text(l)}</label>
            <input id="f-quiet" name="quiet" inputmode="numeric" value=r.quiet_days.to_string()/>
            <button type="submit" class="primary">{Msg::ShowReport.text(l)}</button>
        </form>
        {(!r.flags.is_empty()).then(|| view! {
            <section class="badge warn" role="status">
                <p><strong>{Msg::IntervalFlags.text(l)}</strong></p>
                <ul>{r.flags.iter().map(|f| view! { <li>{f.clone()}</li> }).collect_view()}</ul>
            </section>
        })}
        {r.truncated.then(|| view! { <p class="muted">{Msg::Truncated.text(l)}</p> })}
        {r.weeks.is_empty().then(|| view! { <p class="muted">{Msg::NoEntriesMatch.text(l)}</p> })}
        {r.weeks.iter().map(|(week, lines)| view! {
            <section class="report-week">
                <h2>{format!("{} {}", Msg::Week.text(l), week)}</h2>
                <ul class="report-lines">
                    {lines.iter().map(|x| view! {
                        <li>
                            <span class="muted">{x.when.clone()}</span>" · "
                            <a href=format!("/manage/{}/diary?tree={}", r.coop_code, x.tree)><span class="code">{x.tree.clone()}</span></a>
                            " · "{x.what.clone()}" · "<span class="muted">{x.who.clone()}</span>
                            {x.flag.clone().map(|f| view! { <p class="flag">{f}</p> })}
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }).collect_view()}
        <section>
            <h2>{format!("{} ({} > {})", Msg::QuietTrees.text(l), Msg::Days.text(l), r.quiet_days)}</h2>
            <ul class="report-lines quiet">
                {r.quiet.iter().map(|(code, last)| view! {
                    <li><span class="code">{code.clone()}</span>{format!(" · {last}")}</li>
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
    }
}
