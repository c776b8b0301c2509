//! What answering an MCP request makes the runtime do, as values: the
//! core decides, the Workers shell carries it out.

use super::asking::{AnswerToCall, CallToAsk};
use super::sessions::{SessionChange, SessionOwner};
use super::subscriptions::StreamKind;
use super::transport::Answer;
use crate::http::HttpResponse;
use crate::outside::Needed;
use crate::usage::UsageEvent;

/// An effect, and what the request counts for in the tenant's usage (for
/// the runtime to report with it).
#[derive(Debug, PartialEq)]
pub struct Counted {
    pub effect: Effect,
    pub usage: Vec<UsageEvent>,
}

#[cfg(test)]
impl Counted {
    /// The direct answer, for tests of requests that get one.
    pub fn into_reply(self) -> HttpResponse {
        self.effect.into_reply()
    }
}

impl From<Effect> for Counted {
    fn from(effect: Effect) -> Self {
        Self {
            effect,
            usage: Vec::new(),
        }
    }
}

/// What the runtime must do to answer an MCP request.
#[derive(Debug, PartialEq)]
pub enum Effect {
    Reply(HttpResponse),
    /// Open the event stream of a new HTTP+SSE session, starting with
    /// `first_event`; the stream lives as long as the client keeps it.
    OpenStream {
        session: String,
        first_event: String,
    },
    /// Put `event` on the open stream of `session`, then answer `accepted`;
    /// a session without an open stream is answered 404.
    Deliver {
        session: String,
        event: String,
        accepted: HttpResponse,
    },
    /// Open one of the tenant's notification streams (a Streamable HTTP GET
    /// stream or a `subscriptions/listen` stream), starting with `first_event`.
    OpenTenantStream {
        tenant: String,
        /// Who holds it, for the tenant's caps on open streams.
        holder: String,
        stream: StreamKind,
        first_event: String,
    },
    /// Start a legacy session for `owner`, then answer `reply` carrying its
    /// new id in `Mcp-Session-Id`.
    StartSession {
        owner: SessionOwner,
        /// The client's `initialize` capabilities, kept with the session.
        capabilities: serde_json::Value,
        reply: HttpResponse,
    },
    /// Send `answer` (as an event stream if it `streams` and has
    /// notifications) if `owner` has the live session `session`, first
    /// keeping its `change` and leaving out the logs below the user's
    /// level; else 404.
    InSession {
        owner: SessionOwner,
        session: String,
        answer: Answer,
        streams: bool,
        change: Option<SessionChange>,
    },
    /// Run `call` in `owner`'s session: it may ask the client for input on
    /// its own event stream and wait there for the answers (404 if the
    /// session does not live).
    AskInSession {
        owner: SessionOwner,
        call: CallToAsk,
    },
    /// Hand the client's `answer` to the call of `owner`'s session waiting
    /// for it, and answer 202.
    AnswerInSession {
        owner: SessionOwner,
        answer: AnswerToCall,
    },
    /// End `owner`'s session `session` (204, or 404 if there is none).
    EndSession {
        owner: SessionOwner,
        session: String,
    },
    /// Open the notification stream of `owner`'s session `session`,
    /// replaying the events after `last_event_id` first.
    OpenSessionStream {
        owner: SessionOwner,
        session: String,
        last_event_id: Option<u64>,
    },
    /// Obtain what a tool needs (its backend's answer, the user's notes),
    /// then handle the request again with it (see [`crate::outside`]).
    Obtain(Needed),
}

#[cfg(test)]
impl Effect {
    /// The direct answer, for tests of requests that get one.
    pub fn into_reply(self) -> HttpResponse {
        match self {
            Effect::Reply(r) | Effect::StartSession { reply: r, .. } => r,
            Effect::InSession {
                answer, streams, ..
            } => answer.reply(streams),
            other => panic!("expected a direct reply, got {other:?}"),
        }
    }
}
