//! A tenant's usage as pictures: tool calls per bucket as bars with the
//! failed share in red, and active users; the totals in words for screen
//! readers and at a glance; calls per tool, with what HTTP tools'
//! backends answered.

use leptos::prelude::*;

use crate::api::{UsagePoint, UsageSeries, when};
use portcullis_api::usage::ToolUsage;

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 120.0;

#[component]
pub fn UsageCharts(usage: UsageSeries) -> impl IntoView {
    let points = usage.points;
    let calls: i64 = points.iter().map(|p| p.tool_calls).sum();
    let errors: i64 = points.iter().map(|p| p.errors).sum();
    let logins: i64 = points.iter().map(|p| p.logins).sum();
    let users = points.iter().map(|p| p.active_users).max().unwrap_or(0);
    let per = if usage.bucket == "day" {
        "a day"
    } else {
        "an hour"
    };
    if calls == 0 && logins == 0 {
        return view! { <p class="empty">"No calls in this range."</p> }.into_any();
    }
    let first = points.first().map(|p| when(&p.at)).unwrap_or_default();
    let last = points.last().map(|p| when(&p.at)).unwrap_or_default();
    let rate = if calls > 0 {
        format!("{:.1}%", errors as f64 * 100.0 / calls as f64)
    } else {
        "0%".into()
    };
    view! {
        <dl class="totals">
            <div><dt>"Tool calls"</dt><dd>{calls}</dd></div>
            <div><dt>"Failed"</dt><dd>{format!("{errors} ({rate})")}</dd></div>
            <div><dt>"Sign-ins"</dt><dd>{logins}</dd></div>
            <div><dt>{format!("Most users in {per}")}</dt><dd>{users}</dd></div>
        </dl>
        <Chart
            title="Tool calls (failed in red)"
            summary=format!("{calls} tool calls, {errors} failed, between {first} and {last}")
            points=points.clone()
            value=|p| p.tool_calls
            part=Some(|p: &UsagePoint| p.errors)
            first=first.clone()
            last=last.clone()/>
        <Chart
            title="Active users"
            summary=format!("up to {users} active users in {per}, between {first} and {last}")
            points
            value=|p| p.active_users
            part=None
            first
            last/>
        <ToolTable tools=usage.tools/>
    }
    .into_any()
}

/// Calls per tool, with what HTTP tools' backends answered.
#[component]
fn ToolTable(tools: Vec<ToolUsage>) -> impl IntoView {
    let rows = tools
        .into_iter()
        .filter(|t| t.calls > 0)
        .map(|t| {
            let latency = t
                .latency_ms_avg
                .map(|ms| format!("{ms:.0} ms"))
                .unwrap_or_default();
            let backend: Vec<String> = t
                .backend
                .iter()
                .map(|(status, n)| format!("{status} ×{n}"))
                .collect();
            let name = t.tool.clone();
            view! {
                <tr data-tool=name>
                    <th scope="row">{t.tool}</th><td>{t.calls}</td><td>{t.errors}</td>
                    <td>{latency}</td><td class="backend">{backend.join(", ")}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="tool-usage">
            <thead><tr><th scope="col">"Tool"</th><th scope="col">"Calls"</th><th scope="col">"Failed"</th>
                <th scope="col">"Average"</th><th scope="col">"Backend answered"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// One bar chart of `value` per point, `part` of each bar in red.
#[component]
fn Chart(
    title: &'static str,
    summary: String,
    points: Vec<UsagePoint>,
    value: fn(&UsagePoint) -> i64,
    part: Option<fn(&UsagePoint) -> i64>,
    first: String,
    last: String,
) -> impl IntoView {
    let tallest = points.iter().map(value).max().unwrap_or(1).max(1) as f64;
    let slot = WIDTH / points.len().max(1) as f64;
    let bars = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = i as f64 * slot + slot * 0.1;
            let width = slot * 0.8;
            let height = HEIGHT * value(p) as f64 / tallest;
            let failed = part.map_or(0.0, |f| HEIGHT * f(p) as f64 / tallest);
            let tip = match part {
                Some(f) => format!("{}: {}, {} failed", when(&p.at), value(p), f(p)),
                None => format!("{}: {}", when(&p.at), value(p)),
            };
            view! {
                <g>
                    <title>{tip}</title>
                    <rect class="calls" x=x y=HEIGHT - height width=width height=height/>
                    {(failed > 0.0).then(|| view! {
                        <rect class="failed" x=x y=HEIGHT - failed width=width height=failed/>
                    })}
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="usage">
            <figcaption>{title}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=summary
                preserveAspectRatio="none">
                {bars}
            </svg>
            <div class="axis"><span>{first}</span><span>{last}</span></div>
        </figure>
    }
}
