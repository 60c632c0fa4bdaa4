//! What the reader of an experiment's savings must know first, as values: a failed
//! sufficiency criterion, a Guideline 14 check, a rise in consumption, observations left out,
//! a reporting period that ends before the experiment. Each is worded in the reader's language
//! by [`Warning::text`] (its `Display` is the English text, for the CLI and the JSON files).

use std::fmt;

use quartier_evaluate::{Granularity, SufficiencyIssue};

use crate::language::Language;

/// One warning of an experiment's evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// A CalTRACK sufficiency criterion the baseline fails.
    Sufficiency(SufficiencyIssue),
    /// The model explains the consumption poorly (CV(RMSE) above the Guideline 14 limit).
    PoorFit {
        /// The model's CV(RMSE).
        cv_rmse: f64,
        /// The limit for this length of reporting.
        limit: f64,
    },
    /// The model is biased on its own period (NMBE beyond the limit).
    Biased {
        /// The model's NMBE.
        nmbe: f64,
        /// The limit (±).
        limit: f64,
    },
    /// The savings are within the model's noise (FSU at 68 % over 50 %).
    Noisy {
        /// Fractional savings uncertainty at 68 % confidence.
        fsu_68: f64,
    },
    /// Consumption rose over what the baseline predicts.
    ConsumptionRose {
        /// The extra energy, kWh (positive).
        extra_kwh: f64,
    },
    /// Observations of the reporting period left out of the savings.
    Skipped {
        /// How many.
        count: usize,
        /// Days or hours.
        granularity: Granularity,
    },
    /// A series has missing steps in a period: they are left out of the fit or the savings.
    MissingData {
        /// The period.
        period: crate::evaluation::DataPeriod,
        /// The series.
        series: crate::evaluation::DataSeries,
        /// Steps without a value.
        missing_steps: usize,
        /// Steps of the period.
        expected_steps: usize,
        /// Runs of missing steps.
        gaps: usize,
        /// The longest run, `[from, to)`.
        longest: (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
        /// The experiment's time zone.
        tz: chrono_tz::Tz,
    },
    /// The reporting period ends before the experiment: later months have no avoided energy.
    ReportingEndsEarly {
        /// Last month evaluated: year.
        year: i32,
        /// Last month evaluated: month (1–12).
        month: u32,
    },
}

