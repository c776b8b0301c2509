//! The small forms for scopes, who may sign in, roles and pre-registered
//! clients.

use super::*;

#[component]
pub(super) fn ScopeForm(slug: Signal<String>, action: ServerAction<ChangeAuth>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let problem = problem_signal(action);
    on_success(action, move || {
        name.set(String::new());
        description.set(String::new());
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(ChangeAuth {
            slug: slug.get_untracked(),
            change: AuthChange::PutScope(Scope {
                name: name.get_untracked().trim().to_owned(),
                description: description.get_untracked().trim().to_owned(),
            }),
        });
    };
    view! {
        <h2>"Add a scope"</h2>
        <form class="form" novalidate=true on:submit=submit>
            <Field id="scope-name" label="Scope name" value=name field="scopeName" problem placeholder="weather:read"/>
            <Field id="scope-description" label="Scope description" value=description field="scopeDescription"
                problem placeholder="Read forecasts" hint="Users read this when they consent."/>
            <FormError problem fields=&["scopeName", "scopeDescription"]/>
            <Submit pending=action.pending() idle="Add scope" busy="Saving…"/>
        </form>
    }
}

/// The conditions of a rule, as typed.
#[derive(Clone, Copy)]
struct MatchFields {
    email_domains: RwSignal<String>,
    emails: RwSignal<String>,
    github_logins: RwSignal<String>,
    github_orgs: RwSignal<String>,
    groups: RwSignal<String>,
}

impl MatchFields {
    fn new() -> Self {
        Self {
            email_domains: RwSignal::new(String::new()),
            emails: RwSignal::new(String::new()),
            github_logins: RwSignal::new(String::new()),
            github_orgs: RwSignal::new(String::new()),
            groups: RwSignal::new(String::new()),
        }
    }

    fn clear(self) {
        for field in [
            self.email_domains,
            self.emails,
            self.github_logins,
            self.github_orgs,
            self.groups,
        ] {
            field.set(String::new());
        }
    }

    fn value(self) -> UserMatch {
        UserMatch {
            email_domains: list(&self.email_domains.get_untracked()),
            emails: list(&self.emails.get_untracked()),
            github_logins: list(&self.github_logins.get_untracked()),
            github_orgs: list(&self.github_orgs.get_untracked()),
            groups: list(&self.groups.get_untracked()),
        }
    }
}

#[component]
fn MatchInputs(
    prefix: &'static str,
    fields: MatchFields,
    problem: Signal<Option<Problem>>,
) -> impl IntoView {
    let id = |name: &str| format!("{prefix}-{name}");
    view! {
        <Field id=id("domains") label="Email domains (verified emails)" value=fields.email_domains
            field="emailDomains" problem placeholder="acme.com"/>
        <Field id=id("emails") label="Emails" value=fields.emails field="emails" problem/>
        <Field id=id("github-logins") label="GitHub logins" value=fields.github_logins field="githubLogins" problem/>
        <Field id=id("github-orgs") label="GitHub organisations" value=fields.github_orgs field="githubOrgs" problem/>
        <Field id=id("groups") label="Groups (from the provider's groups claim)" value=fields.groups
            field="groups" problem/>
    }
}

#[component]
pub(super) fn RuleForm(slug: Signal<String>, action: ServerAction<ChangeAuth>) -> impl IntoView {
    let fields = MatchFields::new();
    let problem = problem_signal(action);
    on_success(action, move || fields.clear());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(ChangeAuth {
            slug: slug.get_untracked(),
            change: AuthChange::AddRule(fields.value()),
        });
    };
    view! {
        <h2>"Add a sign-in rule"</h2>
        <form class="form" novalidate=true on:submit=submit>
            <p class="hint">"A user matching any rule may sign in; within a rule, any listed value matches. Separate values with commas."</p>
            <MatchInputs prefix="rule" fields problem/>
            <FormError problem fields=&[]/>
            <Submit pending=action.pending() idle="Add rule" busy="Saving…"/>
        </form>
    }
}

#[component]
pub(super) fn RoleForm(slug: Signal<String>, action: ServerAction<ChangeAuth>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(String::new());
    let fields = MatchFields::new();
    let problem = problem_signal(action);
    on_success(action, move || {
        name.set(String::new());
        scopes.set(String::new());
        fields.clear();
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(ChangeAuth {
            slug: slug.get_untracked(),
            change: AuthChange::PutRole(Role {
                name: name.get_untracked().trim().to_owned(),
                when: fields.value(),
                scopes: list(&scopes.get_untracked()),
            }),
        });
    };
    view! {
        <h2>"Add a role"</h2>
        <form class="form" novalidate=true on:submit=submit>
            <Field id="role-name" label="Role name" value=name field="roleName" problem placeholder="staff"/>
            <Field id="role-scopes" label="Scopes its members may grant" value=scopes field="roleScopes" problem
                placeholder="weather:read"/>
            <p class="hint">"Who is in the role (leave all empty for every signed-in user):"</p>
            <MatchInputs prefix="role" fields problem/>
            <FormError problem fields=&["roleName"]/>
            <Submit pending=action.pending() idle="Add role" busy="Saving…"/>
        </form>
    }
}

#[component]
pub(super) fn ClientForm(slug: Signal<String>, action: ServerAction<ChangeAuth>) -> impl IntoView {
    let client_id = RwSignal::new(String::new());
    let client_name = RwSignal::new(String::new());
    let redirect_uris = RwSignal::new(String::new());
    let problem = problem_signal(action);
    on_success(action, move || {
        for field in [client_id, client_name, redirect_uris] {
            field.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = client_id.get_untracked().trim().to_owned();
        let name = Some(client_name.get_untracked().trim().to_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| id.clone());
        action.dispatch(ChangeAuth {
            slug: slug.get_untracked(),
            change: AuthChange::PutClient(ClientConfig {
                client_id: id,
                client_name: name,
                redirect_uris: list(&redirect_uris.get_untracked()),
            }),
        });
    };
    view! {
        <h2>"Pre-register a client"</h2>
        <form class="form" novalidate=true on:submit=submit>
            <Field id="client-id" label="Pre-registered client id" value=client_id field="clientId" problem placeholder="acme-desktop"/>
            <Field id="client-name" label="Client name" value=client_name field="clientName" problem
                placeholder="Acme Desktop" hint="Users see it on the consent page."/>
            <Field id="client-redirects" label="Redirect URIs" value=redirect_uris field="redirectUris" problem
                placeholder="http://127.0.0.1/callback" hint="Exact URIs, comma-separated; http only on loopback."/>
            <FormError problem fields=&["clientId", "redirectUris"]/>
            <Submit pending=action.pending() idle="Add client" busy="Saving…"/>
        </form>
    }
}
