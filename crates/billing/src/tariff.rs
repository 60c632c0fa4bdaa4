//! The regulated tariff grids: TURPE components of the standard and the collective
//! self-consumption (ACC) option, their time-of-use periods, the excise on electricity, the CTA
//! and VAT rates. Every value is [`Cited`]: it carries its source and whether it was checked.
//! A [`TariffHistory`] keeps every grid with the day it came into force, so that a month is
//! billed with the grid in force on its first day (French grids change on the first of a
//! month: TURPE on 1 February and 1 August, the excise on 1 February and 1 August).

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use rust_decimal::Decimal;

use crate::BillingError;
use crate::money::from_file_number;

/// The default tariff file (every grid from TURPE 6 of 1 November 2024 on), as TOML text;
/// `quartier-model` parses it.
pub const TARIFFS_TOML: &str = include_str!("../data/tariffs.toml");

/// A value with its source.
#[derive(Debug, Clone, PartialEq)]
pub struct Cited {
    /// The value, exactly as the tariff file writes it (unit in the field name that holds it).
    pub value: Decimal,
    /// Where it comes from (deliberation number, date, table).
    pub source: String,
    /// False when the value could not be checked against a second source (bills say so).
    pub verified: bool,
}

impl Cited {
    /// A checked value, from the number a file wrote (see [`from_file_number`]).
    pub fn new(value: f64, source: impl Into<String>) -> Cited {
        Cited {
            value: from_file_number(value),
            source: source.into(),
            verified: true,
        }
    }
}

/// The four time-of-use periods of the TURPE "4 postes" options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// Peak hours, high season (heures pleines saison haute).
    Hph,
    /// Off-peak hours, high season (heures creuses saison haute).
    Hch,
    /// Peak hours, low season (heures pleines saison basse).
    Hpb,
    /// Off-peak hours, low season (heures creuses saison basse).
    Hcb,
}

impl Period {
    /// All periods, in the order of the `[f64; 4]` arrays of this crate.
    pub const ALL: [Period; 4] = [Period::Hph, Period::Hch, Period::Hpb, Period::Hcb];

    /// Index in `[f64; 4]` arrays.
    pub fn index(self) -> usize {
        match self {
            Period::Hph => 0,
            Period::Hch => 1,
            Period::Hpb => 2,
            Period::Hcb => 3,
        }
    }

    /// Short name (HPH, HCH, HPB, HCB).
    pub fn code(self) -> &'static str {
        ["HPH", "HCH", "HPB", "HCB"][self.index()]
    }
}

/// One rate per period, EUR/kWh.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodRates {
    /// HPH.
    pub hph: Cited,
    /// HCH.
    pub hch: Cited,
    /// HPB.
    pub hpb: Cited,
    /// HCB.
    pub hcb: Cited,
}

impl PeriodRates {
    /// The rate of `period`, EUR/kWh.
    pub fn rate(&self, period: Period) -> Decimal {
        self.cited(period).value
    }

    /// The cited rate of `period`.
    pub fn cited(&self, period: Period) -> &Cited {
        match period {
            Period::Hph => &self.hph,
            Period::Hch => &self.hch,
            Period::Hpb => &self.hpb,
            Period::Hcb => &self.hcb,
        }
    }
}

/// The tariff table of one date.
#[derive(Debug, Clone, PartialEq)]
pub struct TariffTable {
    /// Display name (English).
    pub name: String,
    /// Display name in French (the English one when the file gives none).
    pub name_fr: String,
    /// First day the values apply.
    pub effective_from: NaiveDate,
    /// The day a newer grid is known to come into force, when the file does not hold it yet
    /// (statements of later months say the grid in force is missing).
    pub next_change: Option<NaiveDate>,
    /// Local hour off-peak hours start (inclusive).
    pub offpeak_start_hour: u32,
    /// Local hour off-peak hours end (exclusive; wraps past midnight when ≤ start).
    pub offpeak_end_hour: u32,
    /// Months (1–12) of the high season.
    pub high_season_months: Vec<u32>,
    /// Standard option: management component, EUR/year.
    pub standard_management_eur_per_year: Cited,
    /// Metering component (both options), EUR/year.
    pub metering_eur_per_year: Cited,
    /// Standard option: withdrawal energy component per period, EUR/kWh.
    pub standard_energy: PeriodRates,
    /// ACC option: management component, EUR/year.
    pub acc_management_eur_per_year: Cited,
    /// ACC option: rate of self-consumed ("autoproduit") energy per period, EUR/kWh.
    pub acc_self_consumed: PeriodRates,
    /// ACC option: rate of complement ("alloproduit") energy per period, EUR/kWh.
    pub acc_complement: PeriodRates,
    /// Excise on electricity, EUR/kWh.
    pub excise_eur_per_kwh: Cited,
    /// Self-consumed energy is exempt from the excise when its producer has less installed
    /// power than this, kW (and the option is chosen).
    pub excise_exemption_max_kw: Cited,
    /// CTA (contribution tarifaire d'acheminement), percent of the fixed TURPE components.
    pub cta_percent: Cited,
    /// VAT on energy (local energy, supplier energy, TURPE energy components, excise), percent.
    pub vat_energy_percent: Cited,
    /// VAT on the fixed components (TURPE management and metering, CTA), percent.
    pub vat_fixed_percent: Cited,
}

