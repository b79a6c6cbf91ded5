//! Who a user is to Tessera: the subject id, and the email addresses and phone numbers people
//! sign in with, each a type that can only hold a valid, normalised value.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A user's stable subject identifier (`sub`), never reassigned.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserId(pub String);

impl UserId {
    pub fn new() -> Self {
        UserId(uuid::Uuid::new_v4().to_string())
    }
}

impl Default for UserId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address, trimmed and lower-cased whole; the only form stored, compared and shown.
///
/// The domain is case-insensitive (RFC 5321 §2.4). The local part may be case-sensitive there,
/// but no mail service in use treats it so and people type it either way; as at the large
/// identity providers, `Casey@example.com` and `casey@example.com` are one account.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `a***@example.com`, for logs.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.split_once('@').unwrap_or(("", &self.0));
        let first: String = local.chars().take(1).collect();
        format!("{first}***@{domain}")
    }
}

impl FromStr for Email {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.len() > 254 {
            return Err("That email address is too long.");
        }
        let mailbox: lettre::Address = s.parse().map_err(|_| "Enter a valid email address, like name@example.com.")?;
        let domain = mailbox.domain().to_lowercase();
        if !domain.contains('.') && domain != "localhost" {
            return Err("Enter a valid email address, like name@example.com.");
        }
        Ok(Email(format!("{}@{}", mailbox.user().to_lowercase(), domain)))
    }
}

/// Addresses never reach a log in full.
impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.masked())
    }
}

/// A phone number in E.164 form (`+14155550123`), parsed and checked by the `phonenumber`
/// library; the only form stored or compared.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    /// Parses what a user typed: international form (`+44 20 7946 0958`), or national form
    /// when `default_region` (ISO 3166 code such as `GB`) is given.
    pub fn parse(input: &str, default_region: Option<&str>) -> Result<Phone, &'static str> {
        let input = input.trim();
        if input.is_empty() || input.len() > 40 {
            return Err("Enter your phone number with its country code, like +44 20 7946 0958.");
        }
        let region = default_region.and_then(|r| r.parse::<phonenumber::country::Id>().ok());
        let number = phonenumber::parse(region, input)
            .map_err(|_| "Enter your phone number with its country code, like +44 20 7946 0958.")?;
        if !phonenumber::is_valid(&number) {
            return Err("That is not a valid phone number. Check the country code and the digits.");
        }
        Ok(Phone(number.format().mode(phonenumber::Mode::E164).to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country calling code (`44` for `+44…`).
    pub fn country_code(&self) -> u16 {
        phonenumber::parse(None, &self.0).map(|n| n.code().value()).unwrap_or(0)
    }

    /// `+44•••••••58`, for pages and logs.
    pub fn masked(&self) -> String {
        let cc = self.country_code().to_string();
        let rest = self.0.len().saturating_sub(1 + cc.len() + 2);
        format!("+{cc}{}{}", "•".repeat(rest), &self.0[self.0.len().saturating_sub(2)..])
    }
}

/// Numbers never reach a log in full.
impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

/// What a user signs in with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Identifier {
    Email(Email),
    Phone(Phone),
}

impl Identifier {
    pub fn kind(&self) -> &'static str {
        match self {
            Identifier::Email(_) => "email",
            Identifier::Phone(_) => "phone",
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Identifier::Email(e) => e.as_str(),
            Identifier::Phone(p) => p.as_str(),
        }
    }

    pub fn masked(&self) -> String {
        match self {
            Identifier::Email(e) => e.masked(),
            Identifier::Phone(p) => p.masked(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_compared_case_insensitively() {
        let e: Email = " Alice.B@Example.COM ".parse().unwrap();
        assert_eq!(e.as_str(), "alice.b@example.com");
        assert_eq!(e, "alice.b@EXAMPLE.com".parse().unwrap());
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in ["", "alice", "alice@", "@example.com", "a b@example.com", "alice@example"] {
            assert!(bad.parse::<Email>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn debug_output_masks_the_address() {
        let e: Email = "alice@example.com".parse().unwrap();
        assert_eq!(format!("{e:?}"), "Email(a***@example.com)");
    }
}

#[cfg(test)]
mod phone_tests {
    use super::Phone;

    #[test]
    fn phone_numbers_are_normalised_to_e164_or_refused() {
        assert_eq!(Phone::parse("+44 20 7946 0958", None).unwrap().as_str(), "+442079460958");
        assert_eq!(Phone::parse("(415) 555-2671", Some("US")).unwrap().as_str(), "+14155552671");
        assert_eq!(Phone::parse("+1 415 555 2671", None).unwrap().country_code(), 1);
        assert!(Phone::parse("+1 555", None).is_err(), "too short");
        assert!(Phone::parse("not a number", None).is_err());
        assert!(Phone::parse("0207 946 0958", None).is_err(), "national form needs a default region");
        assert_eq!(Phone::parse("+442079460958", None).unwrap().masked(), "+44••••••••58");
    }
}
