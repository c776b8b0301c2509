//! What a page shows when its data did not load: one widget, [`Failure`],
//! and [`Loaded`], the error boundary every page puts around its data so a
//! server function's [`Problem`] lands here instead of in each page.

use leptos::prelude::*;

use crate::api::Problem;
use crate::signin::SignInPrompt;

/// Why `what` could not be loaded: a sign-in prompt when signed out.
#[component]
pub fn Failure(problem: Problem, what: &'static str) -> impl IntoView {
    if problem.signed_out() {
        return view! { <SignInPrompt/> }.into_any();
    }
    view! {
        <p class="error" role="alert">{format!("Could not load {what}: {}", problem.message)}</p>
    }
    .into_any()
}

/// Shows `children` (data read as `Result<_, Problem>`), or the
/// [`Failure`] of the first that did not load.
#[component]
pub fn Loaded(what: &'static str, children: Children) -> impl IntoView {
    view! {
        <ErrorBoundary fallback=move |errors| {
            let problem = errors.with(|errors| {
                errors.iter().next().map(|(_, error)| {
                    error
                        .downcast_ref::<Problem>()
                        .cloned()
                        .unwrap_or_else(|| Problem::unavailable(error))
                })
            });
            problem.map(|problem| view! { <Failure problem what/> })
        }>
            {children()}
        </ErrorBoundary>
    }
}
