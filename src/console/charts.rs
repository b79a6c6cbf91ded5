//! The overview's charts, drawn on the server as inline SVG from audit events: counts per hour
//! over the last day by series (sign-ins by method), and totals by name (failures by reason).
//! A chart is a picture with a text alternative naming every total; the page prints the
//! numbers beside it in a table, so nothing is only in the picture.

use crate::clock::UnixTime;
use crate::model::AuditEvent;

pub const HOURS: usize = 24;
const SERIES_COLOURS: usize = 5;

/// One series: its name and its count in each hour, oldest first (the last is the current hour).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Series {
    pub name: String,
    pub counts: [u64; HOURS],
}

impl Series {
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// Counts `events` per hour before `now`, one series for each name `key` gives; events older
/// than a day, in the future, or without a name are left out. Largest total first.
pub fn hourly<'a>(
    events: impl IntoIterator<Item = &'a AuditEvent>,
    now: UnixTime,
    key: impl Fn(&AuditEvent) -> Option<String>,
) -> Vec<Series> {
    let mut all: Vec<Series> = vec![];
    for event in events {
        let Some(name) = key(event) else { continue };
        let Ok(age) = usize::try_from((now - event.at) / 3600) else { continue };
        if now < event.at || age >= HOURS {
            continue;
        }
        let series = match all.iter_mut().position(|s| s.name == name) {
            Some(i) => &mut all[i],
            None => {
                all.push(Series { name, counts: [0; HOURS] });
                all.last_mut().expect("just pushed")
            }
        };
        series.counts[HOURS - 1 - age] += 1;
    }
    all.sort_by(|a, b| b.total().cmp(&a.total()).then_with(|| a.name.cmp(&b.name)));
    all
}

/// Totals by name, largest first.
pub fn totals(series: &[Series]) -> Vec<(String, u64)> {
    series.iter().map(|s| (s.name.clone(), s.total())).collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// "title: a 3, b 1" — what a chart shows, in words.
fn described(title: &str, totals: &[(String, u64)], none: &str) -> String {
    if totals.is_empty() {
        return format!("{title}: {none}");
    }
    let parts: Vec<String> = totals.iter().map(|(name, n)| format!("{name} {n}")).collect();
    format!("{title}: {}", parts.join(", "))
}

/// A line per series over the day. `start` and `end` label the time axis ("24 h ago", "now").
pub fn lines(title: &str, series: &[Series], start: &str, end: &str, none: &str) -> String {
    let (left, right, top, bottom) = (32.0, 472.0, 10.0, 140.0);
    let max = series.iter().flat_map(|s| s.counts).max().unwrap_or(0).max(1);
    let x = |hour: usize| left + (right - left) * hour as f64 / (HOURS - 1) as f64;
    let y = |n: u64| bottom - (bottom - top) * n as f64 / max as f64;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 480 164\" role=\"img\" aria-label=\"{}\" focusable=\"false\">",
        escape(&described(title, &totals(series), none))
    );
    svg += &format!(
        "<path class=\"axis\" d=\"M{left} {top}V{bottom}H{right}\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{max}</text><text x=\"{}\" y=\"{bottom}\" text-anchor=\"end\">0</text>\
         <text x=\"{left}\" y=\"158\">{}</text><text x=\"{right}\" y=\"158\" text-anchor=\"end\">{}</text>",
        left - 4.0,
        top + 8.0,
        left - 4.0,
        escape(start),
        escape(end)
    );
    for (i, s) in series.iter().enumerate() {
        let points: Vec<String> =
            s.counts.iter().enumerate().map(|(h, n)| format!("{:.1},{:.1}", x(h), y(*n))).collect();
        svg += &format!("<polyline class=\"s{}\" points=\"{}\"/>", i % SERIES_COLOURS, points.join(" "));
    }
    svg + "</svg>"
}

/// A horizontal bar for each name.
pub fn bars(title: &str, totals: &[(String, u64)], none: &str) -> String {
    let row = 26.0;
    let height = (totals.len().max(1) as f64 * row).ceil();
    let max = totals.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 480 {height}\" role=\"img\" aria-label=\"{}\" focusable=\"false\">",
        escape(&described(title, totals, none))
    );
    for (i, (name, n)) in totals.iter().enumerate() {
        let top = i as f64 * row;
        let width = 250.0 * *n as f64 / max as f64;
        svg += &format!(
            "<text x=\"176\" y=\"{:.0}\" text-anchor=\"end\">{}</text><rect class=\"s{}\" x=\"182\" y=\"{:.0}\" width=\"{width:.1}\" height=\"18\"/>\
             <text x=\"{:.1}\" y=\"{:.0}\">{n}</text>",
            top + 17.0,
            escape(name),
            i % SERIES_COLOURS,
            top + 3.0,
            188.0 + width,
            top + 17.0
        );
    }
    svg + "</svg>"
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixTime = 1_000_000;

    fn event(at: UnixTime, method: &str) -> AuditEvent {
        AuditEvent {
            id: format!("{at}{method}"),
            at,
            kind: "sign_in".into(),
            user_id: None,
            client_id: None,
            ip: None,
            detail: serde_json::json!({"method": method}),
        }
    }

    fn method(e: &AuditEvent) -> Option<String> {
        e.detail["method"].as_str().map(str::to_owned)
    }

    #[test]
    fn events_fall_in_the_hour_they_happened_and_only_the_last_day_counts() {
        let events = [
            event(NOW, "passkey"),
            event(NOW - 3599, "passkey"),
            event(NOW - 3600, "email_code"),
            event(NOW - 23 * 3600 - 1, "passkey"),
            event(NOW - 24 * 3600, "passkey"),
            event(NOW + 5, "passkey"),
        ];
        let series = hourly(&events, NOW, method);
        assert_eq!(series.len(), 2);
        assert_eq!(
            (series[0].name.as_str(), series[0].total()),
            ("passkey", 3),
            "largest first; a day old or future left out"
        );
        assert_eq!(series[0].counts[HOURS - 1], 2, "this hour");
        assert_eq!(series[0].counts[0], 1, "the oldest hour still counted");
        assert_eq!(series[1].counts[HOURS - 2], 1, "an hour ago");
    }

    #[test]
    fn a_chart_says_its_numbers_in_words_and_escapes_what_the_events_named() {
        let series = hourly(&[event(NOW, "<b>"), event(NOW, "passkey"), event(NOW, "passkey")], NOW, method);
        let svg = lines("Sign-ins", &series, "24 h ago", "now", "none");
        assert!(svg.contains("aria-label=\"Sign-ins: passkey 2, &lt;b&gt; 1\""), "{svg}");
        assert!(svg.contains("role=\"img\"") && !svg.contains("<b>"), "{svg}");
        assert_eq!(svg.matches("<polyline").count(), 2);
        let bars = bars("Failures", &[("wrong_code".into(), 4), ("expired".into(), 2)], "none");
        assert!(bars.contains("aria-label=\"Failures: wrong_code 4, expired 2\""), "{bars}");
        assert_eq!(bars.matches("<rect").count(), 2);
        assert!(super::bars("Failures", &[], "none yet").contains("aria-label=\"Failures: none yet\""));
    }
}
