//! What Vonage's API tells of a request beyond Tessera's verification: the number as Vonage
//! writes it, the sender and brand, the workflow and the events sent so far, and the codes
//! checked, kept as long as the verification.

use serde::{Deserialize, Serialize};

use crate::clock::UnixTime;
use crate::domain::Core;
use crate::store::StoreResult;

/// One step of a Vonage workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Sms,
    /// A text-to-speech call.
    Tts,
}

/// Vonage's workflows by `workflow_id` (Verify v1 "workflows and events").
pub fn workflow(id: u8) -> Option<&'static [Step]> {
    use Step::{Sms, Tts};
    Some(match id {
        1 => &[Sms, Tts, Tts],
        2 => &[Sms, Sms, Tts],
        3 => &[Tts, Tts],
        4 => &[Sms, Sms],
        5 => &[Sms, Tts],
        6 => &[Sms],
        7 => &[Tts],
        _ => return None,
    })
}

#[derive(Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    pub at: UnixTime,
    /// Vonage's event type: `sms` or `tts`.
    #[serde(default = "sms")]
    pub kind: String,
}

fn sms() -> String {
    "sms".into()
}

#[derive(Serialize, Deserialize)]
pub struct Checked {
    pub at: UnixTime,
    pub code: String,
    pub valid: bool,
}

#[derive(Serialize, Deserialize)]
pub struct Track {
    /// E.164 without the `+`, as Vonage writes numbers.
    pub number: String,
    pub sender_id: String,
    pub brand: String,
    pub lg: Option<String>,
    pub workflow: u8,
    /// The events (texts and calls), first to last.
    pub events: Vec<Event>,
    pub checks: Vec<Checked>,
    pub finalized: Option<UnixTime>,
}

fn key(id: &str) -> String {
    format!("vonage-verify:{id}")
}

/// How long a track is kept: as long as the verification it describes.
const KEPT: u64 = 2 * 3600 + 3600;

pub async fn save(state: &Core, id: &str, track: &Track) -> StoreResult<()> {
    state.ephemeral.put_json(&key(id), track, KEPT).await
}

pub async fn load(state: &Core, id: &str) -> StoreResult<Option<Track>> {
    if id.len() > 64 {
        return Ok(None);
    }
    state.ephemeral.get_json(&key(id)).await
}

/// A Vonage-style event id (16 hex digits).
pub fn event_id() -> String {
    crate::crypto::random_id().bytes().take(16).map(|b| format!("{:X}", b % 16)).collect()
}
