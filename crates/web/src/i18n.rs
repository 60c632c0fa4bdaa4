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

    /// The decimal separator: `,` in French, `.` in English.
    pub(crate) fn point(self) -> char {
        match self {
            Lang::Fr => ',',
            Lang::En => '.',
        }
    }

    /// How an amount of euros is marked: `€` in French (`1 269,93 €`), `EUR` in English.
    pub(crate) fn eur(self) -> &'static str {
        match self {
            Lang::Fr => "€",
            Lang::En => "EUR",
        }
    }

    /// A share (0.727) as a percentage with one decimal in this language: `72,7 %`, `72.7 %`.
    pub(crate) fn percent(self, share: f64) -> String {
        format!(
            "{}\u{a0}%",
            crate::html::signed(100.0 * share, 1, self.point())
        )
    }

    /// An amount of euros with `decimals` in this language: `1 269,93 €`, `1 269.93 EUR`.
    pub(crate) fn money(self, eur: f64, decimals: usize) -> String {
        format!(
            "{}\u{a0}{}",
            crate::html::signed(eur, decimals, self.point()),
            self.eur()
        )
    }

    /// An amount of euros computed in decimal arithmetic, with `decimals` (rounded half-up) in
    /// this language.
    pub(crate) fn money_dec(self, eur: rust_decimal::Decimal, decimals: usize) -> String {
        format!("{}\u{a0}{}", self.report().dec(eur, decimals), self.eur())
    }

    /// The short name of month `m` (1–12): `janv.`, `Jan`.
    pub(crate) fn month_short(self, m: u32) -> &'static str {
        self.chart_locale().months[(m.clamp(1, 12) - 1) as usize]
    }

    /// The same language for the report crate's words (bills, warnings, notes).
    pub(crate) fn report(self) -> quartier_report::Language {
        match self {
            Lang::Fr => quartier_report::Language::French,
            Lang::En => quartier_report::Language::English,
        }
    }

    /// How charts write numbers and months in this language (the month names are theirs too).
    pub(crate) fn chart_locale(self) -> quartier_report::svg::Locale {
        match self {
            Lang::Fr => quartier_report::svg::Locale::FRENCH,
            Lang::En => quartier_report::svg::Locale::ENGLISH,
        }
    }

    /// A month written `YYYY-MM` as people read it: `juin 2025`, `Jun 2025` (any other text as
    /// it is).
    pub(crate) fn month_label(self, ym: &str) -> String {
        match ym.split_once('-').map(|(y, m)| (y, m.parse::<u32>())) {
            Some((y, Ok(m))) if (1..=12).contains(&m) => format!("{} {y}", self.month_short(m)),
            _ => ym.to_string(),
        }
    }

    /// The language code.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