impl TariffTable {
    /// Checks values (finite, non-negative) and hours/months ranges.
    pub fn validate(&self) -> Result<(), BillingError> {
        let bad = |field: &str, message: String| BillingError::Tariff {
            field: field.into(),
            message,
        };
        let mut values: Vec<(String, &Cited)> = vec![
            (
                "standard.management_eur_per_year".into(),
                &self.standard_management_eur_per_year,
            ),
            (
                "standard.metering_eur_per_year".into(),
                &self.metering_eur_per_year,
            ),
            (
                "acc.management_eur_per_year".into(),
                &self.acc_management_eur_per_year,
            ),
            ("excise.eur_per_kwh".into(), &self.excise_eur_per_kwh),
            (
                "excise.exemption_max_kw".into(),
                &self.excise_exemption_max_kw,
            ),
            ("cta.percent".into(), &self.cta_percent),
            ("vat.energy_percent".into(), &self.vat_energy_percent),
            ("vat.fixed_percent".into(), &self.vat_fixed_percent),
        ];
        for (prefix, rates) in [
            ("standard", &self.standard_energy),
            ("acc.self", &self.acc_self_consumed),
            ("acc.complement", &self.acc_complement),
        ] {
            for p in Period::ALL {
                values.push((format!("{prefix}.{}", p.code()), rates.cited(p)));
            }
        }
        for (field, c) in values {
            if c.value.is_sign_negative() && !c.value.is_zero() {
                return Err(bad(
                    &field,
                    format!("{} is not a non-negative number", c.value),
                ));
            }
        }
        if self.offpeak_start_hour > 23 || self.offpeak_end_hour > 24 {
            return Err(bad(
                "periods",
                "off-peak hours must be 0–23 (start) and 0–24 (end)".into(),
            ));
        }
        if let Some(m) = self
            .high_season_months
            .iter()
            .find(|m| !(1..=12).contains(*m))
        {
            return Err(bad(
                "periods.high_season_months",
                format!("{m} is not a month"),
            ));
        }
        Ok(())
    }

    /// The period of the step starting at `utc` (local time Europe/Paris).
    pub fn period(&self, utc: DateTime<Utc>) -> Period {
        let local = utc.with_timezone(&chrono_tz::Europe::Paris);
        let high = self.high_season_months.contains(&local.month());
        let h = local.hour();
        let (s, e) = (self.offpeak_start_hour, self.offpeak_end_hour);
        let offpeak = if s < e {
            h >= s && h < e
        } else if s > e {
            h >= s || h < e
        } else {
            false
        };
        match (high, offpeak) {
            (true, false) => Period::Hph,
            (true, true) => Period::Hch,
            (false, false) => Period::Hpb,
            (false, true) => Period::Hcb,
        }
    }

    /// True when some value of the table was not checked against its source.
    pub fn has_unverified(&self) -> bool {
        let mut all = vec![
            &self.standard_management_eur_per_year,
            &self.metering_eur_per_year,
            &self.acc_management_eur_per_year,
            &self.excise_eur_per_kwh,
            &self.cta_percent,
            &self.vat_energy_percent,
            &self.vat_fixed_percent,
        ];
        for r in [
            &self.standard_energy,
            &self.acc_self_consumed,
            &self.acc_complement,
        ] {
            all.extend(Period::ALL.iter().map(|p| r.cited(*p)));
        }
        all.iter().any(|c| !c.verified)
    }
}

/// Every grid of a tariff file, by the day it came into force.
#[derive(Debug, Clone, PartialEq)]
pub struct TariffHistory {
    /// The oldest grid (a history always has one).
    oldest: TariffTable,
    /// The grids after it, oldest first.
    later: Vec<TariffTable>,
    /// All of them, oldest first (`oldest` then `later`), for [`TariffHistory::grids`].
    all: Vec<TariffTable>,
}

