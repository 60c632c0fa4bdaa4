//! Members of a collective self-consumption operation: identifiers ([`MemberId`], usually the
//! 14-digit PRM of the delivery point), roles ([`Role`]), the static facts used by the
//! perimeter checks (location, installed PV) and when they belong to it ([`Membership`]).

use std::fmt;

use chrono::{DateTime, Utc};

use crate::ShareError;

/// A member's unique identifier: the 14-digit PRM of its delivery point, or any other
/// non-empty identifier without whitespace or control characters (for a site not yet metered).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MemberId(String);

impl MemberId {
    /// Validates an identifier.
    ///
    /// ```
    /// use quartier_share::MemberId;
    /// let id = MemberId::new("30001234567890").unwrap();
    /// assert!(id.is_prm());
    /// assert!(MemberId::new("school-roof").is_ok());
    /// assert!(MemberId::new("two words").is_err());
    /// ```
    pub fn new(id: impl Into<String>) -> Result<MemberId, ShareError> {
        let id = id.into();
        if id.is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ShareError::BadId { id });
        }
        Ok(MemberId(id))
    }

    /// True when the identifier is a PRM (exactly 14 ASCII digits).
    pub fn is_prm(&self) -> bool {
        self.0.len() == 14 && self.0.bytes().all(|b| b.is_ascii_digit())
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a member does in the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Draws energy: takes part in the allocation with a consumption curve.
    Consumer,
    /// Injects energy: its production curve is shared.
    Producer,
    /// A battery: a consumer while charging (charge curve), a producer while discharging
    /// (discharge curve). It appears on both sides under the same id.
    Storage,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Consumer => "consumer",
            Role::Producer => "producer",
            Role::Storage => "storage",
        })
    }
}

/// A point on the Earth (WGS 84 degrees).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    /// Latitude, degrees north (−90 to 90).
    pub lat_deg: f64,
    /// Longitude, degrees east (−180 to 180).
    pub lon_deg: f64,
}

/// A member: identifier, role, and optional site facts for the perimeter checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// Unique identifier (PRM).
    pub id: MemberId,
    /// Role in the operation.
    pub role: Role,
    /// Location of the delivery point, for the distance check.
    pub location: Option<GeoPoint>,
    /// Installed PV peak power, kW (kWc); 0 for a member without PV.
    pub installed_pv_kw: f64,
    /// What kind of body the member is (the public-body derogation of 2025 asks).
    pub category: Category,
    /// INSEE code of the commune of its delivery point, when given.
    pub commune: Option<String>,
    /// When it belongs to the operation (always, unless said).
    pub membership: Membership,
}

/// When a member belongs to the operation: from its entry (inclusive) to its exit
/// (exclusive), less the spans excluded for missing data. Outside, it takes no share and its
/// energy is not the operation's: its curve counts as zero.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Membership {
    /// First instant of membership (`None`: since before the axis).
    pub from: Option<DateTime<Utc>>,
    /// First instant after membership (`None`: until after the axis).
    pub until: Option<DateTime<Utc>>,
    /// Spans `[start, end)` inside the membership when the member is treated as absent (its
    /// data are missing and the community file excludes it for them).
    pub excluded: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

impl Membership {
    /// Member over `[from, until)`.
    pub fn between(from: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>) -> Membership {
        Membership {
            from,
            until,
            excluded: Vec::new(),
        }
    }

    /// True when the member belongs to the operation for the step starting at `t`.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from.is_none_or(|f| t >= f)
            && self.until.is_none_or(|u| t < u)
            && !self.excluded.iter().any(|(a, b)| t >= *a && t < *b)
    }

    /// True when the member belongs at every instant.
    pub fn is_always(&self) -> bool {
        self.from.is_none() && self.until.is_none() && self.excluded.is_empty()
    }
}

/// What kind of body a member is, as the arrêté of 21 February 2025 sorts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Category {
    /// A household or a private company (the default).
    #[default]
    Private,
    /// A commune.
    Commune,
    /// An EPCI with its own taxation (a métropole, a communauté d'agglomération, …).
    Epci,
    /// Another public body (a department, a region, the State, a public establishment).
    PublicBody,
    /// A private entity entrusted with a public service.
    PublicService,
    /// A société d'économie mixte, or its subsidiary.
    Sem,
}

impl Category {
    /// Every category, as spelled in files.
    pub const ALL: [(Category, &'static str); 6] = [
        (Category::Private, "private"),
        (Category::Commune, "commune"),
        (Category::Epci, "epci"),
        (Category::PublicBody, "public_body"),
        (Category::PublicService, "public_service"),
        (Category::Sem, "sem"),
    ];

    /// Its spelling in files.
    pub fn key(self) -> &'static str {
        Category::ALL
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("private", |(_, k)| k)
    }

    /// True for the bodies the public-body derogation admits (all but private).
    pub fn is_public(self) -> bool {
        self != Category::Private
    }
}

impl Member {
    /// A member without location or PV.
    pub fn new(id: MemberId, role: Role) -> Member {
        Member {
            id,
            role,
            location: None,
            installed_pv_kw: 0.0,
            category: Category::Private,
            commune: None,
            membership: Membership::default(),
        }
    }

    /// The same member belonging to the operation as `membership` says.
    pub fn with_membership(mut self, membership: Membership) -> Member {
        self.membership = membership;
        self
    }

    /// The same member located at `lat_deg`, `lon_deg`.
    pub fn at(mut self, lat_deg: f64, lon_deg: f64) -> Member {
        self.location = Some(GeoPoint { lat_deg, lon_deg });
        self
    }

    /// The same member as a body of `category` whose delivery point is in commune `insee`.
    pub fn public(mut self, category: Category, insee: &str) -> Member {
        self.category = category;
        self.commune = Some(insee.to_string());
        self
    }

    /// The same member with `kw` of installed PV.
    pub fn with_pv_kw(mut self, kw: f64) -> Member {
        self.installed_pv_kw = kw;
        self
    }

    /// True when the member takes part as a consumer (consumer or storage).
    pub fn consumes(&self) -> bool {
        matches!(self.role, Role::Consumer | Role::Storage)
    }

    /// True when the member takes part as a producer (producer or storage).
    pub fn produces(&self) -> bool {
        matches!(self.role, Role::Producer | Role::Storage)
    }
}
