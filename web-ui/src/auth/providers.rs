//! The identity-provider editor and its "Test connection" answer.

use super::*;

const PROVIDER_FIELDS: &[&str] = &["id", "displayName", "clientId", "clientSecret", "issuer"];

/// Adds a provider or edits `initial`; tests it as typed.
#[component]
pub(super) fn ProviderEditor(
    slug: Signal<String>,
    action: ServerAction<ChangeAuth>,
    initial: Option<ProviderView>,
    editing: RwSignal<Option<ProviderView>>,
) -> impl IntoView {
    let original = initial.as_ref().map(|p| p.id.clone());
    let text = |of: fn(&ProviderView) -> String| {
        RwSignal::new(initial.as_ref().map(of).unwrap_or_default())
    };
    let kind = RwSignal::new(
        initial
            .as_ref()
            .map_or("oidc", |p| p.kind.as_str())
            .to_owned(),
    );
    let id = text(|p| p.id.clone());
    let display_name = text(|p| p.display_name.clone());
    let client_id = text(|p| p.client_id.clone());
    let client_secret = RwSignal::new(String::new());
    let issuer = text(|p| p.issuer.clone());
    let upstream_scopes = text(|p| p.upstream_scopes.join(", "));
    let problem = problem_signal(action);
    let test = ServerAction::<TestProvider>::new();
    on_success(action, move || {
        if editing.get_untracked().is_some() {
            editing.set(None);
        } else {
            for field in [
                id,
                display_name,
                client_id,
                client_secret,
                issuer,
                upstream_scopes,
            ] {
                field.set(String::new());
            }
        }
    });
    let saved = move || matches!(action.value().get(), Some(Ok(Ok(_))));
    let heading = match &initial {
        Some(p) => format!("Edit {}", p.display_name),
        None => "Add an identity provider".to_owned(),
    };
    let secret_hint = if initial.as_ref().is_some_and(|p| p.client_secret_set) {
        "Saved and never shown again. Leave empty to keep it."
    } else {
        "Stored encrypted; never shown again."
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(ChangeAuth {
            slug: slug.get_untracked(),
            change: AuthChange::PutProvider {
                original: original.clone(),
                provider: ProviderForm {
                    id: id.get_untracked(),
                    kind: kind.get_untracked(),
                    display_name: display_name.get_untracked(),
                    client_id: client_id.get_untracked(),
                    client_secret: client_secret.get_untracked(),
                    issuer: issuer.get_untracked(),
                    upstream_scopes: upstream_scopes.get_untracked(),
                },
            },
        });
    };
    let run_test = move |_| {
        test.dispatch(TestProvider {
            slug: slug.get_untracked(),
            kind: kind.get_untracked(),
            issuer: issuer.get_untracked(),
        });
    };
    let issuer_label = move || match kind.get().as_str() {
        "github" => "GitHub site (only for GitHub Enterprise)",
        "google" => "Issuer (Google's by default)",
        _ => "Issuer URL",
    };
    view! {
        <h2>{heading}</h2>
        <form class="form" novalidate=true on:submit=submit>
            <label for="provider-kind">"Kind"</label>
            <select id="provider-kind" prop:value=move || kind.get()
                on:change=move |ev| kind.set(event_target_value(&ev))>
                <option value="oidc">"OpenID Connect (any provider)"</option>
                <option value="google">"Google"</option>
                <option value="github">"GitHub"</option>
            </select>
            <Field id="provider-id" label="Id" value=id field="id" problem
                placeholder="acme-sso" hint="Short and stable: it is part of every user id this provider vouches for."/>
            <Field id="provider-name" label="Display name" value=display_name field="displayName" problem
                placeholder="Acme SSO"/>
            <Field id="provider-client-id" label="Client ID" value=client_id field="clientId" problem/>
            <Field id="provider-client-secret" label="Client secret" value=client_secret field="clientSecret"
                problem kind="password" hint=secret_hint/>
            <label for="provider-issuer">{issuer_label}</label>
            <input id="provider-issuer" type="url" placeholder="https://login.example.com" autocomplete="off"
                aria-describedby="provider-issuer-error"
                prop:value=move || issuer.get() on:input=move |ev| issuer.set(event_target_value(&ev))/>
            <p id="provider-issuer-error" class="field-error" role="alert">
                {move || crate::form::field_message(problem.get(), "issuer")}
            </p>
            <Field id="provider-scopes" label="Extra scopes to ask the provider for" value=upstream_scopes
                field="upstreamScopes" problem placeholder="read:org"/>
            <FormError problem fields=PROVIDER_FIELDS/>
            <p class="saved" role="status">{move || saved().then_some("Saved.")}</p>
            <div class="buttons">
                <button type="button" class="secondary" on:click=run_test disabled=move || test.pending().get()>
                    {move || if test.pending().get() { "Testing…" } else { "Test connection" }}
                </button>
                <Submit pending=action.pending() idle="Save provider" busy="Saving…"/>
                {initial.is_some().then(|| view! {
                    <button type="button" class="link" on:click=move |_| editing.set(None)>"Cancel"</button>
                })}
            </div>
            <TestAnswer test/>
        </form>
    }
}

/// The checks of the last "Test connection", one line each.
#[component]
fn TestAnswer(test: ServerAction<TestProvider>) -> impl IntoView {
    let problem = problem_signal(test);
    view! {
        <div class="test-result" aria-live="polite">
            {move || match test.value().get() {
                Some(Ok(Ok(result))) => view! {
                    <p class=if result.ok { "saved" } else { "error" }>
                        {if result.ok { "Connection works." } else { "Connection failed." }}
                    </p>
                    <ul class="checks">
                        {result.checks.into_iter().map(|c| view! {
                            <li class=if c.ok { "check ok" } else { "check failed" }>
                                <span aria-hidden="true">{if c.ok { "✓ " } else { "✗ " }}</span>
                                <strong>{c.name}</strong>": "{c.detail}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
                _ => view! { <p class="error" role="alert">{move || problem.get().map(|p| p.message)}</p> }.into_any(),
            }}
        </div>
    }
}