/// Every label of the dashboard: (key, French, English), declared once.
const LABELS: &[(&str, &str, &str)] = &[
    ("districts", "Quartiers", "Districts"),
    ("logout", "Déconnexion", "Log out"),
    ("login", "Connexion", "Log in"),
    ("username", "Identifiant", "Username"),
    ("password", "Mot de passe", "Password"),
    (
        "bad_login",
        "Identifiant ou mot de passe incorrect.",
        "Wrong username or password.",
    ),
    (
        "too_many",
        "Trop de tentatives ; réessayez plus tard.",
        "Too many attempts; try again later.",
    ),
    (
        "no_run",
        "Pas encore de simulation pour ce quartier.",
        "No simulation of this district yet.",
    ),
    ("simulate", "Lancer une simulation", "Run a simulation"),
    (
        "optimise",
        "Lancer un dispatch optimal (coût)",
        "Run an optimal dispatch (cost)",
    ),
    (
        "monthly",
        "Production et consommation par mois",
        "Production and consumption per month",
    ),
    ("production", "Production PV", "PV production"),
    ("consumption", "Consommation", "Consumption"),
    ("power", "Puissance", "Power"),
    ("load", "Consommation", "Load"),
    ("pv", "PV", "PV"),
    (
        "soc",
        "Batterie : état de charge",
        "Battery state of charge",
    ),
    ("h2", "Hydrogène en réservoir", "Hydrogen in the tank"),
    ("week", "Semaine", "Week"),
    ("from", "Du", "From"),
    ("days", "jours", "days"),
    ("show", "Afficher", "Show"),
    ("job", "Tâche", "Job"),
    ("job_kind", "Nature", "Kind"),
    ("job_options", "Options", "Options"),
    ("job_cancel", "Annuler la tâche", "Cancel the job"),
    ("job_retry", "Relancer la tâche", "Retry the job"),
    ("job_result", "Voir le résultat", "See the result"),
    ("job_report", "Rapport complet (JSON)", "Full report (JSON)"),
    ("kind_simulation", "Simulation", "Simulation"),
    ("kind_optimisation", "Dispatch optimal", "Optimal dispatch"),
    ("kind_sizing", "Dimensionnement", "Sizing"),
    (
        "kind_allocation",
        "Répartition de la communauté",
        "Community allocation",
    ),
    ("status_queued", "en attente", "queued"),
    ("status_running", "en cours", "running"),
    ("status_succeeded", "terminée", "succeeded"),
    ("status_failed", "échouée", "failed"),
    ("status_cancelled", "annulée", "cancelled"),
    ("status", "État", "Status"),
    ("progress", "Avancement", "Progress"),
    ("my_curve", "Ma courbe de charge", "My load curve"),
    (
        "no_data",
        "Aucune donnée sur cette période.",
        "No data in this period.",
    ),
    ("energy_interval", "Énergie par pas", "Energy per step"),
    ("participants", "Participants", "Participants"),
    ("created", "Créé le", "Created"),
    (
        "positive",
        "Bilan à énergie positive",
        "Positive-energy balance",
    ),
    ("yes", "oui", "yes"),
    ("no", "non", "no"),
    ("run_of", "Simulation du", "Run of"),
    (
        "self_consumption_rate",
        "Taux d'autoconsommation",
        "Self-consumption rate",
    ),
    (
        "self_sufficiency_rate",
        "Taux d'autoproduction",
        "Self-sufficiency rate",
    ),
    (
        "def_production_kwh",
        "Énergie produite par le PV sur la période, moins l'écrêtement (la pile à combustible n'en fait pas partie : son hydrogène vient du PV déjà compté).",
        "PV energy produced over the period, less curtailment (the fuel cell is not counted: its hydrogen came from PV already counted).",
    ),
    (
        "def_consumption_kwh",
        "Électricité consommée aux compteurs du quartier : usages, recharge des véhicules, flottes, électrolyseur.",
        "Electricity consumed at the district's meters: loads, vehicle charging, fleets, electrolyser.",
    ),
    (
        "def_self_consumption_rate",
        "Part de la production du quartier consommée sur place : (production − injection) / production.",
        "Share of the district's production used on site: (production − export) / production.",
    ),
    (
        "def_self_sufficiency_rate",
        "Part de la consommation du quartier couverte sur place : (consommation − soutirage) / consommation.",
        "Share of the district's consumption covered on site: (consumption − import) / consumption.",
    ),
    (
        "def_import_kwh",
        "Énergie tirée du réseau public.",
        "Energy drawn from the public grid.",
    ),
    (
        "def_export_kwh",
        "Énergie injectée sur le réseau public.",
        "Energy fed into the public grid.",
    ),
    (
        "def_annual_balance_kwh",
        "Production − consommation sur la période : positif pour un quartier à énergie positive.",
        "Production − consumption over the period: positive for a positive-energy district.",
    ),
    (
        "def_peak_import_kw",
        "Plus forte puissance moyenne tirée du réseau sur un pas de temps.",
        "Highest average power drawn from the grid over one time step.",
    ),
    (
        "def_co2_kg",
        "Soutirage × intensité carbone du réseau à chaque pas.",
        "Import × the grid's carbon intensity at each step.",
    ),
    (
        "def_cost_eur",
        "Achats d'énergie au réseau − ventes de l'injection (énergie seule, hors abonnement et taxes).",
        "Energy bought from the grid − export sold (energy only, without fixed charges and taxes).",
    ),
    (
        "def_h2_produced_kg",
        "Hydrogène produit par l'électrolyseur.",
        "Hydrogen produced by the electrolyser.",
    ),
    (
        "def_h2_unserved_kg",
        "Demande de recharge en hydrogène non satisfaite.",
        "Hydrogen refuelling demand not served.",
    ),
    (
        "def_positive",
        "Oui quand la production locale renouvelable atteint au moins la consommation sur la période.",
        "Yes when local renewable production is at least the consumption over the period.",
    ),
    (
        "simulated_note",
        "Chiffres simulés (contrôleur à règles sur l'année du fichier du quartier), pas des mesures. Survolez une carte pour sa définition.",
        "Simulated figures (rule-based controller over the district file's year), not measurements. Hover over a card for its definition.",
    ),
    (
        "community_shared_rate",
        "Taux de partage de la production",
        "Share of production shared",
    ),
    (
        "def_community_shared_rate",
        "Part de la production des producteurs de l'opération répartie entre ses membres (énergie autoconsommée collectivement / production).",
        "Share of the operation's production allocated to its members (collectively self-consumed energy / production).",
    ),
    (
        "community_covered_rate",
        "Taux de couverture par l'opération",
        "Consumption covered by the operation",
    ),
    (
        "def_community_covered_rate",
        "Part de la consommation des membres couverte par l'énergie répartie (autoconsommée collectivement / consommation).",
        "Share of the members' consumption covered by allocated energy (collectively self-consumed / consumption).",
    ),
    (
        "community_note",
        "Répartition calculée ici à partir des courbes enregistrées ; les factures officielles suivent les données du gestionnaire de réseau.",
        "Allocation computed here from the stored curves; official invoices follow the grid operator's data.",
    ),
    (
        "job_ahead",
        "Tâches avant celle-ci",
        "Jobs ahead of this one",
    ),
    (
        "rule_cost",
        "Coût avec le contrôleur à règles",
        "Cost with the rule controller",
    ),
    (
        "dispatch_cost",
        "Coût avec ce pilotage",
        "Cost with this dispatch",
    ),
    ("dispatch_saving", "Économie", "Saving"),
    ("sizing_cost", "Coût annuel total", "Total annual cost"),
    ("sizing_component", "Composant", "Component"),
    ("sizing_capacity", "Grandeur", "Capacity"),
    ("sizing_value", "Valeur retenue", "Chosen value"),
    ("sizing_sized", "Dimensionnée", "Sized"),
    (
        "sizing_annual",
        "Coût annualisé (EUR/an)",
        "Annualised cost (EUR/year)",
    ),
    ("sizing_costs", "Coûts", "Costs"),
    ("sizing_decided", "Fixée par", "Decided by"),
    (
        "sizing_worth",
        "une unité de plus vaut",
        "one more unit is worth",
    ),
    (
        "sizing_worth_pair",
        "une unité de plus, avec sa part de l'autre grandeur à durée fixe, vaut",
        "one more unit, with its share of the other capacity at the fixed duration, is worth",
    ),
    (
        "sizing_per_year_cost",
        "EUR/an, pour un coût de",
        "EUR/year, for a cost of",
    ),
    ("sizing_typical", "Jours types", "Typical days"),
    (
        "sizing_estimate",
        "Estimation sur les jours types",
        "Estimate on the typical days",
    ),
    ("costs_file", "du fichier", "from the file"),
    ("costs_default", "par défaut", "built-in"),
    ("costs_declared", "—", "—"),
    ("limit_max", "sa borne haute", "its upper bound"),
    ("limit_min", "sa borne basse", "its lower bound"),
    ("limit_economics", "son coût", "its cost"),
    (
        "limit_duration",
        "sa durée fixe (énergie et puissance ensemble)",
        "its fixed duration (energy and power together)",
    ),
    (
        "limit_not-built",
        "non construite : son coût fixe dépasse ce qu'elle économise",
        "not built: its fixed cost outweighs what it saves",
    ),
    ("production_kwh", "Production", "Production"),
    ("consumption_kwh", "Consommation", "Consumption"),
    ("import_kwh", "Soutirage réseau", "Grid import"),
    ("export_kwh", "Injection réseau", "Grid export"),
    ("annual_balance_kwh", "Bilan annuel", "Annual balance"),
    ("peak_import_kw", "Pointe de soutirage", "Peak import"),
    ("co2_kg", "Émissions", "Emissions"),
    ("cost_eur", "Coût de l'énergie", "Energy cost"),
    ("h2_produced_kg", "H₂ produit", "H₂ produced"),
    ("h2_unserved_kg", "H₂ non servi", "H₂ unserved"),
    (
        "upload_curve",
        "Déposer une courbe de charge",
        "Upload a meter curve",
    ),
    ("participant", "Participant", "Participant"),
    ("format", "Format", "Format"),
    (
        "generic_csv",
        "CSV générique (horodatage;kWh)",
        "Generic CSV (timestamp;kWh)",
    ),
    ("file", "Fichier", "File"),
    (
        "upload_hint",
        "Le fichier est refusé en entier s'il contient une erreur : rien n'est enregistré.",
        "A file with any error is rejected whole: nothing is stored.",
    ),
    ("send", "Envoyer", "Upload"),
    ("district", "Quartier", "District"),
    ("points_stored", "points enregistrés", "points stored"),
    ("written", "nouveaux ou modifiés", "new or changed"),
    ("unchanged", "inchangés", "unchanged"),
    ("see_curve", "Voir la courbe", "See the curve"),
    (
        "upload_rejected",
        "Fichier refusé, rien n'a été enregistré :",
        "File rejected, nothing was stored:",
    ),
    ("line", "Ligne", "Line"),
    ("field", "Champ", "Field"),
    ("reason", "Problème", "Reason"),
    ("expected", "Attendu", "Expected"),
    ("exp_experiments", "Expérimentations", "Experiments"),
    (
        "exp_programme",
        "Programme : indicateurs mensuels",
        "Programme: monthly indicators",
    ),
    ("exp_commune", "Commune", "Commune"),
    (
        "pf_title",
        "Portefeuille du programme",
        "Programme portfolio",
    ),
    ("pf_theme", "Thème", "Theme"),
    ("pf_phase", "Phase", "Phase"),
    ("pf_as_of", "Au", "As of"),
    ("pf_apply", "Afficher", "Show"),
    ("pf_standing", "État", "Standing"),
    ("pf_last_report", "Dernier rapport", "Last report"),
    ("pf_overdue", "Rapports en retard", "Overdue reports"),
    ("pf_published", "publiée", "published"),
    ("pf_month", "mois", "month"),
    ("pf_rule", "Règle :", "Rule:"),
    ("pf_csv", "Exporter en CSV", "Export as CSV"),
    ("pf_public", "Pages publiques", "Public pages"),
    (
        "pf_timeline_hint",
        "Barres colorées : phases prévues ; trait sombre : ce qui a eu lieu ; losanges : jalons ; ligne rouge : le jour affiché.",
        "Coloured bars: planned phases; dark line: what happened; diamonds: milestones; red line: the day shown.",
    ),
    (
        "pf_definitions",
        "Définition et source des indicateurs",
        "Indicators: definition and source",
    ),
    ("pf_definition", "Définition", "Definition"),
    ("pf_source", "Source", "Source"),
    ("pf_illustrative", "illustratif", "illustrative"),
    (
        "pf_definitions_en",
        "Les définitions et les sources sont écrites en anglais par les fichiers d'expérimentation et par Quartier.",
        "Definitions and sources are written in English by the experiment files and by Quartier.",
    ),
    ("theme_energy", "Énergie", "Energy"),
    ("theme_mobility", "Mobilité", "Mobility"),
    (
        "theme_climate-adaptation",
        "Adaptation au climat",
        "Climate adaptation",
    ),
    ("theme_public-space", "Espace public", "Public space"),
    (
        "theme_circular-economy",
        "Économie circulaire",
        "Circular economy",
    ),
    (
        "exp_ind_pv_used",
        "production PV consommée dans le quartier",
        "PV production used in the district",
    ),
    ("exp_ind_h2", "hydrogène produit", "hydrogen produced"),
    (
        "exp_ind_ev",
        "énergie délivrée aux véhicules électriques",
        "energy delivered to electric vehicles",
    ),
    (
        "exp_ind_fleet",
        "énergie chargée dans les flottes",
        "energy charged into the fleets",
    ),
    (
        "exp_ind_shared",
        "énergie partagée dans la communauté",
        "energy shared in the community",
    ),
    ("ev_title", "Justificatifs", "Evidence"),
    (
        "ev_hint",
        "Un PDF, une image PNG ou JPEG (10 Mio au plus, 10 par mois au plus) à l'appui d'un mois du rapport : facture, photo d'un compteur, procès-verbal d'installation. Les justificatifs restent sur le serveur et ne sont jamais publiés.",
        "A PDF, a PNG or JPEG image (at most 10 MiB, at most 10 a month) backing a month of the report: an invoice, a meter's photo, an installation report. Evidence stays on the server and is never published.",
    ),
    ("ev_send", "Joindre", "Attach"),
    ("ev_by", "Joint par", "Attached by"),
    ("ev_bytes", "octets", "bytes"),
    ("ev_kib", "Kio", "KiB"),
    ("ev_mib", "Mio", "MiB"),
    (
        "ev_none",
        "Aucun justificatif joint.",
        "No evidence attached.",
    ),
    ("fu_title", "Suivi", "Follow-up"),
    ("fu_status", "Statut", "Status"),
    ("fu_phases", "Phases", "Phases"),
    ("fu_planned_start", "Début prévu", "Planned start"),
    (
        "fu_planned_end",
        "Fin prévue (exclue)",
        "Planned end (exclusive)",
    ),
    ("fu_actual_start", "Début effectif", "Actual start"),
    (
        "fu_actual_end",
        "Fin effective (exclue)",
        "Actual end (exclusive)",
    ),
    ("fu_milestones", "Jalons", "Milestones"),
    ("fu_milestone", "Jalon", "Milestone"),
    ("fu_due", "Échéance", "Due"),
    ("fu_done", "Atteint le", "Reached on"),
    ("fu_new_milestone", "Nouveau jalon :", "New milestone:"),
    ("fu_save", "Enregistrer le suivi", "Save the follow-up"),
    (
        "fu_link",
        "Statut, phases et jalons",
        "Status, phases and milestones",
    ),
    ("exp_status_active", "active", "active"),
    ("exp_status_suspended", "suspendue", "suspended"),
    ("exp_status_stopped", "arrêtée", "stopped"),
    ("exp_status_completed", "achevée", "completed"),
    (
        "pub_title",
        "Résultats des expérimentations",
        "Results of the experiments",
    ),
    (
        "pub_intro",
        "Les expérimentations des Quartiers Métropolitains d'Innovation dont l'équipe du programme a publié les résultats.",
        "The experiments of the Quartiers Métropolitains d'Innovation whose results the programme team has published.",
    ),
    ("pub_open_data", "Données ouvertes", "Open data"),
    (
        "pub_open_data_hint",
        "Les indicateurs mensuels des expérimentations publiées, sous Licence Ouverte 2.0, décrits par leurs métadonnées DCAT-AP. Aucune donnée personnelle : un indicateur issu de compteurs de particuliers n'est publié qu'agrégé sur au moins 10 compteurs.",
        "The monthly indicators of the published experiments, under the Licence Ouverte 2.0, described by their DCAT-AP metadata. No personal data: an indicator from private persons' meters is published only as an aggregate of at least 10 meters.",
    ),
    ("pub_lead", "Lauréat :", "Laureate:"),
    (
        "pub_illustrative",
        "Certaines valeurs de cette page sont illustratives : inventées pour la démonstration, elles ne sont pas des mesures.",
        "Some values on this page are illustrative: made up for the demonstration, they are not measurements.",
    ),
    (
        "pub_evaluation",
        "Évaluation des économies d'énergie",
        "Evaluation of the energy savings",
    ),
    (
        "pub_method",
        "Méthode : référence de consommation CalTRACK ajustée sur l'année avant les travaux et la météo, prolongée sur l'année de suivi ; énergie évitée = référence − consommation mesurée ; incertitude selon ASHRAE Guideline 14.",
        "Method: a CalTRACK consumption baseline fitted on the year before the works and the weather, carried over the reporting year; avoided energy = baseline − metered consumption; uncertainty after ASHRAE Guideline 14.",
    ),
    ("exp_experiment", "Expérimentation", "Experiment"),
    ("exp_period", "Période", "Period"),
    ("exp_avoided", "Énergie évitée", "Avoided energy"),
    ("exp_savings_pct", "Économie", "Savings"),
    (
        "exp_fsu",
        "Incertitude relative des économies (FSU)",
        "Fractional savings uncertainty (FSU)",
    ),
    ("exp_of_baseline", "de la référence", "of the baseline"),
    ("exp_invalid", "Fichier invalide", "Invalid file"),
    ("exp_failed", "Évaluation impossible", "Evaluation failed"),
    ("exp_planned", "À venir", "Planned"),
    ("exp_running", "En cours", "Running"),
    ("exp_finished", "Terminée", "Finished"),
    (
        "exp_none",
        "Aucune expérimentation visible.",
        "No visible experiment.",
    ),
    ("exp_g14_ok", "Conforme Guideline 14", "Meets Guideline 14"),
    (
        "exp_g14_fail",
        "Non conforme Guideline 14",
        "Fails Guideline 14",
    ),
    (
        "exp_chart_baseline",
        "Référence (modèle) et consommation mesurée, par jour",
        "Baseline prediction and metered energy, per day",
    ),
    ("exp_date", "date", "date"),
    ("exp_energy_per_day", "énergie par jour", "energy per day"),
    ("exp_data_source", "Données :", "Data:"),
    (
        "exp_chart_baseline_invoice",
        "Référence (modèle) et consommation facturée, par facture",
        "Baseline prediction and invoiced energy, per invoice",
    ),
    (
        "exp_energy_per_invoice",
        "énergie par facture (au premier jour)",
        "energy per invoice (at its first day)",
    ),
    ("exp_metered", "Mesuré", "Metered"),
    ("exp_baseline", "Référence", "Baseline"),
    (
        "exp_baseline_line",
        "référence (consommation sans les travaux)",
        "baseline (what would have been used without the works)",
    ),
    (
        "exp_chart_cumulative",
        "Énergie évitée cumulée",
        "Cumulative avoided energy",
    ),
    (
        "exp_cumulative_axis",
        "énergie évitée depuis le début du suivi",
        "avoided energy since the start of reporting",
    ),
    ("exp_cumulative", "Cumul évité", "Cumulative avoided"),
    ("exp_band", "bande d'incertitude", "uncertainty band"),
    (
        "exp_band_hint",
        "La bande est l'incertitude ASHRAE Guideline 14 du cumul : tant qu'elle reste au-dessus de zéro, les économies se distinguent du bruit du modèle.",
        "The band is the ASHRAE Guideline 14 uncertainty of the running total: while it stays above zero, the savings stand out from the model's noise.",
    ),
    ("exp_month", "Mois", "Month"),
    ("exp_indicators", "Indicateurs", "Indicators"),
    ("exp_indicator", "Indicateur", "Indicator"),
    ("exp_total", "Total", "Total"),
    ("exp_target", "Cible", "Target"),
    ("exp_met", "Atteinte", "Met"),
    ("community", "Communauté d'énergie", "Energy community"),
    ("invoices", "Factures", "Invoices"),
    ("member_curves", "Courbes des membres", "Members' curves"),
    (
        "member_curves_note",
        "Les courbes de compteur déposées pour chaque membre, du premier au dernier jour ; le lien montre les jours complets et incomplets. Un membre sans courbe déposée lit la sienne dans le dossier de la communauté.",
        "The meter curves uploaded for each member, first to last day; the link shows the complete and incomplete days. A member without an uploaded curve reads its own from the community folder.",
    ),
    (
        "membership_changes",
        "Entrées et sorties de membres",
        "Members joining and leaving",
    ),
    ("latitude", "Latitude", "Latitude"),
    ("longitude", "Longitude", "Longitude"),
    (
        "member_join",
        "Ajouter à la communauté",
        "Add to the community",
    ),
    (
        "member_leave",
        "Enregistrer la sortie",
        "Record the departure",
    ),
    (
        "membership_note",
        "Chaque changement crée une nouvelle version du fichier de la communauté, vérifiée comme tout fichier rattaché ; la courbe d'un membre ajouté est sa courbe de compteur déposée. Relancez la répartition pour en voir l'effet.",
        "Each change makes a new version of the community file, checked like any attached file; a member added takes its uploaded meter curve. Run the allocation again to see its effect.",
    ),
    (
        "rules_in_force",
        "Règles en vigueur et membres",
        "Rules in force and members",
    ),
    ("key", "Clé de répartition", "Allocation key"),
    ("key_periods", "périodes", "periods"),
    (
        "key_kind_default",
        "par défaut (au prorata de la consommation)",
        "default (prorata of consumption)",
    ),
    ("key_kind_static", "statique", "static"),
    (
        "key_kind_priority",
        "par groupes de priorité",
        "priority groups",
    ),
    (
        "key_kind_custom",
        "dynamique (coefficients fournis)",
        "dynamic (coefficients given)",
    ),
    (
        "key_kind_periods",
        "statique par période de validité",
        "static per period of validity",
    ),
    ("local_price", "Prix local", "Local price"),
    (
        "supplier_price",
        "Prix du fournisseur (énergie)",
        "Supplier price (energy)",
    ),
    ("surplus_price", "Prix du surplus", "Surplus price"),
    ("turpe_option", "Option TURPE", "TURPE tariff option"),
    (
        "turpe_acc",
        "autoconsommation collective",
        "collective self-consumption",
    ),
    ("turpe_standard", "standard", "standard"),
    ("tariff_grid", "Grille tarifaire", "Tariff grid"),
    ("since", "depuis le", "since"),
    ("data_gap", "Données manquantes", "Missing data"),
    (
        "gap_excluded",
        "membre exclu sur la période",
        "member excluded for the span",
    ),
    ("gap_zero", "compté à zéro", "counted as zero"),
    ("category", "Catégorie", "Category"),
    ("commune", "Commune (INSEE)", "Commune (INSEE)"),
    ("member_from", "Membre depuis", "Member from"),
    ("member_until", "Jusqu'au", "Until"),
    ("own_price", "Prix propre", "Own price"),
    ("category_private", "privé", "private"),
    ("category_commune", "commune", "commune"),
    (
        "category_epci",
        "EPCI à fiscalité propre",
        "EPCI with own taxation",
    ),
    (
        "category_public_body",
        "autre personne publique",
        "other public body",
    ),
    (
        "category_public_service",
        "délégataire de service public",
        "public-service entity",
    ),
    ("category_sem", "SEM ou filiale", "SEM or subsidiary"),
    ("my_invoices", "Mes factures", "My invoices"),
    (
        "reconciliation",
        "Rapprochement avec le gestionnaire de réseau",
        "Reconciliation with the grid operator",
    ),
    (
        "community_history",
        "Historique et données du gestionnaire",
        "History and the operator's data",
    ),
    (
        "community_versions",
        "Versions du fichier de la communauté",
        "Versions of the community file",
    ),
    ("version", "Version", "Version"),
    ("attached_at", "Rattachée le", "Attached on"),
    ("attached_by", "Par", "By"),
    (
        "attached_by_server",
        "le serveur (premier démarrage)",
        "the server (first start)",
    ),
    (
        "community_versions_note",
        "Chaque version est conservée. Un mois déjà facturé est toujours recalculé avec la version de ses factures ; les autres mois le sont avec la dernière version.",
        "Every version is kept. A month already invoiced is always settled again with the version of its invoices; other months with the latest version.",
    ),
    (
        "official_data",
        "Données du gestionnaire de réseau",
        "Grid operator's data",
    ),
    (
        "official_none",
        "Aucune donnée du gestionnaire de réseau n'a encore été déposée.",
        "No grid operator's data uploaded yet.",
    ),
    ("months", "Mois", "Months"),
    ("uploaded_at", "Déposé le", "Uploaded on"),
    (
        "official_file",
        "Fichier du gestionnaire (zip mensuel, courbe ou JSON de l'API)",
        "Operator's file (monthly zip, curve or API JSON)",
    ),
    (
        "official_upload",
        "Déposer les données du gestionnaire",
        "Upload the operator's data",
    ),
    (
        "official_note",
        "Le fichier est lu en entier avant d'être conservé : au moindre problème, rien n'est enregistré et chaque problème est indiqué (fichier, ligne, horodatage). Les données d'un mois remplacent, pour ce mois, celles déposées avant ; ses factures sont alors calculées sur elles.",
        "The file is read whole before it is kept: at the first problem nothing is stored and every problem is shown (file, line, timestamp). A month's data replace, for that month, those uploaded before; its invoices are then computed on them.",
    ),
    (
        "reconciliation_note",
        "La répartition calculée ici à côté de celle du gestionnaire de réseau, par PRM, mois et grandeur ; seules les différences au-delà de 0,1 kWh et de 0,1 % sont listées, avec leur cause probable.",
        "The allocation computed here beside the grid operator's, by PRM, month and quantity; only differences above 0.1 kWh and 0.1 % are listed, with their likely cause.",
    ),
    ("rows_compared", "lignes comparées :", "rows compared:"),
    (
        "reconciliation_agrees",
        "Aucune différence au-delà de la tolérance.",
        "No difference above the tolerance.",
    ),
    ("member", "Membre", "Member"),
    ("quantity", "Grandeur", "Quantity"),
    ("operator", "Gestionnaire", "Operator"),
    ("computed_here", "Calculé ici", "Computed here"),
    ("difference", "Écart", "Difference"),
    ("likely_cause", "Cause probable", "Likely cause"),
    ("issue_date", "Date d'émission", "Issue date"),
    (
        "issue_invoices",
        "Émettre les factures du mois",
        "Issue the month's invoices",
    ),
    (
        "invoices_note",
        "Les numéros se suivent sans jamais être réutilisés. Une facture émise ne change plus : émettre de nouveau un mois ne crée que les factures qui manquent, et des montants différents sont refusés (il faut d'abord un avoir). Les données du gestionnaire de réseau sont utilisées pour un mois quand elles ont été déposées.",
        "Numbers follow each other and are never reused. An issued invoice never changes: issuing a month again creates only the missing invoices, and changed amounts are refused (a credit note comes first). The grid operator's data are used for a month when they were uploaded.",
    ),
    (
        "invoices_none",
        "Aucune facture émise.",
        "No invoice issued.",
    ),
    ("invoice_number", "Numéro", "Number"),
    ("total_excl_vat", "Total HT", "Total excl. VAT"),
    ("total_incl_vat", "Total TTC", "Total incl. VAT"),
    (
        "invoice_pdf",
        "Télécharger la facture (PDF)",
        "Download the invoice (PDF)",
    ),
    ("invoices_back", "← Factures", "← Invoices"),
    ("acc_quantity_consumption", "Consommation", "Consumption"),
    (
        "acc_quantity_self_consumed",
        "Autoconsommée",
        "Self-consumed",
    ),
    ("acc_quantity_complement", "Complément", "Complement"),
    ("acc_quantity_production", "Production", "Production"),
    ("acc_quantity_surplus", "Surplus", "Surplus"),
    (
        "reco_cause_not_in_community",
        "le gestionnaire compte ce PRM, absent du fichier de la communauté",
        "the operator counts this PRM, which the community file lacks",
    ),
    (
        "reco_cause_not_in_official",
        "le gestionnaire n'a rien envoyé pour ce membre",
        "the operator sent nothing for this member",
    ),
    (
        "reco_cause_member_dates",
        "les dates du membre diffèrent",
        "the member's dates differ",
    ),
    (
        "reco_cause_curve_differs",
        "la courbe du compteur diffère (données manquantes ou corrigées)",
        "the meter curve differs (data missing or corrected)",
    ),
    (
        "reco_cause_coefficient_rounding",
        "arrondi des coefficients (planchers de 0,1 %)",
        "rounding of coefficients (0.1 % floors)",
    ),
    (
        "reco_cause_key_differs",
        "la clé appliquée diffère",
        "the key applied differs",
    ),
    (
        "community_none",
        "Aucune communauté d'énergie n'est rattachée à ce quartier (PUT /api/v1/districts/{id}/community).",
        "No energy community is attached to this district (PUT /api/v1/districts/{id}/community).",
    ),
    (
        "no_allocation",
        "Pas encore de répartition pour cette communauté.",
        "No allocation of this community yet.",
    ),
    ("allocate", "Lancer la répartition", "Run the allocation"),
    ("allocation_of", "répartition du", "allocation of"),
    ("allocated", "Autoconsommé (réparti)", "Allocated"),
    (
        "complement",
        "Complément fournisseur",
        "Supplier complement",
    ),
    ("surplus", "Surplus", "Surplus"),
    (
        "sold_to_members",
        "Vendu aux participants",
        "Sold to the participants",
    ),
    ("earnings", "Recettes", "Earnings"),
    (
        "def_earnings",
        "Ce que vous percevez : l'énergie vendue aux participants au prix de l'opération, plus le surplus injecté au prix de rachat du surplus (les crédits de vos factures).",
        "What you receive: the energy sold to the participants at the operation's price, plus the surplus fed into the grid at the surplus price (the credits of your bills).",
    ),
    (
        "def_member_coverage",
        "Part de votre consommation couverte par l'énergie répartie de l'opération.",
        "Share of your consumption covered by the energy the operation allocated to you.",
    ),
    ("bills_total", "Total des factures", "Bills in total"),
    (
        "my_production_monthly",
        "Ma production par mois : vendue aux participants et surplus",
        "My production per month: sold to the participants and surplus",
    ),
    (
        "my_production",
        "Ma courbe de production",
        "My production curve",
    ),
    ("load_curve", "Courbe de charge", "Load curve"),
    (
        "production_curve",
        "Courbe de production",
        "Production curve",
    ),
    ("my_participation", "Ma participation", "My participation"),
    (
        "my_sales",
        "Mes ventes dans la communauté d'énergie",
        "My sales in the energy community",
    ),
    (
        "participant_no_allocation",
        "Pas encore de répartition de la communauté d'énergie pour votre compteur.",
        "No energy community allocation for your meter yet.",
    ),
    (
        "self_consumed",
        "Autoconsommation collective",
        "Collective self-consumption",
    ),
    ("coverage", "Taux de couverture", "Coverage rate"),
    ("month", "Mois", "Month"),
    ("time_local", "Heure de Paris", "Paris time"),
    ("energy", "Énergie", "Energy"),
    ("bill", "Facture", "Bill"),
    (
        "bills_with",
        "Factures des consommateurs",
        "Consumers' bills",
    ),
    (
        "bills_without",
        "Mêmes factures sans l'opération",
        "Same bills without the operation",
    ),
    (
        "community_monthly",
        "Énergie répartie et complément par mois",
        "Allocated energy and complement per month",
    ),
    (
        "my_share",
        "Ma part de la communauté d'énergie",
        "My energy community share",
    ),
    (
        "not_member",
        "Votre PRM n'est pas membre de cette opération.",
        "Your PRM is not a member of this operation.",
    ),
    (
        "asset_registry",
        "Registre des équipements",
        "Asset registry",
    ),
    (
        "asset_none",
        "Aucun équipement enregistré pour ce quartier : importez le registre (modèle du quartier et fichier de registre) par l'API.",
        "No asset registered for this district yet: import the registry (district model and registry file) through the API.",
    ),
    ("asset_name", "Équipement", "Asset"),
    ("exp_ind_avoided", "énergie évitée", "avoided energy"),
    (
        "exp_ind_balance",
        "bilan à énergie positive (production − consommation)",
        "positive-energy balance (production − consumption)",
    ),
    (
        "asset_plan_title",
        "plan de renouvellement des équipements",
        "asset lifecycle plan",
    ),
    ("asset_kind", "Type", "Kind"),
    ("asset_kind_pv_array", "Champ photovoltaïque", "PV array"),
    ("asset_kind_inverter", "Onduleur", "Inverter"),
    ("asset_kind_battery", "Batterie", "Battery"),
    ("asset_kind_electrolyser", "Électrolyseur", "Electrolyser"),
    (
        "asset_kind_hydrogen_tank",
        "Réservoir d'hydrogène",
        "Hydrogen tank",
    ),
    ("asset_kind_fuel_cell", "Pile à combustible", "Fuel cell"),
    ("asset_kind_charger", "Borne de recharge", "Charger"),
    ("asset_kind_meter", "Compteur", "Meter"),
    ("asset_kind_cargo_bike", "Vélo-cargo", "Cargo bike"),
    ("asset_kind_building", "Bâtiment", "Building"),
    ("asset_kind_other", "Autre", "Other"),
    ("maintenance_inspection", "Inspection", "Inspection"),
    (
        "maintenance_preventive",
        "Maintenance préventive",
        "Preventive maintenance",
    ),
    (
        "maintenance_corrective",
        "Maintenance corrective",
        "Corrective maintenance",
    ),
    ("maintenance_replacement", "Remplacement", "Replacement"),
    ("maintenance_other", "Autre", "Other"),
    ("reason_end_of_life", "Fin de vie", "End of life"),
    (
        "reason_overdue",
        "Durée de vie déjà dépassée",
        "Already past its lifetime",
    ),
    ("reason_condition", "État dégradé", "Poor condition"),
    ("reason_override", "Année décidée", "Year decided"),
    ("capacity_pv_kwp", "Puissance photovoltaïque", "PV power"),
    (
        "capacity_battery_kwh",
        "Énergie de la batterie",
        "Battery energy",
    ),
    (
        "capacity_battery_kw",
        "Puissance de la batterie",
        "Battery power",
    ),
    (
        "capacity_electrolyser_kw",
        "Puissance de l'électrolyseur",
        "Electrolyser power",
    ),
    (
        "capacity_tank_kg",
        "Capacité du réservoir d'hydrogène",
        "Hydrogen tank capacity",
    ),
    (
        "capacity_fuel_cell_kw",
        "Puissance de la pile à combustible",
        "Fuel cell power",
    ),
    (
        "capacity_grid_import_kw",
        "Puissance souscrite au réseau",
        "Grid connection (import)",
    ),
    (
        "capacity_charging_kw",
        "Puissance des bornes de recharge",
        "Charge points' power",
    ),
    ("asset_component", "Composant du modèle", "Model component"),
    ("asset_location", "Emplacement", "Location"),
    ("asset_commissioned", "Mise en service", "Commissioned"),
    ("asset_in_service", "En service depuis", "In service since"),
    ("asset_lifetime", "Durée de vie (ans)", "Lifetime (years)"),
    ("asset_condition", "État (1–5)", "Condition (1–5)"),
    ("asset_cond_1", "critique", "critical"),
    ("asset_cond_2", "mauvais", "poor"),
    ("asset_cond_3", "moyen", "fair"),
    ("asset_cond_4", "bon", "good"),
    ("asset_cond_5", "neuf", "as new"),
    ("asset_next", "Prochain remplacement", "Next replacement"),
    (
        "asset_decided",
        "Remplacement décidé (année)",
        "Decided replacement (year)",
    ),
    (
        "asset_years",
        "Remplacements sur l'horizon",
        "Replacements in the horizon",
    ),
    ("asset_capex", "Investissement (EUR)", "Capex (EUR)"),
    (
        "asset_om",
        "Exploitation-maintenance (EUR/an)",
        "Operation and maintenance (EUR/year)",
    ),
    ("asset_notes", "Notes", "Notes"),
    ("asset_log", "Journal de maintenance", "Maintenance log"),
    (
        "asset_log_empty",
        "Aucune intervention enregistrée.",
        "No intervention logged.",
    ),
    ("asset_date", "Date", "Date"),
    ("asset_cost", "Coût (EUR)", "Cost (EUR)"),
    ("asset_note", "Note", "Note"),
    (
        "asset_record",
        "Enregistrer une intervention",
        "Record maintenance",
    ),
    (
        "asset_change",
        "Modifier l'état ou le remplacement décidé",
        "Change the condition or the decided replacement",
    ),
    ("asset_save", "Enregistrer", "Save"),
    (
        "asset_plan",
        "Plan de renouvellement et coût global sur 30 ans",
        "30-year replacement and lifecycle-cost plan",
    ),
    ("asset_count", "Équipements", "Assets"),
    (
        "asset_replacements",
        "Remplacements sur l'horizon",
        "Replacements in the horizon",
    ),
    (
        "asset_replacement_capex",
        "Investissements de renouvellement",
        "Replacement capex",
    ),
    (
        "asset_om_total",
        "Exploitation-maintenance",
        "Operation and maintenance",
    ),
    (
        "asset_npv",
        "Valeur actuelle des coûts",
        "Net present value of costs",
    ),
    ("asset_horizon", "Horizon", "Horizon"),
    ("asset_discount", "taux d'actualisation", "discount rate"),
    (
        "asset_problems",
        "La saisie contient des erreurs",
        "The input has problems",
    ),
    ("asset_back", "Retour", "Back"),
    ("asset_yearly_costs", "Coûts annuels", "Yearly costs"),
    ("asset_year", "Année", "Year"),
    ("asset_cost_axis", "Coût", "Cost"),
    (
        "asset_full_report",
        "Rapport complet du plan (tableaux année par année et par équipement)",
        "Full plan report (year-by-year and per-asset tables)",
    ),
    (
        "people_title",
        "Participants et accès",
        "Participants and logins",
    ),
    (
        "people_link",
        "Participants, compteurs et accès",
        "Participants, meters and logins",
    ),
    ("role_consumer", "consommateur", "consumer"),
    ("role_producer", "producteur", "producer"),
    ("role_prosumer", "producteur-consommateur", "prosumer"),
    ("role_programme", "équipe du programme", "programme team"),
    ("role_organiser", "organisateur", "organiser"),
    ("role_participant", "participant", "participant"),
    ("role_laureate", "lauréat", "laureate"),
    ("role_applicant", "candidat", "applicant"),
    (
        "form_rejected",
        "Le formulaire est refusé, rien n'a changé :",
        "The form is refused, nothing changed:",
    ),
    ("expected_word", "attendu :", "expected:"),
    (
        "signup",
        "Créer un compte de candidat",
        "Create an applicant's account",
    ),
    (
        "signup_hint",
        "Un compte de candidat sert à répondre aux appels à expérimentations du programme.",
        "An applicant's account answers the programme's calls for experiments.",
    ),
    (
        "calls",
        "Appels à expérimentations",
        "Calls for experiments",
    ),
    ("call", "Appel", "Call"),
    ("call_dates", "Ouverture → clôture", "Opens → closes"),
    ("call_open", "ouvert", "open"),
    ("call_closed", "clos", "closed"),
    ("apply", "Déposer une candidature", "Apply"),
    ("ranking", "Classement", "Ranking"),
    ("applications", "Candidatures", "Applications"),
    ("application", "Candidature", "Application"),
    ("app_status_draft", "brouillon", "draft"),
    ("app_status_submitted", "déposée", "submitted"),
    ("app_status_selected", "retenue", "selected"),
    ("app_status_waiting-list", "liste d'attente", "waiting list"),
    ("app_status_rejected", "non retenue", "rejected"),
    (
        "became_experiment",
        "Devenue l'expérimentation",
        "Became the experiment",
    ),
    ("app_form", "Le projet", "The project"),
    ("app_summary", "Résumé", "Summary"),
    (
        "app_budget",
        "Budget demandé (euros)",
        "Budget asked (euros)",
    ),
    ("app_start", "Début", "Start"),
    ("app_months", "Durée (mois)", "Length (months)"),
    ("app_unit", "Unité", "Unit"),
    ("app_save", "Enregistrer le brouillon", "Save the draft"),
    (
        "app_documents",
        "Documents (PDF, 10 Mo au plus)",
        "Documents (PDF, 10 MB at most)",
    ),
    ("app_attach", "Joindre", "Attach"),
    (
        "app_submit_hint",
        "Le dépôt vérifie les règles de l'appel ; une candidature déposée ne change plus, et rien ne change après la clôture.",
        "Submitting checks the call's rules; a submitted application no longer changes, and nothing changes after the deadline.",
    ),
    (
        "app_submit",
        "Déposer la candidature",
        "Submit the application",
    ),
    ("rev_title", "Mon évaluation", "My review"),
    ("rev_send", "Envoyer les notes", "Send the scores"),
    (
        "rev_conflict",
        "Conflit d'intérêts : ce qui vous lie au candidat",
        "Conflict of interest: what links you to the applicant",
    ),
    ("rev_declare", "Déclarer le conflit", "Declare the conflict"),
    ("rev_reviews", "Évaluations", "Reviews"),
    ("rev_reviewer", "Évaluateur", "Reviewer"),
    ("rev_total", "Note (sur 100)", "Score (out of 100)"),
    ("rev_conflict_short", "Conflit", "Conflict"),
    (
        "app_programme",
        "Évaluation et décision",
        "Review and decision",
    ),
    ("app_assign", "Affecter", "Assign"),
    ("app_decision", "Décision", "Decision"),
    (
        "app_experiment_slug",
        "Identifiant de l'expérimentation",
        "Experiment id",
    ),
    (
        "app_district_run",
        "Quartier où elle se déroule",
        "District it runs on",
    ),
    (
        "app_district_named",
        "Celui que nomme la candidature, si le serveur l'a :",
        "The one the application names, if the server has it:",
    ),
    (
        "app_district_none",
        "Aucun (la candidature n'en nomme pas)",
        "None (the application names none)",
    ),
    ("app_decide", "Décider", "Decide"),
    (
        "rank_hint",
        "Note : la moyenne des notes pondérées des évaluateurs, sans ceux qui ont déclaré un conflit ; écart : la plus haute moins la plus basse.",
        "Score: the mean of the reviewers' weighted scores, without those who declared a conflict; spread: the highest minus the lowest.",
    ),
    ("rank_spread", "Écart", "Spread"),
    ("call_rules", "Conditions", "Rules"),
    ("call_communes", "Communes :", "Communes:"),
    ("call_budget", "Budget maximal :", "Largest budget:"),
    (
        "call_months",
        "Durée maximale (mois) :",
        "Longest experiment (months):",
    ),
    (
        "call_kpis",
        "Indicateurs avec objectif, au moins :",
        "KPIs with a target, at least:",
    ),
    (
        "call_questions",
        "Questions du dossier",
        "Questions of the form",
    ),
    ("call_grid", "Grille d'évaluation", "Scoring grid"),
    (
        "call_none_open",
        "Aucun appel n'est ouvert.",
        "No call is open.",
    ),
    ("call_new", "Ouvrir un appel", "Open a call"),
    ("call_opens", "Ouverture", "Opens"),
    ("call_closes", "Clôture", "Closes"),
    (
        "call_communes_field",
        "Communes (séparées par des virgules ; vide : toutes)",
        "Communes (comma-separated; empty: any)",
    ),
    (
        "call_documents",
        "Documents PDF, au moins :",
        "PDF documents, at least:",
    ),
    ("call_key", "Clé", "Key"),
    ("call_required", "Obligatoire", "Required"),
    ("call_weight", "Poids (%)", "Weight (%)"),
    ("call_open_button", "Ouvrir l'appel", "Open the call"),
    (
        "app_district",
        "Quartier (facultatif)",
        "District (optional)",
    ),
    (
        "exp_publish",
        "Publier les résultats",
        "Publish the results",
    ),
    (
        "exp_published_on",
        "Résultats publiés le",
        "Results published on",
    ),
    ("role_reviewer", "évaluateur", "reviewer"),
    ("rep_title", "Rapports mensuels", "Monthly reports"),
    (
        "rep_upload",
        "Envoyer le rapport du mois",
        "Send the month's report",
    ),
    (
        "rep_hint",
        "Un fichier CSV avec un en-tête month,indicator,value (ou mois;indicateur;valeur, virgule décimale) et une ligne par mois et par indicateur. Le fichier est lu en entier avant d'être enregistré : au moindre problème, rien n'est enregistré et chaque problème est listé. Un mois déjà déclaré est remplacé. Les indicateurs de l'expérimentation :",
        "A CSV file with a header month,indicator,value (or mois;indicateur;valeur, decimal comma) and one row per month and indicator. The file is read whole before it is stored: at the least problem, nothing is stored and every problem is listed. A month already reported is replaced. The experiment's indicators:",
    ),
    ("rep_file", "Fichier", "File"),
    ("rep_send", "Envoyer", "Send"),
    ("rep_stored", "valeurs enregistrées", "values stored"),
    ("rep_received", "Valeurs reçues", "Values received"),
    ("rep_value", "Valeur", "Value"),
    ("rep_by", "Envoyée par", "Sent by"),
    ("rep_none", "Aucun rapport reçu.", "No report received."),
    ("points", "points", "points"),
    ("no_curve", "aucune courbe", "no curve"),
    ("shared", "partagé", "shared"),
    ("erase", "Effacer (RGPD)", "Erase (GDPR)"),
    (
        "erase_confirm",
        "je confirme l'effacement",
        "I confirm the erasure",
    ),
    (
        "erase_unconfirmed",
        "cochez la case de confirmation pour effacer ce participant et ses données",
        "tick the confirmation box to erase this participant and their data",
    ),
    ("col_name", "Nom", "Name"),
    ("col_role", "Rôle", "Role"),
    ("col_curve", "Courbe enregistrée", "Stored curve"),
    (
        "add_participant",
        "Ajouter le participant",
        "Add the participant",
    ),
    ("logins", "Accès", "Logins"),
    ("reset_password", "Nouveau mot de passe", "New password"),
    ("reset", "Réinitialiser", "Reset"),
    ("revoke", "Révoquer", "Revoke"),
    ("add_login", "Créer l'accès", "Create the login"),
    (
        "password_hint",
        "10 caractères au moins, ni mot de passe courant, ni suite du clavier, ni l'identifiant : quelques mots sans rapport entre eux conviennent.",
        "At least 10 characters, not a common password, a keyboard pattern or the username: a few unrelated words work well.",
    ),
    ("day", "jour", "day"),
    ("none", "aucun", "none"),
    ("coverage_title", "Jours enregistrés", "Stored days"),
    ("coverage_ranges", "Périodes enregistrées", "Stored periods"),
    ("coverage_gaps", "Jours manquants", "Missing days"),
    ("coverage_link", "Jours enregistrés", "Stored days"),
    ("account", "Mon compte", "My account"),
    (
        "current_password",
        "Mot de passe actuel",
        "Current password",
    ),
    ("new_password", "Nouveau mot de passe", "New password"),
    (
        "change_password",
        "Changer le mot de passe",
        "Change the password",
    ),
    (
        "password_changed",
        "Mot de passe changé ; vos autres sessions sont fermées.",
        "Password changed; your other sessions are closed.",
    ),
    ("audit", "Journal des modifications", "Audit log"),
    (
        "audit_note",
        "Chaque modification de données faite par une personne : qui, quoi, quand (heure de Paris).",
        "Every change of data made by a person: who, what, when (Paris time).",
    ),
    ("col_when", "Quand", "When"),
    ("col_who", "Qui", "Who"),
    ("col_what", "Quoi", "What"),
    ("col_status", "Résultat", "Result"),
    ("err_not_found", "Page introuvable", "Page not found"),
    ("err_forbidden", "Accès refusé", "Forbidden"),
    (
        "err_internal",
        "Erreur interne : réessayez plus tard.",
        "Internal error: please retry later.",
    ),
    (
        "err_invalid",
        "La saisie contient des erreurs",
        "The input has problems",
    ),
    ("err_refused", "Requête refusée", "Request refused"),
    ("err_line", "ligne", "line"),
    ("option_dispatch", "Pilotage", "Dispatch"),
    ("option_objective", "Objectif", "Objective"),
    ("option_solver", "Solveur", "Solver"),
    (
        "option_min_part_load",
        "Charge partielle minimale",
        "Minimum part load",
    ),
    ("option_horizon_hours", "Horizon (h)", "Horizon (h)"),
    ("option_commit_hours", "Engagement (h)", "Commitment (h)"),
    ("option_forecast", "Prévision", "Forecast"),
    (
        "option_time_limit_seconds",
        "Temps de calcul maximal (s)",
        "Time limit (s)",
    ),
    ("option_target", "Cible", "Target"),
    (
        "option_max_factor",
        "Capacité au plus (× la taille déclarée)",
        "Capacity at most (× the declared size)",
    ),
    (
        "option_days",
        "Premiers jours de l'horizon gardés",
        "First days of the horizon kept",
    ),
    (
        "job_error_cancelled",
        "Annulée à la demande.",
        "Cancelled on request.",
    ),
    (
        "job_error_interrupted",
        "Interrompue : le serveur s'est arrêté pendant cette tâche ; relancez-la.",
        "Interrupted: the server stopped while this job ran; retry it.",
    ),
    (
        "reader_in_english",
        "Le lecteur de fichiers décrit les problèmes en anglais ; la ligne et le champ indiquent où corriger.",
        "The file reader describes the problems in English; the line and field say where to fix them.",
    ),
    ("colon", "\u{a0}:", ":"),
    ("err_expected", "attendu\u{a0}:", "expected:"),
    (
        "err_detail_en",
        "Détail technique (en anglais)\u{a0}:",
        "Technical detail:",
    ),
    ("field_username", "Identifiant", "Username"),
    ("field_password", "Mot de passe", "Password"),
    ("field_new_password", "Nouveau mot de passe", "New password"),
    (
        "field_current_password",
        "Mot de passe actuel",
        "Current password",
    ),
    ("field_name", "Nom", "Name"),
    ("field_role", "Rôle", "Role"),
    ("field_prm", "PRM", "PRM"),
    ("field_confirm", "Confirmation", "Confirmation"),
    ("field_file", "Fichier", "File"),
    ("err_back", "Retour", "Back"),
    (
        "bill_back",
        "← Retour à la communauté d'énergie",
        "← Back to the energy community",
    ),
    ("bill_pdf", "Télécharger le PDF", "Download the PDF"),
];

