//! Monthly settlement: for every participant and local month (Europe/Paris), the energies of
//! the operation and the money they carry.
//!
//! Consumers: consumption, self-consumed (= allocated) energy and complement, each split by
//! TURPE period; the local cost of self-consumed energy (per step, each kWh at the price of
//! its producer or of the consumer, per [`crate::PriceBasis`]); the part of self-consumed
//! energy exempt from the excise (from producers under the exemption threshold, when the
//! option is chosen). Producers: production, self-consumed (allocated to consumers) and
//! surplus, and the revenue of self-consumed energy. A storage member is settled on both sides.
//!
//! **Invariant:** for every member, the monthly sums add up to the allocation's sums over the
//! axis (tested): settlement only regroups the allocation, it never changes an energy.

use chrono::Datelike;
use quartier_share::{Allocation, Community, MemberId};

use crate::{BillingError, Prices, TariffTable};

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
    /// Regulated values.
    pub tariff: TariffTable,
    /// The PMO's prices.
    pub prices: Prices,
    /// The TURPE option billed.
    pub turpe: TurpeChoice,
    /// Apply the excise exemption to self-consumed energy from renewable producers under the
    /// threshold of the tariff table.
    pub excise_exemption: bool,
}

/// A local calendar month (Europe/Paris).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
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
    /// What the self-consumed energy costs at the local price(s), EUR.
    pub local_cost_eur: f64,
    /// Hours of the month covered by the axis.
    pub hours: f64,
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
    /// Revenue of the self-consumed part at the local price(s), EUR.
    pub revenue_eur: f64,
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
    config.tariff.validate()?;
    config
        .prices
        .validate(community.consumers(), community.producers())?;
    let axis = *community.axis();
    let consumers = community.consumers().to_vec();
    let producers = community.producers().to_vec();
    let (nc, np) = (consumers.len(), producers.len());
    let prices = &config.prices;
    let local_c: Vec<_> = consumers.iter().map(|id| prices.local_of(id)).collect();
    let local_p: Vec<_> = producers.iter().map(|id| prices.local_of(id)).collect();
    let threshold_kw = config.tariff.excise_exemption_max_kw.value;
    let exempt_p: Vec<bool> = producers
        .iter()
        .map(|id| {
            config.excise_exemption
                && community
                    .member(id)
                    .is_some_and(|m| m.installed_pv_kw < threshold_kw)
        })
        .collect();

    let mut months: Vec<Month> = Vec::new();
    let mut cm: Vec<Vec<ConsumerMonth>> = vec![Vec::new(); nc];
    let mut pm: Vec<Vec<ProducerMonth>> = vec![Vec::new(); np];
    let step_h = axis.step().hours();
    let mut price_p = vec![0.0; np];
    for t in 0..axis.len() {
        let utc = axis.time(t);
        let local = utc.with_timezone(&chrono_tz::Europe::Paris);
        let month = Month {
            year: local.year(),
            month: local.month(),
        };
        if months.last() != Some(&month) {
            months.push(month);
            cm.iter_mut().for_each(|v| v.push(ConsumerMonth::default()));
            pm.iter_mut().for_each(|v| v.push(ProducerMonth::default()));
        }
        let period = config.tariff.period(utc).index();
        for (pp, price) in price_p.iter_mut().zip(&local_p) {
            *pp = price.at(utc);
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
            c.hours += step_h;
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
            let consumer_price = local_c.get(i).map_or(0.0, |p| p.at(utc));
            for (p, (&pp, &exempt)) in price_p.iter().zip(&exempt_p).enumerate() {
                let pair = allocation.pair_kwh(t, p, i);
                if pair <= 0.0 {
                    continue;
                }
                let price = match prices.basis {
                    crate::PriceBasis::Producer => pp,
                    crate::PriceBasis::Consumer => consumer_price,
                };
                c.local_cost_eur += pair * price;
                if exempt {
                    c.excise_exempt_kwh += pair;
                }
                if let Some(pr) = pm.get_mut(p).and_then(|v| v.last_mut()) {
                    pr.revenue_eur += pair * price;
                }
            }
        }
        for p in 0..np {
            if let Some(pr) = pm.get_mut(p).and_then(|v| v.last_mut()) {
                pr.production_kwh += allocation.production_kwh(t, p);
                pr.self_consumed_kwh += allocation.producer_allocated_kwh(t, p);
                pr.surplus_kwh += allocation.surplus_kwh(t, p);
            }
        }
    }
    Ok(Settlement {
        months,
        consumers,
        producers,
        consumer_months: cm,
        producer_months: pm,
    })
}
