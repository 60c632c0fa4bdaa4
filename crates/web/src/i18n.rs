//! French and English labels of the dashboard, chosen by `?lang=` or `Accept-Language`.

use axum::http::HeaderMap;

/// A dashboard language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// Français.
    Fr,
    /// English.
    En,
}

impl Lang {
    /// `?lang=` first, then the first of `fr`/`en` in `Accept-Language`, else French.
    pub(crate) fn pick(query: Option<&str>, headers: &HeaderMap) -> Lang {
        match query {
            Some("en") => return Lang::En,
            Some("fr") => return Lang::Fr,
            _ => {}
        }
        let accept = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        for part in accept.split(',') {
            let tag = part.trim().to_ascii_lowercase();
            if tag.starts_with("en") {
                return Lang::En;
            }
            if tag.starts_with("fr") {
                return Lang::Fr;
            }
        }
        Lang::Fr
    }

    /// The language code.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

/// The label `key` in `lang`; the key itself when unknown.
pub(crate) fn t(lang: Lang, key: &'static str) -> &'static str {
    let (fr, en) = match key {
        "districts" => ("Quartiers", "Districts"),
        "logout" => ("Déconnexion", "Log out"),
        "login" => ("Connexion", "Log in"),
        "username" => ("Identifiant", "Username"),
        "password" => ("Mot de passe", "Password"),
        "bad_login" => (
            "Identifiant ou mot de passe incorrect.",
            "Wrong username or password.",
        ),
        "too_many" => (
            "Trop de tentatives ; réessayez plus tard.",
            "Too many attempts; try again later.",
        ),
        "no_run" => (
            "Pas encore de simulation pour ce quartier.",
            "No simulation of this district yet.",
        ),
        "simulate" => ("Lancer une simulation", "Run a simulation"),
        "monthly" => (
            "Production et consommation par mois",
            "Production and consumption per month",
        ),
        "production" => ("Production PV", "PV production"),
        "consumption" => ("Consommation", "Consumption"),
        "power" => ("Puissance", "Power"),
        "load" => ("Consommation", "Load"),
        "pv" => ("PV", "PV"),
        "soc" => ("Batterie : état de charge", "Battery state of charge"),
        "h2" => ("Hydrogène en réservoir", "Hydrogen in the tank"),
        "week" => ("Semaine", "Week"),
        "from" => ("Du", "From"),
        "days" => ("jours", "days"),
        "show" => ("Afficher", "Show"),
        "job" => ("Tâche", "Job"),
        "status" => ("État", "Status"),
        "progress" => ("Avancement", "Progress"),
        "my_curve" => ("Ma courbe de charge", "My load curve"),
        "no_data" => (
            "Aucune donnée sur cette période.",
            "No data in this period.",
        ),
        "energy_interval" => ("Énergie par pas", "Energy per step"),
        "participants" => ("Participants", "Participants"),
        "created" => ("Créé le", "Created"),
        "positive" => ("Bilan à énergie positive", "Positive-energy balance"),
        "yes" => ("oui", "yes"),
        "no" => ("non", "no"),
        "run_of" => ("Simulation du", "Run of"),
        "self_consumption_rate" => ("Taux d'autoconsommation", "Self-consumption rate"),
        "self_sufficiency_rate" => ("Taux d'autoproduction", "Self-sufficiency rate"),
        "production_kwh" => ("Production", "Production"),
        "consumption_kwh" => ("Consommation", "Consumption"),
        "import_kwh" => ("Soutirage réseau", "Grid import"),
        "export_kwh" => ("Injection réseau", "Grid export"),
        "annual_balance_kwh" => ("Bilan annuel", "Annual balance"),
        "peak_import_kw" => ("Pointe de soutirage", "Peak import"),
        "co2_kg" => ("Émissions", "Emissions"),
        "cost_eur" => ("Coût de l'énergie", "Energy cost"),
        "h2_produced_kg" => ("H₂ produit", "H₂ produced"),
        "h2_unserved_kg" => ("H₂ non servi", "H₂ unserved"),
        _ => (key, key),
    };
    match lang {
        Lang::Fr => fr,
        Lang::En => en,
    }
}
