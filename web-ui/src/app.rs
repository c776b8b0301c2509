//! The document shell and the router.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::audit::AuditPage;
use crate::auth::AuthPage;
use crate::catalog::CatalogPage;
use crate::clients::ClientsPage;
use crate::members::MembersPage;
use crate::session::SessionBar;
use crate::signin::SignInPage;
use crate::tenant::TenantPage;
use crate::tenants::TenantsPage;
use crate::tools::{ImportPage, ToolPage, ToolsPage};

/// The HTML document around every page, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" type="image/svg+xml" href="/pkg/favicon.svg"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet href="/pkg/portcullis.css"/>
        <Title text="Portcullis"/>
        <Router>
            <a class="skip" href="#main" rel="external">"Skip to content"</a>
            <header class="topbar">
                <a class="brand" href="/">"Portcullis"</a>
                <SessionBar/>
            </header>
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <p class="empty">"Page not found."</p> }>
                    <Route path=path!("/") view=TenantsPage/>
                    <Route path=path!("/signin") view=SignInPage/>
                    <Route path=path!("/tenants/:slug") view=TenantPage/>
                    <Route path=path!("/tenants/:slug/tools") view=ToolsPage/>
                    <Route path=path!("/tenants/:slug/tools/:name") view=ToolPage/>
                    <Route path=path!("/tenants/:slug/import") view=ImportPage/>
                    <Route path=path!("/tenants/:slug/auth") view=AuthPage/>
                    <Route path=path!("/tenants/:slug/catalog") view=CatalogPage/>
                    <Route path=path!("/tenants/:slug/clients") view=ClientsPage/>
                    <Route path=path!("/tenants/:slug/members") view=MembersPage/>
                    <Route path=path!("/tenants/:slug/audit") view=AuditPage/>
                </Routes>
            </main>
        </Router>
    }
}