/// Every label: (key, French, English). The browser test reads it to find a page that mixes
/// languages (a label of the other language in a page's text).
pub fn labels() -> &'static [(&'static str, &'static str, &'static str)] {
    LABELS
}

/// A local day as people write it: `2 juin 2025`, `2 Jun 2025`.
pub(crate) fn day_label(l: Lang, d: chrono::NaiveDate) -> String {
    l.report().day(d)
}

/// An instant as people read it, in Paris time to the minute: `2 juin 2025 14:05`.
pub(crate) fn instant_label(l: Lang, at: chrono::DateTime<chrono::Utc>) -> String {
    let local = at.with_timezone(&chrono_tz::Europe::Paris);
    format!(
        "{} {}",
        day_label(l, local.date_naive()),
        local.format("%H:%M")
    )
}

/// The words for stored value `value` of a family of values named `family` (`role`,
/// `asset_kind`, `maintenance`, …): the row `{family}_{value}` of [`LABELS`]. A value without a
/// row (one stored by an older version) is shown as it is. Plain text, to escape like any.
pub(crate) fn value_label(lang: Lang, family: &str, value: &str) -> String {
    match index().get(format!("{family}_{value}").as_str()) {
        Some((fr, en)) => match lang {
            Lang::Fr => fr,
            Lang::En => en,
        }
        .to_string(),
        None => value.to_string(),
    }
}

