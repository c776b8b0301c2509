//! A tenant's per-user memory: whether signed-in users get `remember`,
//! `recall` and `forget`, what the tools are called and how much each user
//! may keep; shown to every admin, changed by those who may publish, in
//! force from the next publish.

use leptos::prelude::*;
use portcullis_tenant_config::memory::{MemoryConfig, MemoryNames};
use serde::{Deserialize, Serialize};

use crate::api::{Outcome, Problem};
use crate::failure::Failure;
use crate::form::{Field, FormError, Submit, problem_signal, successes};
use portcullis_api::tenants::Memory;

/// The setting as read, with its version (the answer's `ETag`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryRead {
    pub memory: Memory,
    pub version: Option<String>,
}

#[server(prefix = "/ui/fn", endpoint = "load_memory")]
pub async fn load_memory(slug: String) -> Result<MemoryRead, Problem> {
    let path = crate::api::paths::tenant(&slug).memory();
    let (memory, version) = crate::api::versioned("GET", &path, None, None).await?;
    Ok(MemoryRead {
        memory: memory?,
        version,
    })
}

/// Switches memory on with `memory`, or off with `None`, on `version`.
#[server(prefix = "/ui/fn", endpoint = "save_memory", input = leptos::server_fn::codec::Json)]
pub async fn save_memory(
    slug: String,
    memory: Option<MemoryConfig>,
    version: Option<String>,
) -> Result<Outcome<Memory>, Problem> {
    let body = serde_json::json!({ "memory": memory });
    let path = crate::api::paths::tenant(&slug).memory();
    Ok(crate::api::versioned("PUT", &path, Some(body), version)
        .await?
        .0)
}

#[component]
pub fn MemoryPanel(slug: String, may_change: bool) -> impl IntoView {
    let save = ServerAction::<SaveMemory>::new();
    let load_slug = slug.clone();
    let save_done = successes(save);
    let memory = Resource::new(
        move || save_done.get(),
        move |_| load_memory(load_slug.clone()),
    );
    view! {
        <h2>"Per-user memory"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading memory…"</p> }>
            {move || memory.get().map(|r| match r {
                Ok(m) => view! { <MemoryForm read=m slug=slug.clone() may_change save/> }.into_any(),
                Err(problem) => view! { <Failure problem what="the memory setting"/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn MemoryForm(
    read: MemoryRead,
    slug: String,
    may_change: bool,
    save: ServerAction<SaveMemory>,
) -> impl IntoView {
    let MemoryRead {
        memory: Memory { memory, defaults },
        version,
    } = read;
    let on = memory.is_some();
    let shown = memory.unwrap_or(defaults);
    let summary = if on {
        format!(
            "On: each signed-in user may keep {} notes ({} bytes) with {}, {} and {}.",
            shown.max_notes,
            shown.max_bytes,
            shown.names.remember,
            shown.names.recall,
            shown.names.forget
        )
    } else {
        "Off: users have no memory tools.".to_owned()
    };
    if !may_change {
        return view! { <p class="muted" data-memory=on.to_string()>{summary}</p> }.into_any();
    }
    let names = [
        RwSignal::new(shown.names.remember.clone()),
        RwSignal::new(shown.names.recall.clone()),
        RwSignal::new(shown.names.forget.clone()),
    ];
    let notes = RwSignal::new(shown.max_notes.to_string());
    let bytes = RwSignal::new(shown.max_bytes.to_string());
    let problem = problem_signal(save);
    let (save_slug, save_version) = (slug.clone(), version.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let number = |s: RwSignal<String>| s.get_untracked().trim().parse::<u32>().unwrap_or(0);
        save.dispatch(SaveMemory {
            slug: save_slug.clone(),
            memory: Some(MemoryConfig {
                names: MemoryNames {
                    remember: names[0].get_untracked().trim().to_owned(),
                    recall: names[1].get_untracked().trim().to_owned(),
                    forget: names[2].get_untracked().trim().to_owned(),
                },
                max_notes: number(notes),
                max_bytes: number(bytes),
            }),
            version: save_version.clone(),
        });
    };
    let off = move |_| {
        save.dispatch(SaveMemory {
            slug: slug.clone(),
            memory: None,
            version: version.clone(),
        });
    };
    view! {
        <p class="muted" data-memory=on.to_string()>{summary}" Needs sign-in; changes apply from the next publish."</p>
        <form class="form memory" novalidate=true on:submit=submit>
            <Field id="memory-remember" label="Tool that remembers" value=names[0] field="memory.names.remember" problem/>
            <Field id="memory-recall" label="Tool that recalls" value=names[1] field="memory.names.recall" problem/>
            <Field id="memory-forget" label="Tool that forgets" value=names[2] field="memory.names.forget" problem/>
            <Field id="memory-notes" label="Notes per user" value=notes field="memory.maxNotes" problem kind="number"/>
            <Field id="memory-bytes" label="Bytes per user" value=bytes field="memory.maxBytes" problem kind="number"
                hint="Keys and texts together; 1024 to 1048576."/>
            <FormError problem fields=&["memory.names.remember", "memory.names.recall", "memory.names.forget", "memory.maxNotes", "memory.maxBytes"]/>
            <Submit pending=save.pending() idle=if on { "Save memory" } else { "Turn memory on" } busy="Saving…"/>
            {on.then(|| view! {
                <button type="button" class="secondary" disabled=move || save.pending().get() on:click=off>
                    "Turn memory off"
                </button>
            })}
        </form>
    }
    .into_any()
}
