//! Signing in: with the identity provider the control plane is set up
//! with, or (the very first operator) a one-time link from the command line.

use leptos::prelude::*;

/// Shown wherever a page needs a signed-in admin.
#[component]
pub fn SignInPrompt() -> impl IntoView {
    view! {
        <div class="signin" role="alert">
            <h2>"Sign in to continue"</h2>
            <p>"Sign in with your organisation's account. Only admins invited to a tenant get in."</p>
            <p><a class="button primary" href="/auth/oidc/start">"Sign in"</a></p>
            <p class="muted">
                "Setting Portcullis up? The first operator signs in with a one-time link: "
                <code>"portcullis-control-plane sign-in-link you@example.com"</code>
            </p>
        </div>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    view! {
        <section class="page">
            <SignInPrompt/>
        </section>
    }
}
