//! Names a browser from its `User-Agent` the way people say it, "Chrome on Linux", so that
//! sessions, passkeys and a sign-in waiting in another browser are named alike. Parsed with
//! woothee, whose data is compiled in (no rules file, nothing to load at start).

/// How much of a `User-Agent` is kept with a session: enough for any parser, bounded in size.
pub const STORED_LEN: usize = 256;

/// The browser and the operating system a `User-Agent` names, each if recognised.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Device {
    pub browser: Option<String>,
    pub system: Option<String>,
}

impl Device {
    pub fn parse(user_agent: &str) -> Device {
        let Some(found) = woothee::parser::Parser::new().parse(user_agent) else { return Device::default() };
        Device { browser: browser(found.name).map(str::to_owned), system: system(found.os).map(str::to_owned) }
    }

    /// The name in one language: `on` is a pattern with `{browser}` and `{system}` ("{browser}
    /// on {system}"), `unknown` stands for a browser that was not recognised.
    pub fn name(&self, on: &str, unknown: &str) -> String {
        let browser = self.browser.as_deref().unwrap_or(unknown);
        match &self.system {
            Some(system) => on.replace("{browser}", browser).replace("{system}", system),
            None => browser.to_string(),
        }
    }
}

/// The English name, such as "Chrome on Linux" or "Safari on iOS"; "Browser" when nothing is
/// recognised. Headless Chromium says `HeadlessChrome/…`: it is Chrome, and is named so.
pub fn device_name(user_agent: &str) -> String {
    Device::parse(user_agent).name("{browser} on {system}", "Browser")
}

/// The first `STORED_LEN` characters of a `User-Agent`.
pub fn stored(user_agent: &str) -> &str {
    user_agent.char_indices().nth(STORED_LEN).map_or(user_agent, |(end, _)| &user_agent[..end])
}

fn browser(name: &str) -> Option<&str> {
    Some(match name {
        woothee::woothee::VALUE_UNKNOWN | "" => return None,
        "SamsungBrowser" => "Samsung Internet",
        other => other,
    })
}

/// Woothee's system names, as the systems call themselves today.
fn system(os: &str) -> Option<&str> {
    Some(match os {
        woothee::woothee::VALUE_UNKNOWN | "" => return None,
        "Mac OSX" => "macOS",
        "iPhone" | "iPod" | "iOS" => "iOS",
        "iPad" => "iPadOS",
        "Windows Phone OS" => "Windows Phone",
        // Windows 11 still says "Windows NT 10.0", so the version would often be wrong.
        windows if windows.starts_with("Windows") => "Windows",
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_and_systems_are_named_as_people_say_them() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
                "Chrome on Linux",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
                "Chrome on Linux",
            ),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Windows"),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                "Safari on macOS",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
                "Safari on iOS",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
        ];
        for (agent, name) in cases {
            assert_eq!(device_name(agent), name, "{agent}");
        }
    }

    #[test]
    fn an_unrecognised_agent_is_a_browser_and_a_missing_system_is_left_out() {
        assert_eq!(device_name(""), "Browser");
        assert_eq!(device_name("something/1.0"), "Browser");
        let device = Device { browser: Some("Firefox".into()), system: None };
        assert_eq!(device.name("{browser} on {system}", "Browser"), "Firefox");
    }

    #[test]
    fn the_name_follows_the_language_pattern() {
        let device = Device::parse("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0");
        assert_eq!(device.name("{browser} unter {system}", "Browser"), "Firefox unter Linux");
        assert_eq!(Device::default().name("{browser} sur {system}", "Navigateur"), "Navigateur");
    }

    #[test]
    fn a_stored_agent_is_cut_at_a_character_boundary() {
        let long = "é".repeat(STORED_LEN + 10);
        assert_eq!(stored(&long).chars().count(), STORED_LEN);
        assert_eq!(stored("short"), "short");
    }
}
