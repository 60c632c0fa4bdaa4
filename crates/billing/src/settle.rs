//! Monthly settlement: for every participant and local month (Europe/Paris), the energies of
//! the operation and the money they carry.
//!
//! Consumers: consumption, self-consumed (= allocated) energy and complement, each split by
//! TURPE period (of the grid in force in the month); the self-consumed energy split by seller
//! and price ([`PricedEnergy`]: one line of the consumer's invoice per producer and local price
//! period, each kWh at the price of its producer or of the consumer, per
//! [`crate::PriceBasis`]); the part of self-consumed energy exempt from the excise (from
//! producers under the exemption threshold, when the option is chosen). Producers: production,
//! self-consumed (allocated to consumers) and surplus, and their revenue: the sum of the
//! consumers' rounded lines for their energy (so that what producers earn is exactly what
//! consumers pay), and the surplus at the surplus price. A storage member is settled on both
//! sides.
//!
//! **Invariant:** for every member, the monthly sums add up to the allocation's sums over the
//! axis (tested): settlement only regroups the allocation, it never changes an energy.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Timelike};
use quartier_share::{Allocation, Community, MemberId};
use rust_decimal::Decimal;

use crate::money::{kwh, line_amount};
use crate::{BillingError, Prices, TariffHistory, TimeOfUse};

/// Which TURPE option the operation's consumers are billed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TurpeChoice {
    /// The standard option (all withdrawn energy at the same rates).
    #[default]
    Standard,
    /// The collective self-consumption option (self-consumed and complement at different rates).
    Acc,
}

/// Everything settlement and bills need besides curves and allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct BillingConfig {
    /// Regulated values, every grid with the day it came into force.
    pub tariffs: TariffHistory,
    /// The PMO's prices.
    pub prices: Prices,
    /// The TURPE option billed.
    pub turpe: TurpeChoice,
    /// Apply the excise exemption to self-consumed energy from renewable producers under the
    /// threshold of the tariff table.
    pub excise_exemption: bool,
    /// Whether the local energy is invoiced with VAT (statements show it as invoiced).
    pub local_energy_vat: crate::VatRegime,
    /// Spans of members' missing data and how they were treated (statements say so).
    pub data_gaps: Vec<DataGap>,
    /// Months settled on the grid operator's official data rather than Quartier's allocation
    /// (statements and invoices say so).
    pub official_months: Vec<Month>,
}

/// A span where a member's curve had no data within its membership.
#[derive(Debug, Clone, PartialEq)]
pub struct DataGap {
    /// The member.
    pub member: MemberId,
    /// First instant without data.
    pub from: chrono::DateTime<chrono::Utc>,
    /// First instant with data again (or the end of the period).
    pub until: chrono::DateTime<chrono::Utc>,
    /// True: the member was excluded from the operation for the span; false: counted as zero.
    pub excluded: bool,
}

/// A local calendar month (Europe/Paris).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
}

impl Month {
    /// The local month (Europe/Paris) of instant `t`.
    pub fn of(t: chrono::DateTime<chrono::Utc>) -> Month {
        let l = t.with_timezone(&chrono_tz::Europe::Paris);
        Month {
            year: l.year(),
            month: l.month(),
        }
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    /// Its last day.
    pub fn last_day(self) -> NaiveDate {
        let (y, m) = if self.month >= 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        };
        NaiveDate::from_ymd_opt(y, m, 1)
            .and_then(|d| d.pred_opt())
            .unwrap_or_default()
    }

    /// Days in its year (365 or 366), to prorate yearly components.
    pub fn days_in_year(self) -> u32 {
        if NaiveDate::from_ymd_opt(self.year, 2, 29).is_some() {
            366
        } else {
            365
        }
    }
}

impl Month {
    /// A month written `YYYY-MM` (as [`Display`](std::fmt::Display) writes it: four digits,
    /// two digits, 01–12); `None` for anything else.
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let (year, month) = (y.parse().ok()?, m.parse().ok()?);
        (1..=12).contains(&month).then_some(Month { year, month })
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Self-consumed energy bought from one producer at one local price: one line of an invoice.
#[derive(Debug, Clone, PartialEq)]
pub struct PricedEnergy {
    /// The producer (the seller).
    pub producer: MemberId,
    /// The local price period's name (`None`: the base price).
    pub period: Option<String>,
    /// The unit price, EUR/kWh, as the community file writes it.
    pub eur_per_kwh: Decimal,
    /// The energy, kWh.
    pub kwh: f64,
}

impl PricedEnergy {
    /// The invoiced quantity (rounded half-up to the Wh), kWh.
    pub fn quantity_kwh(&self) -> Decimal {
        kwh(self.kwh)
    }

