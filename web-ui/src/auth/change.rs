//! What one form's change does to the saved settings: pure, so it is
//! tested natively and applied on the server to what is saved.

use super::*;

fn invalid(field: &str, message: &str) -> Problem {
    Problem::invalid(field, message)
}

/// The settings `change` leads to, as the API's input document; or what
/// is wrong with the form before the API need be asked.
pub fn apply(saved: AuthSettings, change: AuthChange) -> Result<serde_json::Value, Problem> {
    let AuthSettings {
        mode,
        providers,
        mut scopes,
        mut allow,
        mut roles,
        mut clients,
        ..
    } = saved;
    let mut oauth = mode == AuthMode::Oauth;
    // Saved secrets stay saved: the API keeps a provider's secret when
    // none is sent for its id.
    let mut inputs: Vec<serde_json::Value> = providers
        .into_iter()
        .map(|p| {
            serde_json::json!({
                "id": p.id, "kind": p.kind, "displayName": p.display_name,
                "clientId": p.client_id, "issuer": p.issuer,
                "apiBase": p.api_base, "upstreamScopes": p.upstream_scopes,
            })
        })
        .collect();
    let needs_provider = || {
        invalid(
            "auth",
            "Add an identity provider first: these settings apply to signed-in users.",
        )
    };
    match change {
        AuthChange::MakePublic => oauth = false,
        AuthChange::PutProvider { original, provider } => {
            let p = provider;
            let is_new = original.is_none();
            if p.id.trim().is_empty() {
                return Err(invalid("id", "Give the provider an id, e.g. acme-sso."));
            }
            if p.display_name.trim().is_empty() {
                return Err(invalid(
                    "displayName",
                    "Give the provider a name users will recognise.",
                ));
            }
            if p.client_id.trim().is_empty() {
                return Err(invalid(
                    "clientId",
                    "Paste the client ID the provider gave you.",
                ));
            }
            if p.client_secret.is_empty() && (is_new || original.as_deref() != Some(p.id.as_str()))
            {
                return Err(invalid(
                    "clientSecret",
                    "Paste the client secret the provider gave you.",
                ));
            }
            if p.kind == "oidc" && p.issuer.trim().is_empty() {
                return Err(invalid(
                    "issuer",
                    "An OpenID Connect provider needs its issuer URL.",
                ));
            }
            let mut input = serde_json::json!({
                "id": p.id.trim(), "kind": p.kind, "displayName": p.display_name.trim(),
                "clientId": p.client_id.trim(), "upstreamScopes": list(&p.upstream_scopes),
            });
            if !p.client_secret.is_empty() {
                input["clientSecret"] = p.client_secret.into();
            }
            if !p.issuer.trim().is_empty() {
                input["issuer"] = p.issuer.trim().into();
            }
            match original.and_then(|o| inputs.iter().position(|i| i["id"] == o.as_str())) {
                Some(at) => inputs[at] = input,
                None => inputs.push(input),
            }
            oauth = true;
        }
        AuthChange::RemoveProvider(id) => inputs.retain(|i| i["id"] != id.as_str()),
        _ if !oauth => return Err(needs_provider()),
        AuthChange::PutScope(scope) => {
            if scope.name.trim().is_empty() {
                return Err(invalid("scopeName", "Name the scope, e.g. weather:read."));
            }
            if scope.description.trim().is_empty() {
                return Err(invalid(
                    "scopeDescription",
                    "Describe the scope: users read it when they consent.",
                ));
            }
            match scopes.iter_mut().find(|s| s.name == scope.name) {
                Some(existing) => *existing = scope,
                None => scopes.push(scope),
            }
        }
        AuthChange::RemoveScope(name) => scopes.retain(|s| s.name != name),
        AuthChange::AddRule(rule) => {
            if rule == UserMatch::default() {
                return Err(invalid("rule", "Fill in at least one condition."));
            }
            allow.push(rule);
        }
        AuthChange::RemoveRule(index) => {
            if index < allow.len() {
                allow.remove(index);
            }
        }
        AuthChange::PutRole(role) => {
            if role.name.trim().is_empty() {
                return Err(invalid("roleName", "Name the role, e.g. staff."));
            }
            match roles.iter_mut().find(|r| r.name == role.name) {
                Some(existing) => *existing = role,
                None => roles.push(role),
            }
        }
        AuthChange::RemoveRole(name) => roles.retain(|r| r.name != name),
        AuthChange::PutClient(client) => {
            if client.client_id.trim().is_empty() {
                return Err(invalid(
                    "clientId",
                    "Give the client an id, e.g. acme-desktop.",
                ));
            }
            if client.redirect_uris.is_empty() {
                return Err(invalid("redirectUris", "List at least one redirect URI."));
            }
            match clients.iter_mut().find(|c| c.client_id == client.client_id) {
                Some(existing) => *existing = client,
                None => clients.push(client),
            }
        }
        AuthChange::RemoveClient(id) => clients.retain(|c| c.client_id != id),
    }
    if !oauth {
        return Ok(serde_json::json!({ "mode": "public" }));
    }
    Ok(serde_json::json!({
        "mode": "oauth", "providers": inputs, "scopes": scopes,
        "allow": allow, "roles": roles, "clients": clients,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved() -> AuthSettings {
        serde_json::from_value(serde_json::json!({
            "mode": "oauth",
            "providers": [{"id": "sso", "kind": "oidc", "displayName": "SSO", "clientId": "c",
                "clientSecretSet": true, "issuer": "https://idp.example", "upstreamScopes": []}],
            "scopes": [{"name": "read", "description": "Read"}],
            "allow": [], "roles": [], "clients": []
        }))
        .unwrap()
    }

    fn provider(id: &str, secret: &str) -> ProviderForm {
        ProviderForm {
            id: id.into(),
            kind: "oidc".into(),
            display_name: "SSO".into(),
            client_id: "c".into(),
            client_secret: secret.into(),
            issuer: "https://idp.example".into(),
            upstream_scopes: String::new(),
        }
    }

    #[test]
    fn editing_a_provider_keeps_its_secret_unless_a_new_one_is_typed() {
        let input = apply(
            saved(),
            AuthChange::PutProvider {
                original: Some("sso".into()),
                provider: provider("sso", ""),
            },
        )
        .unwrap();
        assert_eq!(input["providers"].as_array().unwrap().len(), 1);
        assert!(input["providers"][0].get("clientSecret").is_none());
        let renamed = apply(
            saved(),
            AuthChange::PutProvider {
                original: Some("sso".into()),
                provider: provider("corp", ""),
            },
        );
        assert_eq!(renamed.unwrap_err().field.as_deref(), Some("clientSecret"));
    }

    #[test]
    fn a_new_provider_needs_everything_and_turns_sign_in_on() {
        let public: AuthSettings = serde_json::from_value(serde_json::json!({
            "mode": "public", "providers": [], "scopes": [], "allow": [], "roles": [], "clients": []
        }))
        .unwrap();
        let mut missing = provider("x", "s");
        missing.issuer.clear();
        let refused = apply(
            public.clone(),
            AuthChange::PutProvider {
                original: None,
                provider: missing,
            },
        );
        assert_eq!(refused.unwrap_err().field.as_deref(), Some("issuer"));
        let input = apply(
            public.clone(),
            AuthChange::PutProvider {
                original: None,
                provider: provider("x", "s"),
            },
        )
        .unwrap();
        assert_eq!(input["mode"], "oauth");
        assert_eq!(input["providers"][0]["clientSecret"], "s");
        // Scopes need sign-in first.
        let scope = Scope {
            name: "read".into(),
            description: "Read".into(),
        };
        assert_eq!(
            apply(public, AuthChange::PutScope(scope))
                .unwrap_err()
                .field
                .as_deref(),
            Some("auth")
        );
    }

    #[test]
    fn scopes_are_added_replaced_and_removed_by_name() {
        let scope = Scope {
            name: "read".into(),
            description: "Read everything".into(),
        };
        let input = apply(saved(), AuthChange::PutScope(scope)).unwrap();
        assert_eq!(
            input["scopes"],
            serde_json::json!([{"name": "read", "description": "Read everything"}])
        );
        let input = apply(saved(), AuthChange::RemoveScope("read".into())).unwrap();
        assert_eq!(input["scopes"], serde_json::json!([]));
        assert_eq!(
            apply(saved(), AuthChange::MakePublic).unwrap(),
            serde_json::json!({"mode": "public"})
        );
    }
}
