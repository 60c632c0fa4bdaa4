//! What the organiser (PMO) decides: the local price of shared energy, per producer or per
//! consumer, flat or by time-of-use period in local time; each consumer's supplier price
//! (energy only, excluding network tariff and taxes: what the complement costs and what every
//! kWh would cost without the operation); the price of the surplus.

use chrono::{DateTime, Timelike, Utc};
use quartier_share::MemberId;
use rust_decimal::Decimal;

use crate::BillingError;
use crate::money::{from_file_number, to_f64};

/// A time-of-use period of a price, in local time (Europe/Paris).
#[derive(Debug, Clone, PartialEq)]
pub struct PricePeriod {
    /// Name ("HC").
    pub name: String,
    /// Local start hour, inclusive (0–23).
    pub start_hour: u32,
    /// Local end hour, exclusive (1–24); the period wraps past midnight when ≤ `start_hour`.
    pub end_hour: u32,
    /// Price in the period, EUR/kWh.
    pub eur_per_kwh: Decimal,
}

/// A price: a base value and optional periods (the first matching period applies).
#[derive(Debug, Clone, PartialEq)]
pub struct TimeOfUse {
    /// Price outside every period, EUR/kWh.
    pub base_eur_per_kwh: Decimal,
    /// Periods.
    pub periods: Vec<PricePeriod>,
}

impl TimeOfUse {
    /// A flat price, from the number a file wrote (see [`from_file_number`]).
    pub fn flat(eur_per_kwh: f64) -> TimeOfUse {
        TimeOfUse {
            base_eur_per_kwh: from_file_number(eur_per_kwh),
            periods: Vec::new(),
        }
    }

    /// The period of the step starting at `utc` (index into `periods`, `None` for the base
    /// price) and its price, EUR/kWh.
    pub fn period_at(&self, utc: DateTime<Utc>) -> (Option<usize>, Decimal) {
        if self.periods.is_empty() {
            return (None, self.base_eur_per_kwh);
        }
        let k = self.period_at_hour(utc.with_timezone(&chrono_tz::Europe::Paris).hour());
        (k, self.price_of(k))
    }

    /// The period of a step starting at local hour `hour` (index into `periods`, `None` for
    /// the base price).
    pub fn period_at_hour(&self, hour: u32) -> Option<usize> {
        self.periods.iter().position(|p| {
            if p.start_hour < p.end_hour {
                hour >= p.start_hour && hour < p.end_hour
            } else {
                hour >= p.start_hour || hour < p.end_hour
            }
        })
    }

    /// The price of period `k` (`None`: the base price), EUR/kWh.
    pub fn price_of(&self, k: Option<usize>) -> Decimal {
        k.and_then(|k| self.periods.get(k))
            .map_or(self.base_eur_per_kwh, |p| p.eur_per_kwh)
    }

    /// The price of the step starting at `utc`, EUR/kWh.
    pub fn at(&self, utc: DateTime<Utc>) -> Decimal {
        self.period_at(utc).1
    }

    /// The price of the step starting at `utc` as an `f64`, for weights (the optimised key),
    /// never for an amount.
    pub fn weight_at(&self, utc: DateTime<Utc>) -> f64 {
        to_f64(self.at(utc))
    }

    fn validate(&self, context: &str) -> Result<(), BillingError> {
        let ok = |x: Decimal| !x.is_sign_negative() || x.is_zero();
        if !ok(self.base_eur_per_kwh) || self.periods.iter().any(|p| !ok(p.eur_per_kwh)) {
            return Err(BillingError::Price {
                context: context.into(),
                message: "prices must be non-negative numbers".into(),
            });
        }
        if self
            .periods
            .iter()
            .any(|p| p.start_hour > 23 || p.end_hour > 24 || p.end_hour == 0)
        {
            return Err(BillingError::Price {
                context: context.into(),
                message: "period hours must be 0–23 (start) and 1–24 (end)".into(),
            });
        }
        Ok(())
    }
}

/// Whose local price applies to shared energy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PriceBasis {
    /// Each producer sells at its own price (a consumer pays, per step, each producer's price
    /// for the part that producer supplied).
    #[default]
    Producer,
    /// Each consumer pays its own price whatever the producer.
    Consumer,
}

