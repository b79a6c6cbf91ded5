//! What a login page says beside its form: the message a redirect names in its query (never
//! text from the URL, only a fixed name), and the wait a refused send or check names, shown
//! inline so the form keeps working.

use serde::Deserialize;

use crate::domain::limits::Limited;
use crate::web::ui::Ui;

/// The query of a login page: `e` an error's name, `n` a notice's, `s` seconds to wait.
#[derive(Deserialize, Default)]
pub struct Query {
    e: Option<String>,
    n: Option<String>,
    s: Option<u64>,
}

/// An error shown under a form: a catalog key and, for a wait, how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shown {
    key: &'static str,
    wait_secs: Option<u64>,
}

/// The longest wait a page names; a query cannot make it say more.
const MAX_WAIT: u64 = 24 * 3600;

impl Shown {
    pub fn error(name: &str) -> Option<Shown> {
        let key = match name {
            "email" => "messages.email",
            "format" => "messages.format",
            "wrong" => "messages.wrong",
            "locked" => "messages.locked",
            "expired" => "messages.expired",
            "noaccount" => "messages.noaccount",
            "phone" => "messages.phone",
            "phone_invalid" => "messages.phone_invalid",
            "sms_refused" => "messages.sms_refused",
            "refused" => "messages.refused",
            "cooldown" => "messages.cooldown",
            "limited" => "messages.limited",
            "upstream_denied" => "messages.upstream_denied",
            "upstream_unreachable" => "messages.upstream_unreachable",
            "upstream_refused" => "messages.upstream_refused",
            "upstream_link" => "messages.upstream_link",
            _ => return None,
        };
        Some(Shown { key, wait_secs: None })
    }

    /// What a refusal by a rate limit tells the person: when to try again.
    pub fn limited(limited: &Limited) -> Shown {
        let key = if limited.limit == "resend_cooldown" { "messages.cooldown" } else { "messages.limited" };
        Shown { key, wait_secs: Some(limited.retry_after.min(MAX_WAIT)) }
    }

    pub fn text(&self, ui: &Ui) -> String {
        let secs = self.wait_secs.unwrap_or(60).max(1);
        match self.key {
            "messages.cooldown" => ui.f(self.key, &[("seconds", &ui.tr.plural("dates.seconds", secs))]),
            "messages.limited" => ui.f(self.key, &[("minutes", &ui.tr.plural("dates.minutes", secs.div_ceil(60)))]),
            key => ui.t(key).to_string(),
        }
    }
}

impl Query {
    pub fn error(&self) -> Option<Shown> {
        let shown = Shown::error(self.e.as_deref()?)?;
        Some(Shown { wait_secs: self.s.map(|s| s.min(MAX_WAIT)), ..shown })
    }

    /// A notice's catalog key.
    pub fn notice(&self) -> Option<&'static str> {
        match self.n.as_deref()? {
            "sent" => Some("messages.sent"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_names_become_messages() {
        assert_eq!(Shown::error("<script>"), None);
        assert_eq!(Shown::error("wrong").map(|s| s.key), Some("messages.wrong"));
    }

    #[test]
    fn a_cooldown_names_its_seconds_and_other_limits_their_minutes_capped_at_a_day() {
        let cooldown = Shown::limited(&Limited { limit: "resend_cooldown", retry_after: 42 });
        assert_eq!(cooldown, Shown { key: "messages.cooldown", wait_secs: Some(42) });
        let window = Shown::limited(&Limited { limit: "send_per_identifier", retry_after: 10 * 86_400 });
        assert_eq!(window, Shown { key: "messages.limited", wait_secs: Some(MAX_WAIT) });
    }
}