impl Warning {
    /// The warning in `lang`, numbers written its way.
    pub fn text(&self, lang: Language) -> String {
        let fr = lang == Language::French;
        let pct = |x: f64| lang.pct(x);
        let n0 = |x: f64| lang.num(x, 0);
        match self {
            Warning::Sufficiency(issue) => sufficiency(issue, lang),
            Warning::PoorFit { cv_rmse, limit } => {
                if fr {
                    format!(
                        "Le modèle de référence explique mal la consommation : son CV(RMSE) vaut {}, au-delà des {} qu'admet l'ASHRAE Guideline 14 pour cette durée de suivi. Prenez l'énergie évitée avec prudence.",
                        pct(*cv_rmse),
                        pct(*limit)
                    )
                } else {
                    format!(
                        "The baseline model explains the consumption poorly: its CV(RMSE) is {}, above the {} ASHRAE Guideline 14 accepts for this length of reporting. Treat the avoided energy with caution.",
                        pct(*cv_rmse),
                        pct(*limit)
                    )
                }
            }
            Warning::Biased { nmbe, limit } => {
                if fr {
                    format!(
                        "Le modèle de référence est biaisé sur sa propre période : NMBE {} (limite de la Guideline 14 : ±{}).",
                        pct(*nmbe),
                        pct(*limit)
                    )
                } else {
                    format!(
                        "The baseline model is biased on its own period: NMBE {} (Guideline 14 limit ±{}).",
                        pct(*nmbe),
                        pct(*limit)
                    )
                }
            }
            Warning::Noisy { fsu_68 } => {
                if fr {
                    format!(
                        "Les économies ne se distinguent pas du bruit du modèle : à 68 % de confiance, leur incertitude vaut {} des économies ; la Guideline 14 demande moins de 50 %.",
                        pct(*fsu_68)
                    )
                } else {
                    format!(
                        "The savings cannot be told apart from the model's noise: at 68 % confidence their uncertainty is {} of the savings; Guideline 14 asks for less than 50 %.",
                        pct(*fsu_68)
                    )
                }
            }
            Warning::ConsumptionRose { extra_kwh } => {
                if fr {
                    format!(
                        "La consommation a augmenté : le bâtiment a consommé {} kWh de plus que ce que le modèle prévoit pour la météo de la période de suivi.",
                        n0(*extra_kwh)
                    )
                } else {
                    format!(
                        "Consumption rose: the building used {} kWh more than the baseline predicts for the reporting period's weather.",
                        n0(*extra_kwh)
                    )
                }
            }
            Warning::Skipped { count, granularity } => {
                let unit = match (granularity, fr) {
                    (Granularity::Daily, true) => "jours",
                    (Granularity::Hourly, true) => "heures",
                    (Granularity::Daily, false) => "days",
                    (Granularity::Hourly, false) => "hours",
                    (Granularity::Billing, true) => "factures",
                    (Granularity::Billing, false) => "invoices",
                };
                if fr {
                    format!(
                        "{count} {unit} de la période de suivi restent hors des économies : il leur manque un relevé, une température ou une prévision du modèle."
                    )
                } else {
                    format!(
                        "{count} {unit} of the reporting period had no reading, no temperature or no baseline prediction and were left out of the savings."
                    )
                }
            }
            Warning::MissingData {
                period,
                series,
                missing_steps,
                expected_steps,
                gaps,
                longest,
                tz,
            } => {
                use crate::evaluation::{DataPeriod, DataSeries};
                let local = |t: &chrono::DateTime<chrono::Utc>| {
                    t.with_timezone(tz).format("%Y-%m-%d %H:%M").to_string()
                };
                let x = *missing_steps as f64 / (*expected_steps).max(1) as f64;
                let share = match (x < 0.0005, fr) {
                    (true, true) => format!("moins de {}", pct(0.001)),
                    (true, false) => format!("under {}", pct(0.001)),
                    (false, _) => pct(x),
                };
                let (missing, expected) = (n0(*missing_steps as f64), n0(*expected_steps as f64));
                let (from, to) = (local(&longest.0), local(&longest.1));
                if fr {
                    let what = match series {
                        DataSeries::Meter => "Le compteur",
                        DataSeries::Temperature => "La température",
                    };
                    let (during, so) = match period {
                        DataPeriod::Baseline => (
                            "de la période de référence",
                            "le modèle n'est ajusté que sur les pas valides",
                        ),
                        DataPeriod::Reporting => (
                            "de la période de suivi",
                            "les économies ne portent que sur les pas valides",
                        ),
                    };
                    format!(
                        "{what} n'a pas de valeur pour {missing} pas sur {expected} ({share}) {during}, en {gaps} trou{s}, le plus long du {from} au {to} (heure locale) ; {so}.",
                        s = if *gaps > 1 { "s" } else { "" }
                    )
                } else {
                    let what = match series {
                        DataSeries::Meter => "The meter",
                        DataSeries::Temperature => "The temperature",
                    };
                    let (during, so) = match period {
                        DataPeriod::Baseline => (
                            "the baseline",
                            "the model is fitted on the valid steps only",
                        ),
                        DataPeriod::Reporting => (
                            "the reporting period",
                            "the savings are computed on the valid steps only",
                        ),
                    };
                    format!(
                        "{what} has no value for {missing} of the {expected} steps ({share}) of {during}, in {gaps} gap{s}, the longest from {from} to {to} (local time); {so}.",
                        s = if *gaps > 1 { "s" } else { "" }
                    )
                }
            }
            Warning::ReportingEndsEarly { year, month } => {
                let name = lang.chart_locale().months[(*month).clamp(1, 12) as usize - 1];
                if fr {
                    format!(
                        "L'énergie évitée est évaluée jusqu'en {name} {year} (la fin de la période de suivi) ; les mois suivants de l'expérimentation n'ont pas de valeur."
                    )
                } else {
                    format!(
                        "Avoided energy is evaluated until {name} {year} (the end of the reporting period); later months of the experiment have no value."
                    )
                }
            }
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Language::English))
    }
}