/// The prices of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Prices {
    /// Whose local price applies.
    pub basis: PriceBasis,
    /// Local price of members without their own.
    pub default_local: TimeOfUse,
    /// Local price per producer or per consumer (per `basis`).
    pub local: Vec<(MemberId, TimeOfUse)>,
    /// Supplier price of consumers without their own, EUR/kWh (energy only).
    pub default_supplier_eur_per_kwh: Decimal,
    /// Supplier price per consumer, EUR/kWh (energy only).
    pub supplier: Vec<(MemberId, Decimal)>,
    /// Price paid to producers for their surplus, EUR/kWh.
    pub surplus_eur_per_kwh: Decimal,
}

impl Prices {
    /// Flat prices for everyone, from the numbers a file wrote (see [`from_file_number`]).
    pub fn flat(local_eur_per_kwh: f64, supplier_eur_per_kwh: f64) -> Prices {
        Prices {
            basis: PriceBasis::Producer,
            default_local: TimeOfUse::flat(local_eur_per_kwh),
            local: Vec::new(),
            default_supplier_eur_per_kwh: from_file_number(supplier_eur_per_kwh),
            supplier: Vec::new(),
            surplus_eur_per_kwh: Decimal::ZERO,
        }
    }

    /// The local price of `id` (producer or consumer per `basis`).
    pub fn local_of(&self, id: &MemberId) -> &TimeOfUse {
        self.local
            .iter()
            .find(|(m, _)| m == id)
            .map_or(&self.default_local, |(_, p)| p)
    }

    /// The supplier price of consumer `id`, EUR/kWh.
    pub fn supplier_of(&self, id: &MemberId) -> Decimal {
        self.supplier
            .iter()
            .find(|(m, _)| m == id)
            .map_or(self.default_supplier_eur_per_kwh, |(_, p)| *p)
    }

    /// Checks values and that every named member is a producer or consumer (per `basis`) or
    /// a consumer (supplier prices).
    pub fn validate(
        &self,
        consumers: &[MemberId],
        producers: &[MemberId],
    ) -> Result<(), BillingError> {
        self.default_local.validate("default local price")?;
        let ok = |x: Decimal| !x.is_sign_negative() || x.is_zero();
        if !ok(self.default_supplier_eur_per_kwh) || !ok(self.surplus_eur_per_kwh) {
            return Err(BillingError::Price {
                context: "default".into(),
                message: "supplier and surplus prices must be non-negative numbers".into(),
            });
        }
        let (side, what) = match self.basis {
            PriceBasis::Producer => (producers, "producer"),
            PriceBasis::Consumer => (consumers, "consumer"),
        };
        for (id, p) in &self.local {
            if !side.contains(id) {
                return Err(BillingError::Price {
                    context: id.to_string(),
                    message: format!("local price for a member that is not a {what}"),
                });
            }
            p.validate(id.as_str())?;
        }
        for (id, p) in &self.supplier {
            if !consumers.contains(id) {
                return Err(BillingError::Price {
                    context: id.to_string(),
                    message: "supplier price for a member that is not a consumer".into(),
                });
            }
            if !ok(*p) {
                return Err(BillingError::Price {
                    context: id.to_string(),
                    message: "supplier price must be a non-negative number".into(),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn time_of_use_wraps_midnight_in_local_time() {
        let p = TimeOfUse {
            base_eur_per_kwh: from_file_number(0.12),
            periods: vec![PricePeriod {
                name: "HC".into(),
                start_hour: 22,
                end_hour: 6,
                eur_per_kwh: from_file_number(0.08),
            }],
        };
        // 2025-07-01 21:00 UTC = 23:00 Paris.
        assert_eq!(
            p.weight_at(Utc.with_ymd_and_hms(2025, 7, 1, 21, 0, 0).unwrap()),
            0.08
        );
        assert_eq!(
            p.weight_at(Utc.with_ymd_and_hms(2025, 7, 1, 10, 0, 0).unwrap()),
            0.12
        );
        assert_eq!(
            p.weight_at(Utc.with_ymd_and_hms(2025, 7, 1, 3, 0, 0).unwrap()),
            0.08
        );
    }
}
