//! The console's registration forms (clients and bridges): their fields as the page shows them,
//! the field a refused change names with the message beside it, and the helpers that read a
//! posted form back (lists one per line, boxes ticked or not).

use axum::http::StatusCode;
use axum::response::Response;

use super::Operator;
use crate::domain::registry::Refusal;
use crate::web::PageError;
use crate::web::params::Params;
use crate::web::ui::Ui;

/// One field of a form: what the page shows, and the message naming what is wrong with it.
pub struct Field {
    /// The form parameter, and the element's id.
    pub name: &'static str,
    /// Catalog keys of its label and of the hint below it.
    pub label: &'static str,
    pub hint: Option<&'static str>,
    /// `text`, `url`, `number`, `password`, `lines` (a textarea), `select` or `check`.
    pub kind: &'static str,
    pub options: &'static [&'static str],
    pub value: String,
    pub error: Option<String>,
}

impl Field {
    pub fn new(name: &'static str, label: &'static str, kind: &'static str, value: impl Into<String>) -> Self {
        Field { name, label, hint: None, kind, options: &[], value: value.into(), error: None }
    }

    pub fn hint(mut self, key: &'static str) -> Self {
        self.hint = Some(key);
        self
    }

    pub fn options(mut self, options: &'static [&'static str]) -> Self {
        self.options = options;
        self
    }

    /// A box, ticked or not.
    pub fn check(name: &'static str, label: &'static str, ticked: bool) -> Self {
        Self::new(name, label, "check", if ticked { "1" } else { "" })
    }

    pub fn ticked(&self) -> bool {
        self.value == "1"
    }

    /// The ids of the hint and the error, for `aria-describedby`.
    pub fn described_by(&self) -> String {
        let hint = self.hint.map(|_| format!("{}-hint", self.name));
        let error = self.error.as_ref().map(|_| format!("{}-error", self.name));
        [hint, error].into_iter().flatten().collect::<Vec<_>>().join(" ")
    }

    /// The value shown on a read-only page: a box as yes or no.
    pub fn shown<'a>(&'a self, ui: &Ui<'a>) -> &'a str {
        match self.kind {
            "check" if self.ticked() => ui.t("console_clients.yes"),
            "check" => ui.t("console_clients.no"),
            _ => &self.value,
        }
    }
}

/// What a refused change shows: beside its field, or above the form when no field is named.
pub enum Shown {
    Field(String, String),
    Form(String),
}

/// Puts a refusal beside the field it names (`Invalid`), above the form otherwise; a refusal
/// that is no fault of the form (not found, the store) is an error page.
pub fn place(ui: &Ui<'_>, fields: &mut [Field], refusal: Refusal) -> Result<Option<String>, PageError> {
    let shown = match refusal {
        Refusal::Invalid(field, why) => Shown::Field(field, why),
        Refusal::Exists => Shown::Field("id".into(), ui.t("console_clients.exists").into()),
        Refusal::ConfigOwned => Shown::Field("id".into(), ui.t("console_clients.config_owned").into()),
        Refusal::NoSecret => Shown::Form(ui.t("console_clients.no_secret").into()),
        Refusal::NotFound => return Err(not_found()),
        Refusal::Store(e) => return Err(e.into()),
    };
    match shown {
        Shown::Field(name, why) => match fields.iter_mut().find(|f| f.name == name) {
            Some(field) => {
                field.error = Some(why);
                Ok(None)
            }
            None => Ok(Some(format!("{name}: {why}"))),
        },
        Shown::Form(why) => Ok(Some(why)),
    }
}

pub fn not_found() -> PageError {
    PageError::new(StatusCode::NOT_FOUND, "error.not_found_title", "error.not_found_message")
}

/// The error page for a change to what the configuration file declares.
pub fn config_owned() -> PageError {
    PageError::new(StatusCode::CONFLICT, "console_clients.read_only_title", "console_clients.read_only_message")
}

/// A change refused for no fault of the form: an error page.
pub fn page_error(refusal: Refusal) -> PageError {
    match refusal {
        Refusal::ConfigOwned => config_owned(),
        Refusal::Store(e) => e.into(),
        _ => not_found(),
    }
}

/// A re-rendered form that was refused answers 400, its page unchanged otherwise.
pub fn refused_if(invalid: bool, mut response: Response) -> Result<Response, PageError> {
    if invalid {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(response)
}

/// Reads a console form and checks its CSRF token.
pub fn read(op: &Operator, body: &[u8]) -> Result<Params, PageError> {
    let form = Params::parse(body);
    op.check(&form)?;
    Ok(form)
}

/// A text field's value, trimmed; absent when empty.
pub fn text(form: &Params, name: &str) -> Option<String> {
    form.get(name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// A list typed one item a line (blank lines ignored).
pub fn lines(form: &Params, name: &str) -> Vec<String> {
    let value = form.get(name).unwrap_or("");
    value.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

/// A list typed with spaces or one item a line.
pub fn words(form: &Params, name: &str) -> Vec<String> {
    form.get(name).unwrap_or("").split_whitespace().map(str::to_owned).collect()
}

pub fn ticked(form: &Params, name: &str) -> bool {
    form.get(name) == Some("1")
}

/// A path segment for an id: escaped rather than trusted.
pub fn segment(id: &str) -> String {
    form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_read_one_a_line_or_word_by_word_and_blank_entries_are_dropped() {
        let form = Params::parse(
            b"uris=https%3A%2F%2Fa.example%2Fcb%0D%0A%0D%0A+https%3A%2F%2Fb.example%2Fcb+&scopes=a+b%0Ac",
        );
        assert_eq!(lines(&form, "uris"), ["https://a.example/cb", "https://b.example/cb"]);
        assert_eq!(words(&form, "scopes"), ["a", "b", "c"]);
        assert!(lines(&form, "absent").is_empty());
    }

    #[test]
    fn a_field_names_its_hint_and_its_error_for_assistive_technology() {
        let mut field = Field::new("redirect_uris", "l", "lines", "").hint("h");
        assert_eq!(field.described_by(), "redirect_uris-hint");
        field.error = Some("why".into());
        assert_eq!(field.described_by(), "redirect_uris-hint redirect_uris-error");
    }
}
