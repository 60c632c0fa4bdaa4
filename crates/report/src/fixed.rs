//! Numbers with a fixed count of decimals, written as `format!("{x:.6}")` writes them, without
//! its cost: `allocation.csv` and `coefficients.csv` hold tens of millions of them.
//!
//! `x · 10^d` is computed in floating point, off the exact product by at most half a unit in
//! the last place (below 2⁻¹³ for the values taken here, under 10⁶). Rounding to the nearest
//! integer can only differ from the exact decimal rounding when the product lies that close
//! to a half; those values (and negative, huge or non-finite ones) are written by `format!`
//! itself. So every number reads exactly as before, byte for byte.

use std::fmt::Write as _;

const SCALE: [f64; 7] = [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6];
const SCALE_INT: [u64; 7] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];

/// Appends `x` with `decimals` decimals (at most 6 on the fast path), as `{x:.decimals$}`.
pub(crate) fn push_fixed(out: &mut String, x: f64, decimals: usize) {
    if let (Some(&scale), Some(&unit)) = (SCALE.get(decimals), SCALE_INT.get(decimals))
        && x.is_finite()
        && !x.is_sign_negative()
        && x < 1e6
    {
        let m = x * scale;
        let floor = m.floor();
        let frac = m - floor;
        if (frac - 0.5).abs() > 1e-3 {
            // Below 10^12: exact as an integer.
            let n = floor as u64 + u64::from(frac > 0.5);
            push_digits(out, n / unit, 1);
            if decimals > 0 {
                out.push('.');
                push_digits(out, n % unit, decimals);
            }
            return;
        }
    }
    let _ = write!(out, "{x:.decimals$}");
}

/// Appends the decimal digits of `n`, padded with zeros to `width` (at most 20).
fn push_digits(out: &mut String, mut n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    while let Some(slot) = i.checked_sub(1).and_then(|j| buf.get_mut(j)) {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
        i -= 1;
        if n == 0 {
            break;
        }
    }
    let start = i.min(buf.len().saturating_sub(width));
    for &d in buf.get(start..).unwrap_or(&[]) {
        out.push(char::from(d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fixed(x: f64, d: usize) -> String {
        let mut s = String::new();
        push_fixed(&mut s, x, d);
        s
    }

    #[test]
    fn as_format_writes_them() {
        for x in [
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            0.125,
            0.0000005,
            0.0000015,
            1e-7,
            0.1 + 0.2,
            999_999.999_999_5,
            1e6,
            1e12,
            -1.25,
            f64::NAN,
            f64::INFINITY,
            123.456_789_5,
            0.000_000_499_999,
        ] {
            for d in [0, 1, 3, 6, 7] {
                assert_eq!(fixed(x, d), format!("{x:.d$}"), "{x} with {d}");
            }
        }
    }

    proptest! {
        #[test]
        fn agrees_with_format(x in 0.0f64..2e6, d in 0usize..7) {
            prop_assert_eq!(fixed(x, d), format!("{x:.d$}"));
        }

        #[test]
        fn agrees_near_ties(k in 0u64..1_000_000_000, d in 1usize..7) {
            // Values written as decimals that end in 5 one place past `d`: the ties.
            let x = (k as f64 + 0.5) / SCALE[d];
            prop_assert_eq!(fixed(x, d), format!("{x:.d$}"));
            let y = f64::from_bits(x.to_bits() + 1);
            prop_assert_eq!(fixed(y, d), format!("{y:.d$}"));
        }
    }
}