impl TariffHistory {
    /// The history of `grids` (any order). Errors: no grid, two grids from the same day, or a
    /// grid with an invalid value.
    pub fn new(mut grids: Vec<TariffTable>) -> Result<TariffHistory, BillingError> {
        grids.sort_by_key(|g| g.effective_from);
        for pair in grids.windows(2) {
            if let [a, b] = pair
                && a.effective_from == b.effective_from
            {
                return Err(BillingError::Tariff {
                    field: "grid.effective_from".into(),
                    message: format!("two grids come into force on {}", a.effective_from),
                });
            }
        }
        for g in &grids {
            g.validate().map_err(|e| match e {
                BillingError::Tariff { field, message } => BillingError::Tariff {
                    field: format!("grid from {}: {field}", g.effective_from),
                    message,
                },
                other => other,
            })?;
        }
        let all = grids.clone();
        let mut it = grids.into_iter();
        let Some(oldest) = it.next() else {
            return Err(BillingError::Tariff {
                field: "grid".into(),
                message: "the tariff file has no grid".into(),
            });
        };
        Ok(TariffHistory {
            oldest,
            later: it.collect(),
            all,
        })
    }

    /// A history of one grid.
    pub fn single(grid: TariffTable) -> Result<TariffHistory, BillingError> {
        TariffHistory::new(vec![grid])
    }

    /// The grids, oldest first.
    pub fn grids(&self) -> &[TariffTable] {
        &self.all
    }

    /// The grid in force on local day `day`, and whether `day` comes before the oldest grid
    /// (the oldest is then used, and bills say so).
    pub fn in_force(&self, day: NaiveDate) -> (&TariffTable, bool) {
        match self.later.iter().rev().find(|g| g.effective_from <= day) {
            Some(g) => (g, false),
            None => (&self.oldest, day < self.oldest.effective_from),
        }
    }

    /// True when some value of some grid was not checked against a second source.
    pub fn has_unverified(&self) -> bool {
        self.all.iter().any(TariffTable::has_unverified)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    pub(crate) fn rates(a: f64, b: f64, c: f64, d: f64) -> PeriodRates {
        PeriodRates {
            hph: Cited::new(a, "test"),
            hch: Cited::new(b, "test"),
            hpb: Cited::new(c, "test"),
            hcb: Cited::new(d, "test"),
        }
    }

    /// A round-number table for hand-computed examples.
    pub(crate) fn table() -> TariffTable {
        TariffTable {
            name: "test".into(),
            name_fr: "essai".into(),
            effective_from: NaiveDate::from_ymd_opt(2025, 8, 1).unwrap(),
            next_change: None,
            offpeak_start_hour: 22,
            offpeak_end_hour: 6,
            high_season_months: vec![11, 12, 1, 2, 3],
            standard_management_eur_per_year: Cited::new(12.0, "test"),
            metering_eur_per_year: Cited::new(24.0, "test"),
            standard_energy: rates(0.08, 0.04, 0.02, 0.01),
            acc_management_eur_per_year: Cited::new(36.0, "test"),
            acc_self_consumed: rates(0.02, 0.01, 0.01, 0.005),
            acc_complement: rates(0.09, 0.05, 0.03, 0.01),
            excise_eur_per_kwh: Cited::new(0.03, "test"),
            excise_exemption_max_kw: Cited::new(1000.0, "test"),
            cta_percent: Cited::new(21.93, "test"),
            vat_energy_percent: Cited::new(20.0, "test"),
            vat_fixed_percent: Cited::new(5.5, "test"),
        }
    }

    #[test]
    fn periods_follow_local_time_and_season() {
        let t = table();
        // 2025-01-15 12:00 Paris = 11:00 UTC: high season, peak.
        let utc = |y, m, d, h| Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap();
        assert_eq!(t.period(utc(2025, 1, 15, 11)), Period::Hph);
        // 2025-01-15 23:00 Paris = 22:00 UTC: off-peak.
        assert_eq!(t.period(utc(2025, 1, 15, 22)), Period::Hch);
        // 2025-07-15 21:30 Paris (CEST) = 19:30 UTC: low season peak; 22:00 Paris = 20:00 UTC off-peak.
        assert_eq!(t.period(utc(2025, 7, 15, 19)), Period::Hpb);
        assert_eq!(t.period(utc(2025, 7, 15, 20)), Period::Hcb);
        // 31 March 2025 22:30 UTC is 1 April 00:30 Paris: low season.
        assert_eq!(
            t.period(Utc.with_ymd_and_hms(2025, 3, 31, 22, 30, 0).unwrap()),
            Period::Hcb
        );
        assert!(t.validate().is_ok());
    }
}
