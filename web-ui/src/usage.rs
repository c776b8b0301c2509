//! A tenant's usage as a picture: tool calls per hour as bars, the failed
//! share of each in red, with the totals in words for screen readers.

use leptos::prelude::*;

use crate::api::Usage;

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 120.0;

#[component]
pub fn UsageChart(usage: Usage) -> impl IntoView {
    let points = usage.points;
    let calls: i64 = points.iter().map(|p| p.tool_calls).sum();
    let errors: i64 = points.iter().map(|p| p.errors).sum();
    let logins: i64 = points.iter().map(|p| p.logins).sum();
    let users = points.iter().map(|p| p.active_users).max().unwrap_or(0);
    let summary = format!(
        "{calls} tool calls, {errors} failed, {logins} sign-ins; up to {users} active users in an hour"
    );
    if calls == 0 && logins == 0 {
        return view! { <p class="empty">"No calls yet."</p> }.into_any();
    }
    let tallest = points
        .iter()
        .map(|p| p.tool_calls)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let slot = WIDTH / points.len().max(1) as f64;
    let bars = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = i as f64 * slot + slot * 0.1;
            let width = slot * 0.8;
            let height = HEIGHT * p.tool_calls as f64 / tallest;
            let failed = HEIGHT * p.errors as f64 / tallest;
            let title = format!("{}: {} calls, {} failed", p.at, p.tool_calls, p.errors);
            view! {
                <g>
                    <title>{title}</title>
                    <rect class="calls" x=x y=HEIGHT - height width=width height=height/>
                    <rect class="failed" x=x y=HEIGHT - failed width=width height=failed/>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="usage">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=summary.clone()
                preserveAspectRatio="none">
                {bars}
            </svg>
            <figcaption>{summary}</figcaption>
        </figure>
    }
    .into_any()
}
