//! Transposition of horizontal irradiance to the plane of array (POA): angle of incidence,
//! beam, sky diffuse (isotropic, Hay–Davies, Perez 1990) and ground-reflected components,
//! and an optional incidence-angle modifier.
//!
//! Every function is a scalar kernel, pure and allocation-free, written to give the same
//! numbers as the pvlib function named in its documentation (including pvlib's guards
//! against division by small cosines). Angles are in degrees; azimuths clockwise from north.

/// Perez 1990 "all sites composite" coefficients, one row per clearness bin:
/// `[f11, f12, f13, f21, f22, f23]` (Perez et al. 1990, Solar Energy 44(5), table 6;
/// pvlib `irradiance._get_perez_coefficients('allsitescomposite1990')`).
pub const PEREZ_ALLSITESCOMPOSITE1990: [[f64; 6]; 8] = [
    [-0.0080, 0.5880, -0.0620, -0.0600, 0.0720, -0.0220],
    [0.1300, 0.6830, -0.1510, -0.0190, 0.0660, -0.0290],
    [0.3300, 0.4870, -0.2210, 0.0550, -0.0640, -0.0260],
    [0.5680, 0.1870, -0.2950, 0.1090, -0.1520, -0.0140],
    [0.8730, -0.3920, -0.3620, 0.2260, -0.4620, 0.0010],
    [1.1320, -1.2370, -0.4120, 0.2880, -0.8230, 0.0560],
    [1.0600, -1.6000, -0.3590, 0.2640, -1.1270, 0.1310],
    [0.6780, -0.3270, -0.2500, 0.1560, -1.3770, 0.2510],
];

/// Lower edges of Perez's sky-clearness bins 2..8 (bin 1 starts at 1).
const PEREZ_EPSILON_EDGES: [f64; 7] = [1.065, 1.23, 1.5, 1.95, 2.8, 4.5, 6.2];

/// Orientation of a plane: tilt from horizontal and azimuth clockwise from north, degrees,
/// with its sines and cosines precomputed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plane {
    /// Tilt from horizontal, degrees.
    pub tilt_deg: f64,
    /// Azimuth clockwise from north, degrees.
    pub azimuth_deg: f64,
    cos_tilt: f64,
    sin_tilt: f64,
}

impl Plane {
    /// A plane of `tilt_deg` facing `azimuth_deg`.
    pub fn new(tilt_deg: f64, azimuth_deg: f64) -> Plane {
        let (sin_tilt, cos_tilt) = tilt_deg.to_radians().sin_cos();
        Plane {
            tilt_deg,
            azimuth_deg,
            cos_tilt,
            sin_tilt,
        }
    }

    /// Cosine of the angle of incidence of the sun on this plane, clipped to [−1, 1];
    /// pvlib `irradiance.aoi_projection`:
    /// `cos θ = cos β cos Z + sin β sin Z cos(γ_sun − γ_plane)`.
    pub fn aoi_projection(&self, zenith_deg: f64, sun_azimuth_deg: f64) -> f64 {
        let (sin_z, cos_z) = zenith_deg.to_radians().sin_cos();
        let p = self.cos_tilt * cos_z
            + self.sin_tilt * sin_z * (sun_azimuth_deg - self.azimuth_deg).to_radians().cos();
        p.clamp(-1.0, 1.0)
    }

    /// Angle of incidence, degrees (0 = normal to the plane; > 90 = sun behind it);
    /// pvlib `irradiance.aoi`.
    pub fn aoi_deg(&self, zenith_deg: f64, sun_azimuth_deg: f64) -> f64 {
        self.aoi_projection(zenith_deg, sun_azimuth_deg)
            .acos()
            .to_degrees()
    }

    /// Cosine of the tilt.
    pub fn cos_tilt(&self) -> f64 {
        self.cos_tilt
    }

    /// Sine of the tilt.
    pub fn sin_tilt(&self) -> f64 {
        self.sin_tilt
    }
}

/// Beam irradiance on the plane, W/m²: `max(DNI · cos θ, 0)`; pvlib
/// `irradiance.beam_component`.
pub fn poa_beam(dni_w_m2: f64, aoi_projection: f64) -> f64 {
    (dni_w_m2 * aoi_projection).max(0.0)
}

/// Ground-reflected irradiance on the plane, W/m²: `GHI · ρ · (1 − cos β) / 2` (isotropic
/// ground); pvlib `irradiance.get_ground_diffuse`.
pub fn ground_diffuse(ghi_w_m2: f64, albedo: f64, plane: &Plane) -> f64 {
    ghi_w_m2 * albedo * (1.0 - plane.cos_tilt) * 0.5
}

/// Isotropic sky diffuse on the plane, W/m²: `DHI · (1 + cos β) / 2`; pvlib
/// `irradiance.isotropic` (Liu & Jordan 1963).
pub fn isotropic_sky_diffuse(dhi_w_m2: f64, plane: &Plane) -> f64 {
    dhi_w_m2 * (1.0 + plane.cos_tilt) * 0.5
}