    /// The line's amount (quantity × unit price, half-up to the cent), EUR excluding VAT.
    pub fn amount_eur(&self) -> Decimal {
        line_amount(self.quantity_kwh(), self.eur_per_kwh)
    }
}

/// One consumer's month.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConsumerMonth {
    /// Consumption, kWh.
    pub consumption_kwh: f64,
    /// Self-consumed (allocated) energy, kWh.
    pub self_consumed_kwh: f64,
    /// Complement (billed by the supplier), kWh.
    pub complement_kwh: f64,
    /// Self-consumed energy per TURPE period (HPH, HCH, HPB, HCB), kWh.
    pub self_consumed_by_period_kwh: [f64; 4],
    /// Complement per TURPE period, kWh.
    pub complement_by_period_kwh: [f64; 4],
    /// Self-consumed energy exempt from the excise, kWh.
    pub excise_exempt_kwh: f64,
    /// The self-consumed energy by producer and local price (the lines of its invoice), in
    /// the order of the producers, then of the price periods.
    pub local_energy: Vec<PricedEnergy>,
    /// Local days of the month when the member belongs to the operation (at least one step
    /// of the axis), to prorate fixed components.
    pub days: u32,
    /// First and last of those days (`None`: not a member this month).
    pub member_days: Option<(NaiveDate, NaiveDate)>,
}

impl ConsumerMonth {
    /// What the self-consumed energy costs at the local price(s): the sum of its rounded
    /// lines, EUR excluding VAT.
    pub fn local_cost_eur(&self) -> Decimal {
        self.local_energy.iter().map(PricedEnergy::amount_eur).sum()
    }
}

/// One producer's month.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProducerMonth {
    /// Production, kWh.
    pub production_kwh: f64,
    /// Part allocated to consumers, kWh.
    pub self_consumed_kwh: f64,
    /// Surplus, kWh.
    pub surplus_kwh: f64,
    /// Revenue of the self-consumed part: the sum of the consumers' rounded lines for this
    /// producer's energy, EUR excluding VAT.
    pub revenue_eur: Decimal,
    /// Revenue of the surplus at the surplus price (one rounded line), EUR excluding VAT.
    pub surplus_revenue_eur: Decimal,
    /// First and last local day of the month when the member belongs to the operation
    /// (`None`: not a member this month).
    pub member_days: Option<(NaiveDate, NaiveDate)>,
}

/// The settlement of an operation over its axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    /// The local months touched by the axis, in order.
    pub months: Vec<Month>,
    /// Consumer ids (allocation order).
    pub consumers: Vec<MemberId>,
    /// Producer ids (allocation order).
    pub producers: Vec<MemberId>,
    /// `consumer_months[i][m]`: consumer `i` in month `m`.
    pub consumer_months: Vec<Vec<ConsumerMonth>>,
    /// `producer_months[p][m]`: producer `p` in month `m`.
    pub producer_months: Vec<Vec<ProducerMonth>>,
}

impl Settlement {
    /// Consumer `id`'s month `m`, if it is a consumer.
    pub fn consumer(&self, id: &MemberId, m: usize) -> Option<&ConsumerMonth> {
        let i = self.consumers.iter().position(|c| c == id)?;
        self.consumer_months.get(i)?.get(m)
    }

    /// Producer `id`'s month `m`, if it is a producer.
    pub fn producer(&self, id: &MemberId, m: usize) -> Option<&ProducerMonth> {
        let p = self.producers.iter().position(|c| c == id)?;
        self.producer_months.get(p)?.get(m)
    }
}

/// The distinct (period name, price) pairs of the local prices, and which one each pricing
/// member (producer or consumer, per basis) has in each of its periods.
struct PriceClasses {
    /// `(period name, price)` of each class.
    classes: Vec<(Option<String>, Decimal)>,
    /// `of[j][k + 1]`: the class of pricing member `j` in period `k` (`[0]`: its base price).
    of: Vec<Vec<usize>>,
}

