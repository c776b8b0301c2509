//! Reports usage ([`crate::usage`]) to the control plane's ingest endpoint
//! (`INGEST_URL`, each batch signed with `INGEST_TOKEN`, see
//! [`portcullis_tenant_config::ingest`]), in batches per
//! isolate, off the request's path (`waitUntil`). A batch goes when it is
//! full or its oldest event is `USAGE_FLUSH_SECONDS` old (default 10),
//! whichever comes first. Without `INGEST_URL` nothing is reported.
//!
//! TODO-reliability: a batch still in an isolate that is evicted, or that
//! the control plane does not take, is lost (charts, not billing).

use std::cell::RefCell;
use std::future::Future;

use portcullis_tenant_config::ingest;
use worker::{Env, Fetch, Headers};

use super::outgoing::Outgoing;
use crate::usage::UsageEvent;

/// A batch of this many events goes at once.
const MAX_BATCH: usize = 200;

#[derive(Default)]
struct Batch {
    events: Vec<UsageEvent>,
    /// When its oldest event was collected (ms since the epoch).
    since: u64,
}

thread_local! {
    static BATCH: RefCell<Batch> = RefCell::default();
}

/// Stamps what the request that started at `started_ms` counted for
/// (`recorded`) with the time and its latency, and returns the report to
/// send if one is due.
pub fn finish(
    env: &Env,
    started_ms: u64,
    recorded: Vec<UsageEvent>,
) -> Option<impl Future<Output = ()> + 'static> {
    let now = worker::Date::now().as_millis();
    let latency_ms = u32::try_from(now.saturating_sub(started_ms)).unwrap_or(u32::MAX);
    let super::vars::Ingest {
        url,
        token,
        flush_ms: interval_ms,
    } = super::vars::ingest(env)?;
    let due = BATCH.with(|batch| {
        let mut batch = batch.borrow_mut();
        if batch.events.is_empty() {
            batch.since = now;
        }
        batch.events.extend(recorded.into_iter().map(|mut e| {
            e.at = now;
            e.latency_ms = latency_ms;
            e
        }));
        let due = !batch.events.is_empty()
            && (batch.events.len() >= MAX_BATCH || now.saturating_sub(batch.since) >= interval_ms);
        due.then(|| std::mem::take(&mut batch.events))
    })?;
    Some(send(url, token, due))
}

async fn send(url: String, token: String, events: Vec<UsageEvent>) {
    let sent = async {
        let headers = Headers::new();
        let body = serde_json::json!({ "events": events }).to_string();
        let batch = super::webcrypto::random_uuid()?;
        headers.set("content-type", "application/json")?;
        headers.set(
            ingest::HEADER,
            &ingest::header_value(
                token.as_bytes(),
                super::now_seconds(),
                &batch,
                body.as_bytes(),
            ),
        )?;
        let endpoint = format!("{}/api/v1/ingest/usage", url.trim_end_matches('/'));
        let request = Outgoing {
            headers: Some(headers),
            ..Outgoing::post(body)
        }
        .to(&endpoint)?;
        let response = Fetch::Request(request).send().await?;
        Ok::<_, worker::Error>(response.status_code())
    };
    match sent.await {
        Ok(200) => {}
        Ok(status) => crate::log::error(&format!("usage report refused with {status}")),
        Err(e) => crate::log::error(&format!("usage report failed: {e}")),
    }
}
