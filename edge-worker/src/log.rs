//! Logging internal failures, for the core and the shell alike: to the
//! Workers console in the runtime, to stderr in native tests.

/// Logs an internal failure; its text never goes into a response.
pub fn error(message: &str) {
    #[cfg(target_arch = "wasm32")]
    worker::console_error!("{message}");
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("{message}");
}
