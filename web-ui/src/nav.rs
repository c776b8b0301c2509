//! Getting around: the tabs of a tenant's pages, and the switcher between
//! tenants for admins of several.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use serde::{Deserialize, Serialize};

/// A tenant's pages, in the order an admin sets a tenant up.
const TABS: &[(&str, &str)] = &[
    ("", "Overview"),
    ("/auth", "Sign-in"),
    ("/tools", "Tools"),
    ("/catalog", "Prompts & resources"),
    ("/clients", "Clients"),
    ("/members", "Members"),
    ("/audit", "Audit log"),
];

/// The tabs of tenant `slug`, the current one marked for screen readers.
#[component]
pub fn TenantNav(slug: Signal<String>, #[prop(into)] title: String) -> impl IntoView {
    let location = use_location();
    view! {
        <div class="page-head">
            <h1>{title}</h1>
        </div>
        <nav class="tabs" aria-label="Tenant">
            {TABS.iter().map(|(suffix, label)| {
                let href = move || format!("/tenants/{}{suffix}", slug.get());
                let current = move || (location.pathname.get() == href()).then_some("page");
                view! { <a href=href aria-current=current>{*label}</a> }
            }).collect_view()}
        </nav>
    }
}

/// A tenant in the switcher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantChoice {
    pub slug: String,
    pub name: String,
}

/// A menu of the tenants the admin may open; shown when there is more
/// than one.
#[component]
pub fn TenantSwitcher(tenants: Vec<TenantChoice>) -> impl IntoView {
    if tenants.len() < 2 {
        return ().into_any();
    }
    let location = use_location();
    let current = move || {
        location
            .pathname
            .get()
            .strip_prefix("/tenants/")
            .map(|rest| rest.split('/').next().unwrap_or_default().to_owned())
            .unwrap_or_default()
    };
    let navigate = use_navigate();
    view! {
        <label class="switcher">
            <span class="visually-hidden">"Switch tenant"</span>
            <select on:change=move |ev| {
                let slug = event_target_value(&ev);
                if !slug.is_empty() {
                    navigate(&format!("/tenants/{slug}"), Default::default());
                }
            }>
                <option value="" selected=move || current().is_empty()>"Switch tenant…"</option>
                {tenants.into_iter().map(|t| {
                    let slug = t.slug.clone();
                    let selected = move || current() == slug;
                    view! { <option value=t.slug.clone() selected=selected>{t.name}</option> }
                }).collect_view()}
            </select>
        </label>
    }
    .into_any()
}