impl PriceClasses {
    fn new(prices: &[&TimeOfUse]) -> PriceClasses {
        let mut classes: Vec<(Option<String>, Decimal)> = Vec::new();
        let mut index: HashMap<(Option<String>, Decimal), usize> = HashMap::new();
        let mut class = |name: Option<&str>, price: Decimal| {
            let key = (name.map(str::to_owned), price);
            *index.entry(key.clone()).or_insert_with(|| {
                classes.push(key);
                classes.len() - 1
            })
        };
        let of = prices
            .iter()
            .map(|tou| {
                let mut row = vec![class(None, tou.base_eur_per_kwh)];
                row.extend(
                    tou.periods
                        .iter()
                        .map(|p| class(Some(&p.name), p.eur_per_kwh)),
                );
                row
            })
            .collect();
        PriceClasses { classes, of }
    }

    /// The class of pricing member `j` in period `k`.
    fn class(&self, j: usize, k: Option<usize>) -> usize {
        self.of
            .get(j)
            .and_then(|row| row.get(k.map_or(0, |k| k + 1)))
            .copied()
            .unwrap_or(0)
    }
}

/// Settles `allocation` (made from `community`) month by month.
///
/// Errors: an allocation of another community (different axis or members), invalid prices
/// or tariff.
pub fn settle(
    community: &Community,
    allocation: &Allocation,
    config: &BillingConfig,
) -> Result<Settlement, BillingError> {
    if allocation.axis() != community.axis()
        || allocation.consumers() != community.consumers()
        || allocation.producers() != community.producers()
    {
        return Err(BillingError::Mismatch(
            "different axis or member lists".into(),
        ));
    }
    config
        .prices
        .validate(community.consumers(), community.producers())?;
    let axis = *community.axis();
    let consumers = community.consumers().to_vec();
    let producers = community.producers().to_vec();
    let (nc, np) = (consumers.len(), producers.len());
    let prices = &config.prices;
    let by_producer = prices.basis == crate::PriceBasis::Producer;
    let pricing: Vec<&TimeOfUse> = if by_producer {
        producers.iter().map(|id| prices.local_of(id)).collect()
    } else {
        consumers.iter().map(|id| prices.local_of(id)).collect()
    };
    let classes = PriceClasses::new(&pricing);
    let ncls = classes.classes.len().max(1);
    let exempt_p: Vec<bool> = producers
        .iter()
        .map(|id| {
            community.member(id).is_some_and(|m| {
                config.excise_exemption && {
                    let (grid, _) = config.tariffs.in_force(axis_first_day(&axis));
                    m.installed_pv_kw < crate::money::to_f64(grid.excise_exemption_max_kw.value)
                }
            })
        })
        .collect();

    let mut months: Vec<Month> = Vec::new();
    let mut cm: Vec<Vec<ConsumerMonth>> = vec![Vec::new(); nc];
    let mut pm: Vec<Vec<ProducerMonth>> = vec![Vec::new(); np];
    // The month's self-consumed energy per consumer, producer and price class.
    let mut bought = vec![0.0; nc * np * ncls];
    let mut step_class = vec![0usize; pricing.len()];
    let mut grid = config.tariffs.in_force(axis_first_day(&axis)).0;
    let closing = Closing {
        producers: &producers,
        classes: &classes,
        prices,
    };
    for t in 0..axis.len() {
        let utc = axis.time(t);
        let local = utc.with_timezone(&chrono_tz::Europe::Paris);
        let month = Month::of(utc);
        if months.last() != Some(&month) {
            closing.close(&mut cm, &mut pm, &mut bought, months.len());
            months.push(month);
            grid = config.tariffs.in_force(month.first_day()).0;
            cm.iter_mut().for_each(|v| v.push(ConsumerMonth::default()));
            pm.iter_mut().for_each(|v| v.push(ProducerMonth::default()));
        }
        let day = local.date_naive();
        let period = grid.period(utc).index();
        let hour = local.hour();
        for (j, tou) in pricing.iter().enumerate() {
            if let Some(c) = step_class.get_mut(j) {
                *c = classes.class(j, tou.period_at_hour(hour));
            }
        }
        let total_p = allocation.total_production_kwh(t);
        for i in 0..nc {
            let Some(c) = cm.get_mut(i).and_then(|v| v.last_mut()) else {
                continue;
            };
            let a = allocation.allocated_kwh(t, i);
            let comp = allocation.complement_kwh(t, i);
            c.consumption_kwh += allocation.consumption_kwh(t, i);
            c.self_consumed_kwh += a;
            c.complement_kwh += comp;
            if community.consumer_present(i, t) {
                match &mut c.member_days {
                    Some((_, last)) if *last == day => {}
                    Some((_, last)) => {
                        *last = day;
                        c.days += 1;
                    }
                    None => {
                        c.member_days = Some((day, day));
                        c.days += 1;
                    }
                }
            }
            if let (Some(s), Some(k)) = (
                c.self_consumed_by_period_kwh.get_mut(period),
                c.complement_by_period_kwh.get_mut(period),
            ) {
                *s += a;
                *k += comp;
            }
            if a <= 0.0 || total_p <= 0.0 {
                continue;
            }
            for (p, &exempt) in exempt_p.iter().enumerate() {
                let pair = allocation.pair_kwh(t, p, i);
                if pair <= 0.0 {
                    continue;
                }
                let cls = step_class
                    .get(if by_producer { p } else { i })
                    .copied()
                    .unwrap_or(0);
                if let Some(x) = bought.get_mut((i * np + p) * ncls + cls) {
                    *x += pair;
                }
                if exempt {
                    c.excise_exempt_kwh += pair;
                }
            }
        }
        for p in 0..np {
            if let Some(pr) = pm.get_mut(p).and_then(|v| v.last_mut()) {
                if community.producer_present(p, t) {
                    pr.member_days = Some(pr.member_days.map_or((day, day), |(a, _)| (a, day)));
                }
                pr.production_kwh += allocation.production_kwh(t, p);
                pr.self_consumed_kwh += allocation.producer_allocated_kwh(t, p);
                pr.surplus_kwh += allocation.surplus_kwh(t, p);
            }
        }
    }
    closing.close(&mut cm, &mut pm, &mut bought, months.len());
    Ok(Settlement {
        months,
        consumers,
        producers,
        consumer_months: cm,
        producer_months: pm,
    })
}

