//! The Portcullis admin UI.
//!
//! Pages render on the server (feature `ssr`, inside the control plane) and
//! hydrate in the browser (feature `hydrate`, built to wasm). Data comes
//! through server functions that call the control plane's JSON API in
//! process, as the signed-in admin ([`api::call`] over the [`backend`] trait
//! the control plane provides as context) — the UI never talks to the
//! database itself, and the control plane's crate is not a dependency of
//! this one.

// The pages' view types nest deeply; builds with `--cfg leptos_debuginfo`
// (precise hydration errors) need more than the default limit.
#![recursion_limit = "512"]

pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod backend;
pub mod catalog;
pub mod clients;
pub mod failure;
pub mod form;
pub mod limits;
pub mod members;
pub mod memory;
pub mod nav;
pub mod session;
pub mod signin;
pub mod tenant;
pub mod tenants;
pub mod tools;
pub mod usage;

pub use app::{App, shell};

/// Browser entry point: attaches the server-rendered page to its reactive UI.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
