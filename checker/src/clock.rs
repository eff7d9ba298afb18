//! Times as a learner reads them: in their own time zone, to the second.
//!
//! The cluster and the progress file keep RFC 3339 times in UTC (and JSON output stays so, for
//! tools); what a person reads — the terminal, the record, the served page — is local:
//! `2026-11-30 16:27:38 CST` in English, `11月30日 16:27:38` in Chinese (the year only when it
//! is not this year's). The zone is the system's (`TZ`, else `/etc/localtime`), as `date` uses.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use lab_spec::Lang;

/// The learner's time zone.
pub fn zone() -> TimeZone {
    TimeZone::system()
}

/// A date and time for text output, in the local time zone.
pub fn datetime(at: Timestamp, lang: Lang) -> String {
    datetime_in(at, lang, &zone(), Timestamp::now())
}

/// [`datetime`] in the zone `tz`, with `now` deciding whether the year is worth printing.
pub fn datetime_in(at: Timestamp, lang: Lang, tz: &TimeZone, now: Timestamp) -> String {
    let local = at.to_zoned(tz.clone());
    match lang {
        Lang::En => local.strftime("%Y-%m-%d %H:%M:%S %Z").to_string(),
        Lang::Zh if local.year() == now.to_zoned(tz.clone()).year() => {
            local.strftime("%-m月%-d日 %H:%M:%S").to_string()
        }
        Lang::Zh => local.strftime("%Y年%-m月%-d日 %H:%M:%S").to_string(),
    }
}

/// The time of day in the local time zone, `16:27:38`, as `kubectl describe` prints the times
/// of a container's Started and Finished lines.
pub fn time(at: Timestamp) -> String {
    time_in(at, &zone())
}

pub fn time_in(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned(tz.clone()).strftime("%H:%M:%S").to_string()
}

/// A date and time in the local zone for a Mermaid gantt chart (`dateFormat YYYY-MM-DD HH:mm:ss`).
pub fn gantt(at: Timestamp) -> String {
    at.to_zoned(zone()).strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// The local zone in words, for a record: `Asia/Shanghai (UTC+08:00)`, or `UTC+08:00` for a zone
/// without a name.
pub fn zone_name(at: Timestamp) -> String {
    zone_name_in(at, &zone())
}

pub fn zone_name_in(at: Timestamp, tz: &TimeZone) -> String {
    let offset = at.to_zoned(tz.clone()).strftime("UTC%:z").to_string();
    match tz.iana_name() {
        Some(name) => format!("{name} ({offset})"),
        None => offset,
    }
}

/// The zone's short name at `at` (`CST`, `UTC`), or its offset when it has none.
pub fn zone_abbreviation(at: Timestamp) -> String {
    at.to_zoned(zone()).strftime("%Z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shanghai() -> TimeZone {
        TimeZone::posix("CST-8").unwrap()
    }

    #[test]
    fn local_time_to_the_second_in_both_languages() {
        let at: Timestamp = "2026-11-30T08:27:38.882162128Z".parse().unwrap();
        let now: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
        assert_eq!(datetime_in(at, Lang::En, &shanghai(), now), "2026-11-30 16:27:38 CST");
        assert_eq!(datetime_in(at, Lang::Zh, &shanghai(), now), "11月30日 16:27:38");
        let next_year: Timestamp = "2027-02-01T00:00:00Z".parse().unwrap();
        assert_eq!(datetime_in(at, Lang::Zh, &shanghai(), next_year), "2026年11月30日 16:27:38");
        assert_eq!(time_in(at, &shanghai()), "16:27:38");
        assert_eq!(datetime_in(at, Lang::En, &TimeZone::UTC, now), "2026-11-30 08:27:38 UTC");
    }

    #[test]
    fn the_zone_in_words() {
        let at: Timestamp = "2026-11-30T08:27:38Z".parse().unwrap();
        assert_eq!(zone_name_in(at, &shanghai()), "UTC+08:00");
        assert_eq!(zone_name_in(at, &TimeZone::UTC), "UTC (UTC+00:00)");
    }
}