fn axis_first_day(axis: &quartier_timeseries::Axis) -> NaiveDate {
    axis.time(0)
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive()
}

/// What closing a month needs besides the month's sums.
struct Closing<'a> {
    producers: &'a [MemberId],
    classes: &'a PriceClasses,
    prices: &'a Prices,
}

impl Closing<'_> {
    /// Closes the last of `open` months (none when 0): see [`close_month`].
    fn close(
        &self,
        cm: &mut [Vec<ConsumerMonth>],
        pm: &mut [Vec<ProducerMonth>],
        bought: &mut [f64],
        open: usize,
    ) {
        if let Some(m) = open.checked_sub(1) {
            close_month(cm, pm, bought, m, self);
        }
    }
}

/// Turns month `m`'s bought energy into invoice lines, credits each line to its producer, and
/// prices the producers' surplus; clears `bought`.
fn close_month(
    cm: &mut [Vec<ConsumerMonth>],
    pm: &mut [Vec<ProducerMonth>],
    bought: &mut [f64],
    m: usize,
    c: &Closing<'_>,
) {
    let (producers, classes, prices) = (c.producers, c.classes, c.prices);
    let np = producers.len();
    let ncls = classes.classes.len().max(1);
    for (i, months) in cm.iter_mut().enumerate() {
        let Some(c) = months.get_mut(m) else { continue };
        for (p, producer) in producers.iter().enumerate() {
            for (cls, (name, price)) in classes.classes.iter().enumerate() {
                let Some(x) = bought.get_mut((i * np + p) * ncls + cls) else {
                    continue;
                };
                if *x <= 0.0 {
                    continue;
                }
                let line = PricedEnergy {
                    producer: producer.clone(),
                    period: name.clone(),
                    eur_per_kwh: *price,
                    kwh: *x,
                };
                *x = 0.0;
                if let Some(pr) = pm.get_mut(p).and_then(|v| v.get_mut(m)) {
                    pr.revenue_eur += line.amount_eur();
                }
                c.local_energy.push(line);
            }
        }
    }
    for pr in pm.iter_mut().filter_map(|v| v.get_mut(m)) {
        pr.surplus_revenue_eur = line_amount(kwh(pr.surplus_kwh), prices.surplus_eur_per_kwh);
    }
}

#[cfg(test)]
mod month_tests {
    use super::Month;

    #[test]
    fn months_read_as_written_and_nothing_else() {
        assert_eq!(
            Month::parse("2025-03"),
            Some(Month {
                year: 2025,
                month: 3
            })
        );
        assert_eq!(
            Month::parse("2025-03").map(|m| m.to_string()).as_deref(),
            Some("2025-03")
        );
        for bad in [
            "2025-13", "2025-3", "25-03", "2025/03", "", "2025-00", "abcd-ef", "+202-03", "2025-+3",
        ] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
    }
}
