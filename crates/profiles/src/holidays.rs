//! Public-holiday calendars that decide which days take the Sunday-or-holiday profile.
//!
//! [`HolidayCalendar`] is the one question a standard load profile asks of a calendar: is
//! this local date a public holiday? [`FrenchHolidays`] answers it for metropolitan France
//! (the eleven national *jours fériés*, Easter by the anonymous Gregorian computus);
//! [`NoHolidays`] treats every day as an ordinary day.

use chrono::{Datelike, Duration, NaiveDate};

/// A calendar of public holidays, asked one local date at a time.
pub trait HolidayCalendar {
    /// True when `date` (a local calendar date) is a public holiday.
    fn is_holiday(&self, date: NaiveDate) -> bool;
}

/// No public holidays at all: only Sundays take the Sunday-or-holiday profile.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoHolidays;

impl HolidayCalendar for NoHolidays {
    fn is_holiday(&self, _date: NaiveDate) -> bool {
        false
    }
}

/// The eleven national public holidays of metropolitan France (Code du travail, L3133-1).
///
/// 1 January, Easter Monday, 1 May, 8 May, Ascension Thursday (Easter + 39 days), Whit
/// Monday (Easter + 50 days), 14 July, 15 August, 1 November, 11 November, 25 December.
/// Regional holidays (Good Friday and 26 December in Alsace-Moselle) are not included.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FrenchHolidays;

impl FrenchHolidays {
    /// The holidays of `year` in date order, each with its French name. Empty for a year
    /// outside chrono's range.
    pub fn dates(year: i32) -> Vec<(NaiveDate, &'static str)> {
        let Some(easter) = easter_sunday(year) else {
            return Vec::new();
        };
        let fixed = |m, d, name| NaiveDate::from_ymd_opt(year, m, d).map(|date| (date, name));
        let movable = |days, name| {
            easter
                .checked_add_signed(Duration::days(days))
                .map(|d| (d, name))
        };
        let mut out: Vec<(NaiveDate, &'static str)> = [
            fixed(1, 1, "Jour de l'an"),
            movable(1, "Lundi de Pâques"),
            fixed(5, 1, "Fête du Travail"),
            fixed(5, 8, "Victoire 1945"),
            movable(39, "Ascension"),
            movable(50, "Lundi de Pentecôte"),
            fixed(7, 14, "Fête nationale"),
            fixed(8, 15, "Assomption"),
            fixed(11, 1, "Toussaint"),
            fixed(11, 11, "Armistice 1918"),
            fixed(12, 25, "Noël"),
        ]
        .into_iter()
        .flatten()
        .collect();
        out.sort_by_key(|(d, _)| *d);
        out
    }
}

impl HolidayCalendar for FrenchHolidays {
    fn is_holiday(&self, date: NaiveDate) -> bool {
        match (date.month(), date.day()) {
            (1, 1) | (5, 1) | (5, 8) | (7, 14) | (8, 15) | (11, 1) | (11, 11) | (12, 25) => true,
            _ => easter_sunday(date.year()).is_some_and(|easter| {
                let offset = (date - easter).num_days();
                offset == 1 || offset == 39 || offset == 50
            }),
        }
    }
}

/// Easter Sunday of `year` in the Gregorian calendar (anonymous Gregorian algorithm, also
/// known as the Meeus/Jones/Butcher algorithm). `None` only for years chrono cannot hold or
/// years before 1583.
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    if year < 1583 {
        return None;
    }
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_known_dates() {
        // Published Easter Sundays (Western churches).
        assert_eq!(easter_sunday(2019), Some(d(2019, 4, 21)));
        assert_eq!(easter_sunday(2024), Some(d(2024, 3, 31)));
        assert_eq!(easter_sunday(2025), Some(d(2025, 4, 20)));
        assert_eq!(easter_sunday(2026), Some(d(2026, 4, 5)));
        assert_eq!(easter_sunday(2027), Some(d(2027, 3, 28)));
        assert_eq!(easter_sunday(2038), Some(d(2038, 4, 25))); // latest possible
        assert_eq!(easter_sunday(2285), Some(d(2285, 3, 22))); // earliest possible
        assert_eq!(easter_sunday(1500), None);
        assert_eq!(easter_sunday(i32::MAX), None);
    }

    #[test]
    fn french_holidays_2024_to_2027_match_published_calendars() {
        // (Easter Monday, Ascension, Whit Monday) per service-public.fr calendars.
        let movable = [
            (2024, d(2024, 4, 1), d(2024, 5, 9), d(2024, 5, 20)),
            (2025, d(2025, 4, 21), d(2025, 5, 29), d(2025, 6, 9)),
            (2026, d(2026, 4, 6), d(2026, 5, 14), d(2026, 5, 25)),
            (2027, d(2027, 3, 29), d(2027, 5, 6), d(2027, 5, 17)),
        ];
        for (y, easter_monday, ascension, whit_monday) in movable {
            let dates: Vec<NaiveDate> = FrenchHolidays::dates(y)
                .into_iter()
                .map(|(d, _)| d)
                .collect();
            let mut expected = vec![
                d(y, 1, 1),
                easter_monday,
                d(y, 5, 1),
                d(y, 5, 8),
                ascension,
                whit_monday,
                d(y, 7, 14),
                d(y, 8, 15),
                d(y, 11, 1),
                d(y, 11, 11),
                d(y, 12, 25),
            ];
            expected.sort();
            assert_eq!(dates, expected, "{y}");
            // is_holiday agrees with dates() on every day of the year.
            let mut day = d(y, 1, 1);
            let mut count = 0;
            while day.year() == y {
                if FrenchHolidays.is_holiday(day) {
                    count += 1;
                    assert!(expected.contains(&day), "{day} wrongly a holiday");
                }
                day = day.succ_opt().unwrap();
            }
            assert_eq!(count, 11, "{y}");
        }
        // Not holidays: Easter Sunday itself, Good Friday, Boxing Day.
        assert!(!FrenchHolidays.is_holiday(d(2025, 4, 20)));
        assert!(!FrenchHolidays.is_holiday(d(2025, 4, 18)));
        assert!(!FrenchHolidays.is_holiday(d(2025, 12, 26)));
        assert!(!NoHolidays.is_holiday(d(2025, 12, 25)));
    }
}
