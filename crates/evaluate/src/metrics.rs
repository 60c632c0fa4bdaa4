//! Goodness-of-fit metrics of a baseline model (ASHRAE Guideline 14-2014 definitions):
//! CV(RMSE) and NMBE with `n − p` degrees of freedom, R², and the lag-1 autocorrelation of
//! the residuals with the effective number of points `n' = n (1 − ρ) / (1 + ρ)`.

/// Fit metrics of a baseline on its own period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitMetrics {
    /// Number of observations used (days or hours).
    pub n: usize,
    /// Number of model parameters `p`.
    pub p: usize,
    /// Mean observed energy per observation, kWh.
    pub mean_observed_kwh: f64,
    /// Root mean squared error with `n − p` degrees of freedom, kWh.
    pub rmse_kwh: f64,
    /// CV(RMSE) = RMSE / mean (a fraction, 0.2 = 20 %).
    pub cv_rmse: f64,
    /// NMBE = Σ(y − ŷ) / ((n − p) ȳ) (a fraction).
    pub nmbe: f64,
    /// Coefficient of determination 1 − SSE/SST.
    pub r_squared: f64,
    /// Lag-1 autocorrelation of the residuals (in time order).
    pub autocorrelation: f64,
    /// Effective number of independent points `n'` (equal to `n` when ρ ≤ 0).
    pub n_effective: f64,
}

impl FitMetrics {
    /// Metrics from observed and predicted values in time order (pairs with a NaN skipped).
    pub fn compute(observed: &[f64], predicted: &[f64], p: usize) -> FitMetrics {
        let pairs: Vec<(f64, f64)> = observed
            .iter()
            .zip(predicted)
            .filter(|(o, q)| o.is_finite() && q.is_finite())
            .map(|(o, q)| (*o, *q))
            .collect();
        let n = pairs.len();
        let nf = n as f64;
        let mean = pairs.iter().map(|(o, _)| o).sum::<f64>() / nf;
        let resid: Vec<f64> = pairs.iter().map(|(o, q)| o - q).collect();
        let sse: f64 = resid.iter().map(|r| r * r).sum();
        let sst: f64 = pairs.iter().map(|(o, _)| (o - mean) * (o - mean)).sum();
        let dof = n.saturating_sub(p).max(1) as f64;
        let rmse = (sse / dof).sqrt();
        let rmean = resid.iter().sum::<f64>() / nf;
        let num: f64 = resid
            .windows(2)
            .map(|w| (w[0] - rmean) * (w[1] - rmean))
            .sum();
        let den: f64 = resid.iter().map(|r| (r - rmean) * (r - rmean)).sum();
        let rho = if den > 0.0 { num / den } else { 0.0 };
        let n_eff = if rho > 0.0 {
            nf * (1.0 - rho) / (1.0 + rho)
        } else {
            nf
        };
        FitMetrics {
            n,
            p,
            mean_observed_kwh: mean,
            rmse_kwh: rmse,
            cv_rmse: rmse / mean,
            nmbe: resid.iter().sum::<f64>() / (dof * mean),
            r_squared: if sst > 0.0 { 1.0 - sse / sst } else { f64::NAN },
            autocorrelation: rho,
            n_effective: n_eff.max(1.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_fit_has_zero_errors() {
        let y = [1.0, 2.0, 3.0, 4.0];
        let m = FitMetrics::compute(&y, &y, 1);
        assert_eq!(m.cv_rmse, 0.0);
        assert_eq!(m.nmbe, 0.0);
        assert_eq!(m.r_squared, 1.0);
        assert_eq!(m.n_effective, 4.0);
    }
}
