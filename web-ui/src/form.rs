//! What every form shares: inputs bound to signals (so a refused save
//! keeps what was typed), the server's problem shown next to the field at
//! fault, and the rest above the buttons.

use leptos::prelude::*;

use crate::api::{Outcome, Problem};

/// The problem a change ended in, if it did.
pub fn problem_of<T>(value: Option<Result<Outcome<T>, Problem>>) -> Option<Problem> {
    match value {
        Some(Ok(Err(problem))) => Some(problem),
        Some(Err(e)) => Some(e),
        _ => None,
    }
}

/// The problem of `action`'s last run, as a signal.
pub fn problem_signal<A, T>(action: ServerAction<A>) -> Signal<Option<Problem>>
where
    A: leptos::server_fn::ServerFn<Output = Outcome<T>, Error = Problem>
        + Clone
        + Send
        + Sync
        + 'static,
    T: Clone + Send + Sync + 'static,
{
    Signal::derive(move || problem_of(action.value().get()))
}

/// How many times `action` has succeeded: the key for data only a
/// successful change alters, so a refused change (say, made on a version
/// someone else replaced) does not reload the data and redraw the form
/// over what was typed.
pub fn successes<A, T>(action: ServerAction<A>) -> Signal<usize>
where
    A: leptos::server_fn::ServerFn<Output = Outcome<T>, Error = Problem>
        + Clone
        + Send
        + Sync
        + 'static,
    T: Clone + Send + Sync + 'static,
{
    let count = RwSignal::new(0);
    on_success(action, move || count.update(|n| *n += 1));
    count.into()
}

/// Runs `then` each time `action` succeeds, e.g. to empty an add form.
pub fn on_success<A, T>(action: ServerAction<A>, then: impl Fn() + 'static)
where
    A: leptos::server_fn::ServerFn<Output = Outcome<T>, Error = Problem>
        + Clone
        + Send
        + Sync
        + 'static,
    T: Clone + Send + Sync + 'static,
{
    let version = action.version();
    Effect::new(move |seen: Option<usize>| {
        let now = version.get();
        let succeeded = action
            .value()
            .with_untracked(|v| matches!(v, Some(Ok(Ok(_)))));
        if seen.is_some_and(|seen| seen != now) && succeeded {
            then();
        }
        now
    });
}

/// One labelled text input bound to `value`, with the server's message
/// for `field` under it.
#[component]
pub fn Field(
    #[prop(into)] id: String,
    label: &'static str,
    value: RwSignal<String>,
    /// The API's name of the field, e.g. `clientSecret`.
    field: &'static str,
    problem: Signal<Option<Problem>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional, into)] hint: String,
    #[prop(optional)] readonly: bool,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let label_for = id.clone();
    view! {
        <label for=label_for>{label}</label>
        <input id=id type=kind placeholder=placeholder autocomplete="off" readonly=readonly
            aria-describedby=error_id.clone()
            aria-invalid=move || field_message(problem.get(), field).is_some().to_string()
            prop:value=move || value.get()
            on:input=move |ev| value.set(event_target_value(&ev))/>
        {(!hint.is_empty()).then(|| view! { <p class="hint">{hint}</p> })}
        <p id=error_id class="field-error" role="alert">{move || field_message(problem.get(), field)}</p>
    }
}

/// A form's submit button: disabled while `pending` (no double submits),
/// saying `busy` then instead of `idle`.
#[component]
pub fn Submit(
    #[prop(into)] pending: Signal<bool>,
    idle: &'static str,
    busy: &'static str,
) -> impl IntoView {
    view! {
        <button class="primary" type="submit" disabled=move || pending.get()>
            {move || if pending.get() { busy } else { idle }}
        </button>
    }
}

/// The problem's message if it is about `field`.
pub fn field_message(problem: Option<Problem>, field: &str) -> Option<String> {
    problem
        .filter(|p| p.field.as_deref() == Some(field))
        .map(|p| p.message)
}

/// The problem, unless one of `fields` shows it already. A change made on
/// a version someone else has since replaced (412) offers a reload; what
/// was typed stays in the form until then.
#[component]
pub fn FormError(
    problem: Signal<Option<Problem>>,
    fields: &'static [&'static str],
) -> impl IntoView {
    view! {
        <p class="error" role="alert">
            {move || problem.get()
                .filter(|p| !p.field.as_deref().is_some_and(|f| fields.contains(&f)))
                .map(|p| view! {
                    {p.message}
                    {(p.status == 412).then(|| view! {
                        " " <a class="reload" href="" rel="external">"Reload to see their change"</a>
                    })}
                }.into_any())}
        </p>
    }
}

/// Splits a comma- or newline-separated list, dropping blanks.
pub fn list(text: &str) -> Vec<String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}
