//! Dates and times in the reader's language: a day with its month's name ("12 March 2026,
//! 14:05 UTC") and how long ago something was ("5 minutes ago"), with each language's plurals.

use crate::clock::UnixTime;
use crate::i18n::Tr;

/// A moment as a date and a time of day in UTC, in the reader's language (`dates.format`,
/// `dates.months`); empty for a time no calendar holds.
pub fn date(tr: Tr<'_>, t: UnixTime) -> String {
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp(t) else { return String::new() };
    let month = tr.t("dates.months").split_whitespace().nth(usize::from(u8::from(at.month())) - 1).unwrap_or("");
    let clock = format!("{:02}:{:02}", at.hour(), at.minute());
    let (day, year) = (at.day().to_string(), at.year().to_string());
    tr.f("dates.format", &[("day", &day), ("month", month), ("year", &year), ("time", &clock)])
}

/// How long before `now` the moment `t` was, in the largest whole unit: "just now" under a
/// minute, then minutes, hours, and days.
pub fn ago(tr: Tr<'_>, t: UnixTime, now: UnixTime) -> String {
    let secs = u64::try_from(now - t).unwrap_or(0);
    match secs {
        0..60 => tr.t("dates.just_now").to_string(),
        60..3600 => tr.plural("dates.minutes_ago", secs / 60),
        3600..86_400 => tr.plural("dates.hours_ago", secs / 3600),
        _ => tr.plural("dates.days_ago", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locales;

    /// 2026-03-12 14:05:09 UTC.
    const T: UnixTime = 1_773_324_309;

    #[test]
    fn a_date_names_its_month_in_the_readers_language() {
        let l = Locales::load("en").unwrap();
        assert_eq!(date(l.named("en"), T), "12 March 2026, 14:05 UTC");
        assert_eq!(date(l.named("de"), T), "12. März 2026, 14:05 UTC");
        assert_eq!(date(l.named("fr"), T), "12 mars 2026 à 14:05 UTC");
        assert_eq!(date(l.named("es"), T), "12 de marzo de 2026, 14:05 UTC");
    }

    #[test]
    fn time_ago_takes_the_largest_whole_unit_and_the_right_plural() {
        let l = Locales::load("en").unwrap();
        let en = l.named("en");
        assert_eq!(ago(en, T, T + 59), "just now");
        assert_eq!(ago(en, T, T + 60), "1 minute ago");
        assert_eq!(ago(en, T, T + 5 * 60 + 30), "5 minutes ago");
        assert_eq!(ago(en, T, T + 3600), "1 hour ago");
        assert_eq!(ago(en, T, T + 3 * 86_400), "3 days ago");
        assert_eq!(ago(en, T + 10, T), "just now", "a clock a little behind is not the future");
        assert_eq!(ago(l.named("de"), T, T + 60), "vor 1 Minute");
        assert_eq!(ago(l.named("de"), T, T + 120), "vor 2 Minuten");
        assert_eq!(ago(l.named("fr"), T, T + 3600), "il y a 1 heure");
        assert_eq!(ago(l.named("fr"), T, T + 7200), "il y a 2 heures");
        assert_eq!(ago(l.named("es"), T, T + 86_400), "hace 1 día");
        assert_eq!(ago(l.named("es"), T, T + 2 * 86_400), "hace 2 días");
    }
}