/// [`LABELS`] by key, built once.
fn index() -> &'static std::collections::HashMap<&'static str, (&'static str, &'static str)> {
    static INDEX: std::sync::OnceLock<
        std::collections::HashMap<&'static str, (&'static str, &'static str)>,
    > = std::sync::OnceLock::new();
    INDEX.get_or_init(|| LABELS.iter().map(|(k, fr, en)| (*k, (*fr, *en))).collect())
}

/// The label `key` in `lang`; the key itself when unknown.
pub(crate) fn t(lang: Lang, key: &'static str) -> &'static str {
    let (fr, en) = index().get(key).copied().unwrap_or((key, key));
    match lang {
        Lang::Fr => fr,
        Lang::En => en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_numbers_read_in_each_language() {
        assert_eq!(Lang::Fr.month_label("2025-06"), "juin 2025");
        assert_eq!(Lang::En.month_label("2025-12"), "Dec 2025");
        assert_eq!(Lang::Fr.month_label("total"), "total");
        assert_eq!(Lang::Fr.percent(0.727), "72,7\u{a0}%");
        assert_eq!(Lang::En.percent(0.727), "72.7\u{a0}%");
        assert_eq!(Lang::Fr.money(1269.93, 2), "1\u{202f}269,93\u{a0}€");
    }

    #[test]
    fn every_sized_capacity_has_its_name_in_each_language() {
        for kind in quartier_optim::sizing::CapacityKind::ALL {
            for lang in [Lang::Fr, Lang::En] {
                let label = value_label(lang, "capacity", kind.key());
                assert_ne!(label, kind.key(), "{kind:?} has no label in {lang:?}");
            }
        }
        assert_eq!(
            value_label(Lang::Fr, "capacity", "charging_kw"),
            "Puissance des bornes de recharge"
        );
    }

    #[test]
    fn every_label_key_is_declared_once() {
        let mut keys: Vec<&str> = LABELS.iter().map(|(k, _, _)| *k).collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n, "a key declared twice");
        assert_eq!(t(Lang::Fr, "districts"), "Quartiers");
        assert_eq!(t(Lang::En, "no such key"), "no such key");
    }
}
