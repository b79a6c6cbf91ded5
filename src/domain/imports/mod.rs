//! Bringing users along: an NDJSON import (Tessera's own lines, Auth0's bulk export, Passage and
//! Passwordless.dev dumps) read a line at a time, each user written whole or not at all and
//! once per external id, with a report naming every line that failed; and the export that
//! writes Tessera's lines back out.
//!
//! ```text
//! reader --line--> format::parse --ImportedUser--> Users::import_user (one transaction)
//!                       \--why--> Report.failed[line]
//! ```

mod cose;
mod export;
mod formats;
mod lines;
#[cfg(test)]
mod tests;
mod vendors;

pub use cose::{Portable, from_stored, to_stored};
pub use export::{export, line_of};

use serde::Serialize;
use tokio::io::AsyncBufRead;

use crate::clock::UnixTime;
use crate::model::{Identifier, Imported, ImportedUser};
use crate::store::{Directory, StoreError};

/// The formats an import reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Tessera,
    Auth0,
    Passage,
    Passwordless,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "tessera" => Format::Tessera,
            "auth0" => Format::Auth0,
            "passage" => Format::Passage,
            "passwordless" | "passwordless.dev" => Format::Passwordless,
            other => return Err(format!("unknown format {other:.40} (tessera, auth0, passage, passwordless)")),
        })
    }
}

/// Most failures a report lists; the count goes on.
pub const LISTED_FAILURES: usize = 1000;

/// What an import did.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub created: u64,
    /// Lines whose external id was imported already: left as they are.
    pub existing: u64,
    pub failed_count: u64,
    /// The first `LISTED_FAILURES` failures, by line number (from 1).
    pub failed: Vec<Failure>,
}

#[derive(Debug, Serialize)]
pub struct Failure {
    pub line: u64,
    pub reason: String,
}

impl Report {
    fn fail(&mut self, line: u64, reason: String) {
        self.failed_count += 1;
        if self.failed.len() < LISTED_FAILURES {
            self.failed.push(Failure { line, reason });
        }
    }
}

/// Why an import stopped before the end: the input could not be read, or the directory failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("line {line}: reading the input: {error}")]
    Read { line: u64, error: std::io::Error, report: Report },
    #[error("line {line}: {error}")]
    Store { line: u64, error: StoreError, report: Report },
}

/// Imports every line of `input` in `format`. `rp_id` is this Tessera's WebAuthn RP id, which a
/// passkey that names its own must match.
pub async fn import(
    directory: &dyn Directory,
    input: &mut (impl AsyncBufRead + Unpin),
    format: Format,
    rp_id: Option<&str>,
    now: UnixTime,
) -> Result<Report, ImportError> {
    let mut report = Report::default();
    let mut buf = Vec::new();
    let mut number = 0;
    loop {
        number += 1;
        let line = match lines::next(input, &mut buf).await {
            Ok(Some(line)) => line,
            Ok(None) => return Ok(report),
            Err(error) => return Err(ImportError::Read { line: number, error, report }),
        };
        let text = match line {
            lines::Line::Text(text) if text.trim().is_empty() => continue,
            lines::Line::Text(text) => text,
            lines::Line::TooLong => {
                report.fail(number, format!("longer than {} bytes", lines::MAX_LINE));
                continue;
            }
            lines::Line::NotUtf8 => {
                report.fail(number, "not UTF-8".into());
                continue;
            }
        };
        let user = match parse(format, &text, rp_id) {
            Ok(user) => user,
            Err(reason) => {
                report.fail(number, reason);
                continue;
            }
        };
        match directory.import_user(&user, now).await {
            Ok(Imported::Created(_)) => report.created += 1,
            Ok(Imported::Existing(_)) => report.existing += 1,
            Err(StoreError::Conflict) => match taken(directory, &user).await {
                Ok(reason) => report.fail(number, reason),
                Err(error) => return Err(ImportError::Store { line: number, error, report }),
            },
            Err(error) => return Err(ImportError::Store { line: number, error, report }),
        }
    }
}

fn parse(format: Format, line: &str, rp_id: Option<&str>) -> Result<ImportedUser, String> {
    match format {
        Format::Tessera => formats::tessera(line),
        Format::Auth0 => formats::auth0(line),
        Format::Passage => vendors::passage(line),
        Format::Passwordless => vendors::passwordless(line, rp_id),
    }
}

/// What another user holds of an import the directory refused as a conflict.
async fn taken(directory: &dyn Directory, user: &ImportedUser) -> Result<String, StoreError> {
    let identifiers = [user.email.clone().map(Identifier::Email), user.phone.clone().map(Identifier::Phone)];
    for identifier in identifiers.into_iter().flatten() {
        if directory.user_by_identifier(&identifier).await?.is_some() {
            return Ok(format!("{}: {} belongs to another user", identifier.kind(), identifier.as_str()));
        }
    }
    for p in &user.passkeys {
        if directory.passkey(&p.cred_id).await?.is_some() {
            return Ok(format!("passkey {}: registered to another user", p.cred_id));
        }
    }
    if let Some(id) = &user.id
        && directory.user(id).await?.is_some()
    {
        return Ok(format!("id: {} is another user's", id.0));
    }
    Ok("conflicts with a user written meanwhile".into())
}