/// Hay–Davies sky diffuse on the plane, W/m² (Hay & Davies 1980): an anisotropy index
/// `A = DNI / DNI_extra` splits DHI into a circumsolar part projected like beam and an
/// isotropic rest; pvlib `irradiance.haydavies` (with its `cos Z ≥ 0.01745` guard).
pub fn hay_davies_sky_diffuse(
    dhi_w_m2: f64,
    dni_w_m2: f64,
    dni_extra_w_m2: f64,
    aoi_projection: f64,
    zenith_deg: f64,
    plane: &Plane,
) -> f64 {
    let cos_tt = aoi_projection.max(0.0);
    let rb = cos_tt / zenith_deg.to_radians().cos().max(0.01745);
    let ai = dni_w_m2 / dni_extra_w_m2;
    let isotropic = (dhi_w_m2 * (1.0 - ai) * 0.5 * (1.0 + plane.cos_tilt)).max(0.0);
    let circumsolar = (dhi_w_m2 * ai * rb).max(0.0);
    isotropic + circumsolar
}

/// Perez sky diffuse on the plane, W/m², with the 1990 all-sites composite coefficients
/// ([`PEREZ_ALLSITESCOMPOSITE1990`]).
///
/// Reference: Perez, Ineichen, Seals, Michalsky & Stewart (1990), *Modeling daylight
/// availability and irradiance components from direct and global irradiance*, Solar Energy
/// 44(5); pvlib `irradiance.perez(model='allsitescomposite1990')`. `zenith_deg` is the
/// apparent zenith and `relative_airmass` the Kasten–Young relative air mass
/// ([`crate::relative_airmass_kasten_young`]), as pvlib's `ModelChain` passes them.
///
/// Returns 0 when the sun is below the horizon (`relative_airmass` is `None`, as pvlib) and
/// when `DHI ≤ 0` (pvlib returns 0 there too, or NaN when DNI is also 0).
pub fn perez_sky_diffuse(
    dhi_w_m2: f64,
    dni_w_m2: f64,
    dni_extra_w_m2: f64,
    relative_airmass: Option<f64>,
    aoi_projection: f64,
    zenith_deg: f64,
    plane: &Plane,
) -> f64 {
    let Some(airmass) = relative_airmass else {
        return 0.0;
    };
    if dhi_w_m2.is_nan() || dhi_w_m2 <= 0.0 {
        return 0.0;
    }
    const KAPPA: f64 = 1.041;
    let z = zenith_deg.to_radians();
    let kz3 = KAPPA * z * z * z;
    let delta = dhi_w_m2 * airmass / dni_extra_w_m2;
    let eps = ((dhi_w_m2 + dni_w_m2) / dhi_w_m2 + kz3) / (1.0 + kz3);
    if eps.is_nan() || eps < 0.0 {
        // pvlib: clearness below the first bin gives NaN coefficients.
        return 0.0;
    }
    let bin = PEREZ_EPSILON_EDGES.iter().filter(|&&e| eps >= e).count();
    let Some(c) = PEREZ_ALLSITESCOMPOSITE1990.get(bin) else {
        return 0.0;
    };
    let f1 = (c[0] + c[1] * delta + c[2] * z).max(0.0);
    let f2 = c[3] + c[4] * delta + c[5] * z;
    let a = aoi_projection.max(0.0);
    let b = zenith_deg.to_radians().cos().max(85f64.to_radians().cos());
    let term1 = 0.5 * (1.0 - f1) * (1.0 + plane.cos_tilt);
    let term2 = f1 * a / b;
    let term3 = f2 * plane.sin_tilt;
    (dhi_w_m2 * (term1 + term2 + term3)).max(0.0)
}

/// Incidence-angle modifier applied to the beam component before the DC model.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Iam {
    /// No IAM loss (pvlib `ModelChain(aoi_model='no_loss')`, the PVWatts chain's default here).
    #[default]
    None,
    /// ASHRAE model `1 − b0·(1/cos θ − 1)`, clipped to [0, 1], 0 beyond 90°
    /// (Souka & Safwat 1966; pvlib `iam.ashrae`, default `b0 = 0.05`).
    Ashrae {
        /// The b0 parameter (pvlib default 0.05).
        b0: f64,
    },
}

impl Iam {
    /// The modifier (0–1) at angle of incidence `aoi_deg`.
    pub fn modifier(&self, aoi_deg: f64) -> f64 {
        match *self {
            Iam::None => 1.0,
            Iam::Ashrae { b0 } => {
                if aoi_deg.is_nan() || aoi_deg.abs() >= 90.0 {
                    return 0.0;
                }
                (1.0 - b0 * (1.0 / aoi_deg.to_radians().cos() - 1.0)).clamp(0.0, 1.0)
            }
        }
    }
}