/// A failed sufficiency criterion in `lang`.
fn sufficiency(issue: &SufficiencyIssue, lang: Language) -> String {
    let fr = lang == Language::French;
    let pct = |x: f64| lang.pct(x);
    match (issue, fr) {
        (SufficiencyIssue::NoData, true) => {
            "Aucune heure de la période de référence n'a à la fois un relevé et une température."
                .into()
        }
        (SufficiencyIssue::NoData, false) => {
            "No hour of the baseline has both a meter reading and a temperature.".into()
        }
        (SufficiencyIssue::BaselineTooShort { days, required }, true) => format!(
            "La période de référence couvre {days:.0} jours ; CalTRACK en demande {required:.0} pour voir chaque saison. Le modèle peut se tromper sur les saisons manquantes."
        ),
        (SufficiencyIssue::BaselineTooShort { days, required }, false) => format!(
            "The baseline covers {days:.0} days; CalTRACK asks for {required:.0} so that every season is seen. The model may be wrong in the missing seasons."
        ),
        (SufficiencyIssue::BaselineLongerThanRequired { days, required }, true) => format!(
            "La période de référence couvre {days:.0} jours, plus que les {required:.0} qu'utilise CalTRACK ; les données anciennes peuvent décrire le bâtiment avant d'autres changements."
        ),
        (SufficiencyIssue::BaselineLongerThanRequired { days, required }, false) => format!(
            "The baseline covers {days:.0} days, more than the {required:.0} CalTRACK uses; older data may describe the building before other changes."
        ),
        (SufficiencyIssue::TooMuchMissingMeterData { fraction }, true) => format!(
            "Les relevés ne couvrent que {} de la période de référence (CalTRACK demande 90 %).",
            pct(*fraction)
        ),
        (SufficiencyIssue::TooMuchMissingMeterData { fraction }, false) => format!(
            "Meter readings cover only {} of the baseline (CalTRACK asks for 90 %).",
            pct(*fraction)
        ),
        (SufficiencyIssue::TooMuchMissingTemperatureData { fraction }, true) => format!(
            "Les températures ne couvrent que {} de la période de référence (CalTRACK demande 90 %).",
            pct(*fraction)
        ),
        (SufficiencyIssue::TooMuchMissingTemperatureData { fraction }, false) => format!(
            "Temperatures cover only {} of the baseline (CalTRACK asks for 90 %).",
            pct(*fraction)
        ),
        (SufficiencyIssue::TooMuchMissingData { fraction }, true) => format!(
            "Seuls {} de la période de référence ont à la fois un relevé et une température (CalTRACK demande 90 %).",
            pct(*fraction)
        ),
        (SufficiencyIssue::TooMuchMissingData { fraction }, false) => format!(
            "Only {} of the baseline has both a reading and a temperature (CalTRACK asks for 90 %).",
            pct(*fraction)
        ),
        (SufficiencyIssue::NegativeMeterValues { count }, true) => format!(
            "{count} relevés de la période de référence sont négatifs : le compteur compense peut-être une production photovoltaïque, qu'un modèle de consommation ne sait pas représenter."
        ),
        (SufficiencyIssue::NegativeMeterValues { count }, false) => format!(
            "{count} baseline readings are negative: the meter may be netting PV production, which a consumption baseline cannot model."
        ),
        (SufficiencyIssue::ExtremeValues { count }, true) => format!(
            "{count} relevés de la période de référence sont anormalement élevés (au-delà de la médiane plus trois écarts interquartiles) : vérifiez-les."
        ),
        (SufficiencyIssue::ExtremeValues { count }, false) => format!(
            "{count} baseline readings are unusually high (above the median plus three interquartile ranges); check them for meter errors."
        ),
    }
}
