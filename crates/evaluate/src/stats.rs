//! Small, numerically careful statistics: weighted least squares by Householder QR with
//! column pivoting (rank-revealing, so collinear or empty columns get a zero coefficient
//! instead of a blow-up), and the Student t distribution (CDF and quantile, through the
//! regularised incomplete beta function).

/// Result of a least-squares fit.
#[derive(Debug, Clone)]
pub(crate) struct LsFit {
    /// Coefficients, one per column (0 for columns found linearly dependent).
    pub coef: Vec<f64>,
    /// Standard errors (NaN for dependent columns or when no degree of freedom is left).
    pub se: Vec<f64>,
    /// Weighted residual sum of squares.
    pub rss: f64,
    /// Numerical rank of the design.
    pub rank: usize,
    /// Number of rows.
    pub n: usize,
}

impl LsFit {
    /// Residual degrees of freedom.
    pub fn dof(&self) -> usize {
        self.n.saturating_sub(self.rank)
    }

    /// Two-sided p-value of coefficient `j` (NaN when not estimable).
    pub fn p_value(&self, j: usize) -> f64 {
        let (Some(&b), Some(&s)) = (self.coef.get(j), self.se.get(j)) else {
            return f64::NAN;
        };
        let dof = self.dof();
        if dof == 0 || !s.is_finite() {
            return f64::NAN;
        }
        if s == 0.0 {
            return if b == 0.0 { 1.0 } else { 0.0 };
        }
        t_two_sided_p(b / s, dof as f64)
    }
}

/// Weighted least squares of `y` on the columns `cols` (each of length `y.len()`), with
/// optional non-negative weights. Rows with a zero weight do not count in `n`.
pub(crate) fn wls(cols: &[&[f64]], y: &[f64], w: Option<&[f64]>) -> LsFit {
    let n_all = y.len();
    let p = cols.len();
    let rows: Vec<usize> = (0..n_all)
        .filter(|&i| w.is_none_or(|w| w.get(i).copied().unwrap_or(0.0) > 0.0))
        .collect();
    let n = rows.len();
    let sw = |i: usize| w.map_or(1.0, |w| w.get(i).copied().unwrap_or(0.0).sqrt());
    // Column-major scaled design and right-hand side.
    let mut a: Vec<Vec<f64>> = cols
        .iter()
        .map(|c| {
            rows.iter()
                .map(|&i| c.get(i).copied().unwrap_or(0.0) * sw(i))
                .collect()
        })
        .collect();
    let mut b: Vec<f64> = rows
        .iter()
        .map(|&i| y.get(i).copied().unwrap_or(0.0) * sw(i))
        .collect();
    let mut perm: Vec<usize> = (0..p).collect();
    let norm0 = a
        .iter()
        .map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt())
        .fold(0.0_f64, f64::max);
    let tol = (n.max(p) as f64) * f64::EPSILON * norm0.max(f64::MIN_POSITIVE) * 16.0;
    let mut rank = 0;
    let kmax = p.min(n);
    for k in 0..kmax {
        // Pivot: the remaining column with the largest norm below row k.
        let mut best = k;
        let mut best_norm = -1.0;
        for (j, col) in a.iter().enumerate().skip(k) {
            let s: f64 = col[k..].iter().map(|v| v * v).sum::<f64>().sqrt();
            if s > best_norm {
                best_norm = s;
                best = j;
            }
        }
        if best_norm <= tol {
            break;
        }
        a.swap(k, best);
        perm.swap(k, best);
        // Householder reflector for column k, rows k..n.
        let alpha = if a[k][k] > 0.0 { -best_norm } else { best_norm };
        let mut v: Vec<f64> = a[k][k..].to_vec();
        v[0] -= alpha;
        let vnorm2: f64 = v.iter().map(|x| x * x).sum();
        if vnorm2 > 0.0 {
            for col in a.iter_mut().skip(k + 1) {
                let dot: f64 = v.iter().zip(&col[k..]).map(|(x, y)| x * y).sum();
                let f = 2.0 * dot / vnorm2;
                for (c, x) in col[k..].iter_mut().zip(&v) {
                    *c -= f * x;
                }
            }
            let dot: f64 = v.iter().zip(&b[k..]).map(|(x, y)| x * y).sum();
            let f = 2.0 * dot / vnorm2;
            for (c, x) in b[k..].iter_mut().zip(&v) {
                *c -= f * x;
            }
        }
        a[k][k] = alpha;
        for r in a[k][k + 1..].iter_mut() {
            *r = 0.0;
        }
        rank = k + 1;
    }
    // Back substitution on the leading rank×rank block: R z = (Qᵀb)[..rank].
    let r = |i: usize, j: usize| a[j][i];
    let mut z = vec![0.0; rank];
    for i in (0..rank).rev() {
        let mut s = b[i];
        for (j, zj) in z.iter().enumerate().skip(i + 1) {
            s -= r(i, j) * zj;
        }
        z[i] = s / r(i, i);
    }
    let rss: f64 = b[rank.min(b.len())..].iter().map(|v| v * v).sum();
    // Inverse of R for the standard errors.
    let mut rinv = vec![vec![0.0; rank]; rank];
    for i in (0..rank).rev() {
        rinv[i][i] = 1.0 / r(i, i);
        #[allow(clippy::needless_range_loop)] // triangular recurrence reads other rows of rinv
        for j in i + 1..rank {
            let s: f64 = (i + 1..=j).map(|k| r(i, k) * rinv[k][j]).sum();
            rinv[i][j] = -s / r(i, i);
        }
    }
    let dof = n.saturating_sub(rank);
    let sigma2 = if dof > 0 { rss / dof as f64 } else { f64::NAN };
    let mut coef = vec![0.0; p];
    let mut se = vec![f64::NAN; p];
    for i in 0..rank {
        coef[perm[i]] = z[i];
        let s: f64 = rinv[i][i..].iter().map(|v| v * v).sum();
        se[perm[i]] = (sigma2 * s).sqrt();
    }
    LsFit {
        coef,
        se,
        rss,
        rank,
        n,
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; about 15 significant digits).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Continued fraction of the incomplete beta function (modified Lentz).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=500 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// Regularised incomplete beta function I_x(a, b).
fn reg_inc_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_bt = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let bt = ln_bt.exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        bt * beta_cf(a, b, x) / a
    } else {
        1.0 - bt * beta_cf(b, a, 1.0 - x) / b
    }
}

