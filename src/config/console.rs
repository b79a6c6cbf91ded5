//! `[console]`: the operator console at `/console` — who may use it besides the users granted
//! the role, and how strongly they must have signed in.

use serde::{Deserialize, Serialize};

use crate::model::{ACR_OTP, ACR_PHR, ACR_PHRH};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    /// Serve the console at `/console`.
    pub enabled: bool,
    /// The weakest sign-in the console accepts: `aal1` (an email or SMS code), `phr` (a passkey)
    /// or `phrh` (a device-bound passkey). A weaker session is asked to sign in again.
    pub acr: String,
    /// Email addresses of operators, besides the users granted the role by the CLI or the API.
    pub operators: Vec<String>,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig { enabled: true, acr: ACR_OTP.into(), operators: vec![] }
    }
}

impl ConsoleConfig {
    /// The field and reason of the first invalid value.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        if ![ACR_OTP, ACR_PHR, ACR_PHRH].contains(&self.acr.as_str()) {
            return Err(("acr", format!("{:?} is not one of aal1, phr, phrh", self.acr)));
        }
        if let Some(bad) = self.operators.iter().find(|o| o.parse::<crate::model::Email>().is_err()) {
            return Err(("operators", format!("{bad:?} is not an email address")));
        }
        Ok(())
    }

    /// Whether the config names `email` an operator (addresses compare without case).
    pub fn names(&self, email: &crate::model::Email) -> bool {
        self.operators.iter().any(|o| o.parse::<crate::model::Email>().is_ok_and(|o| o == *email))
    }
}
