//! Clients and bridges registered at run time, changed in one place for the management API and
//! the console: each change is checked as the configuration file's are, stored, and audited as
//! an `admin` event naming its actor. Those declared in the configuration file are read-only.

pub mod bridges;
pub mod clients;

use crate::store::StoreError;

/// Why a registration was not changed. Nothing is stored when one of these is returned.
#[derive(Debug)]
pub enum Refusal {
    /// A field is invalid: its name (as in `[[clients]]` / `[[bridges]]`) and why.
    Invalid(String, String),
    /// Declared in the configuration file: changed only there.
    ConfigOwned,
    /// No client or bridge has this id.
    NotFound,
    /// A registration with this id exists already.
    Exists,
    /// A new secret was asked for a client whose auth method uses none.
    NoSecret,
    /// The directory could not answer.
    Store(StoreError),
}

impl Refusal {
    fn invalid(field: &str, why: impl Into<String>) -> Self {
        Refusal::Invalid(field.into(), why.into())
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => Refusal::Exists,
            other => Refusal::Store(other),
        }
    }
}

/// Checks that a changed registration keeps its id.
fn same_id(id: &str, given: &str) -> Result<(), Refusal> {
    if id != given {
        return Err(Refusal::invalid("id", "cannot change"));
    }
    Ok(())
}