/// Two-sided p-value of a t statistic with `dof` degrees of freedom.
pub(crate) fn t_two_sided_p(t: f64, dof: f64) -> f64 {
    if !t.is_finite() {
        return if t.is_nan() { f64::NAN } else { 0.0 };
    }
    reg_inc_beta(dof / 2.0, 0.5, dof / (dof + t * t))
}

/// Student t cumulative distribution function.
pub fn student_t_cdf(t: f64, dof: f64) -> f64 {
    let tail = 0.5 * t_two_sided_p(t, dof);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// Quantile of the Student t distribution (`p` in (0, 1), `dof` > 0), by bisection on the
/// CDF to about 1e-12.
pub fn student_t_quantile(p: f64, dof: f64) -> f64 {
    if p.is_nan() || p <= 0.0 || p >= 1.0 || dof.is_nan() || dof <= 0.0 {
        return f64::NAN;
    }
    let (mut lo, mut hi) = (-1.0, 1.0);
    while student_t_cdf(lo, dof) > p && lo > -1e12 {
        lo *= 2.0;
    }
    while student_t_cdf(hi, dof) < p && hi < 1e12 {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if student_t_cdf(mid, dof) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-13 * mid.abs().max(1.0) {
            break;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        // Reference values from standard t tables.
        assert!((student_t_quantile(0.975, 10.0) - 2.228_138_851_986_274).abs() < 1e-9);
        assert!((student_t_quantile(0.95, 1.0) - 6.313_751_514_675_04).abs() < 1e-8);
        assert!((student_t_quantile(0.84, 1e6) - 0.994_457_883_209_753).abs() < 1e-6);
        assert!((student_t_cdf(0.0, 5.0) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn exact_fit_and_rank_deficiency() {
        let x1: Vec<f64> = (0..20).map(f64::from).collect();
        let ones = vec![1.0; 20];
        let zeros = vec![0.0; 20];
        let dup: Vec<f64> = x1.iter().map(|v| 2.0 * v).collect();
        let y: Vec<f64> = x1.iter().map(|v| 3.0 + 0.5 * v).collect();
        let fit = wls(&[&ones, &x1, &zeros, &dup], &y, None);
        assert_eq!(fit.rank, 2);
        let pred: Vec<f64> = (0..20)
            .map(|i| fit.coef[0] + fit.coef[1] * x1[i] + fit.coef[3] * dup[i])
            .collect();
        for (p, t) in pred.iter().zip(&y) {
            assert!((p - t).abs() < 1e-10);
        }
        assert_eq!(fit.coef[2], 0.0);
    }
}
