//! Money in decimal arithmetic: amounts in euros as [`Decimal`], never `f64`.
//!
//! **The rule** (also in the README): a line's quantity is rounded half-up to the watt-hour
//! (3 decimals of a kWh) or to the day; its unit price keeps its own precision (as written in
//! the community or tariff file); its amount is `quantity × unit price` rounded **half-up to
//! the cent** (a midpoint goes away from zero, so a credit of −0.125 € is −0.13 €); a total is
//! the sum of its rounded lines, never the rounding of an unrounded sum. VAT is computed per
//! line the same way (`amount × rate`, rounded half-up to the cent).
//!
//! ```
//! use quartier_billing::money::{line_amount, kwh};
//! use rust_decimal::Decimal;
//! let price = Decimal::new(10, 2); // 0.10 EUR/kWh
//! assert_eq!(line_amount(kwh(87.45), price).to_string(), "8.75");
//! assert_eq!(line_amount(kwh(23.05), price).to_string(), "2.31");
//! ```

pub use rust_decimal::Decimal;
use rust_decimal::RoundingStrategy;

/// Rounds half-up (midpoints away from zero) to the cent.
pub fn cents(x: Decimal) -> Decimal {
    x.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// An energy in kWh as an invoiced quantity: rounded half-up to the watt-hour (3 decimals).
/// A value that is not finite becomes 0 (energies reaching billing are checked finite by the
/// allocation engine).
pub fn kwh(energy_kwh: f64) -> Decimal {
    Decimal::from_f64_retain(energy_kwh)
        .unwrap_or_default()
        .round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// The amount of a line: `quantity × unit price`, rounded half-up to the cent.
pub fn line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal {
    cents(quantity * unit_price)
}

/// A number read from a file (a price, a rate) as the decimal its text wrote: the shortest
/// decimal that reads back as the same `f64` (`0.1` is 0.1, not 0.1000000000000000055…).
/// Numbers that are not finite become 0 (the readers refuse them first).
pub fn from_file_number(x: f64) -> Decimal {
    if !x.is_finite() {
        return Decimal::ZERO;
    }
    let text = format!("{x}");
    text.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&format!("{x:e}")))
        .unwrap_or_default()
        .normalize()
}

/// A decimal as an `f64`, for charts, weights and ratios only (never for an amount billed).
pub fn to_f64(x: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    x.to_f64().unwrap_or(0.0)
}

/// `rate_percent` % of `amount`, rounded half-up to the cent (VAT of a line).
pub fn percent_of(amount: Decimal, rate_percent: Decimal) -> Decimal {
    cents(amount * rate_percent / Decimal::ONE_HUNDRED)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn half_up_to_the_cent_on_both_sides_of_zero() {
        assert_eq!(cents(d("8.745")), d("8.75"));
        assert_eq!(cents(d("2.305")), d("2.31"));
        assert_eq!(cents(d("2.3049")), d("2.30"));
        assert_eq!(cents(d("-0.125")), d("-0.13"));
        // The two amounts of the issue: both half-up.
        assert_eq!(line_amount(kwh(87.450), d("0.10")), d("8.75"));
        assert_eq!(line_amount(kwh(23.050), d("0.10")), d("2.31"));
    }

    #[test]
    fn quantities_to_the_watt_hour_and_file_numbers_as_written() {
        assert_eq!(kwh(1.23456), d("1.235"));
        assert_eq!(kwh(0.0005), d("0.001"));
        assert_eq!(kwh(f64::NAN), Decimal::ZERO);
        assert_eq!(from_file_number(0.1), d("0.1"));
        assert_eq!(from_file_number(0.0749), d("0.0749"));
        assert_eq!(from_file_number(1e-7), d("0.0000001"));
        assert_eq!(from_file_number(f64::INFINITY), Decimal::ZERO);
        assert_eq!(percent_of(d("10.05"), d("20")), d("2.01"));
        assert_eq!(percent_of(d("1.43"), d("5.5")), d("0.08"));
    }
}
