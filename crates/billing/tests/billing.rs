//! Settlement, bills and the optimised key on small hand-checked communities and random ones.

use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use quartier_billing::money::Decimal;
use quartier_billing::*;
use quartier_share::{
    Community, CommunityBuilder, Key, Member, MemberId, Membership, Role, allocate,
};
use quartier_timeseries::{Axis, Quantity, Series, Step};

fn id(s: &str) -> MemberId {
    MemberId::new(s).unwrap()
}

fn rates(a: f64, b: f64, c: f64, d: f64) -> PeriodRates {
    let c_ = |v| Cited::new(v, "hand-made test value");
    PeriodRates {
        hph: c_(a),
        hch: c_(b),
        hpb: c_(c),
        hcb: c_(d),
    }
}

fn table() -> TariffTable {
    TariffTable {
        name: "test".into(),
        name_fr: "essai".into(),
        effective_from: NaiveDate::from_ymd_opt(2025, 8, 1).unwrap(),
        next_change: None,
        offpeak_start_hour: 22,
        offpeak_end_hour: 6,
        high_season_months: vec![11, 12, 1, 2, 3],
        standard_management_eur_per_year: Cited::new(12.0, "t"),
        metering_eur_per_year: Cited::new(24.0, "t"),
        standard_energy: rates(0.08, 0.04, 0.02, 0.01),
        acc_management_eur_per_year: Cited::new(36.0, "t"),
        acc_self_consumed: rates(0.02, 0.01, 0.01, 0.005),
        acc_complement: rates(0.09, 0.05, 0.03, 0.01),
        excise_eur_per_kwh: Cited::new(0.03, "t"),
        excise_exemption_max_kw: Cited::new(1000.0, "t"),
        cta_percent: Cited::new(21.93, "t"),
        vat_energy_percent: Cited::new(20.0, "t"),
        vat_fixed_percent: Cited::new(5.5, "t"),
    }
}

/// pv (50 kWp) and three consumers a, b, c on `steps` half-hours from 2025-01-15 12:00 Paris.
fn community(steps: usize, p: f64, c: [f64; 3]) -> Community {
    let axis = Axis::new(
        Utc.with_ymd_and_hms(2025, 1, 15, 11, 0, 0).unwrap(),
        Step::MIN30,
        steps,
    )
    .unwrap();
    let kwh = |v: f64| Series::new(axis, Quantity::EnergyKwh, vec![v; steps]).unwrap();
    let mut b = CommunityBuilder::new(axis)
        .member(Member::new(id("pv"), Role::Producer).with_pv_kw(50.0))
        .curve(&id("pv"), kwh(p));
    for (name, v) in ["a", "b", "c"].iter().zip(c) {
        b = b
            .member(Member::new(id(name), Role::Consumer))
            .curve(&id(name), kwh(v));
    }
    b.build().unwrap()
}

fn config(turpe: TurpeChoice) -> BillingConfig {
    BillingConfig {
        tariffs: TariffHistory::single(table()).unwrap(),
        prices: Prices::flat(0.10, 0.20),
        turpe,
        excise_exemption: true,
        local_energy_vat: VatRegime::Charged,
        data_gaps: Vec::new(),
        official_months: Vec::new(),
    }
}

fn members(c: &Community) -> Vec<(MemberId, String, Role)> {
    c.members()
        .iter()
        .map(|m| (m.id.clone(), format!("Name of {}", m.id), m.role))
        .collect()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// (amount, VAT) of each line, as decimal strings.
fn amounts(lines: &[Line]) -> Vec<(String, String)> {
    lines
        .iter()
        .map(|l| (l.amount_eur.to_string(), l.vat_eur.to_string()))
        .collect()
}

#[test]
fn statement_lines_are_rounded_half_up_line_by_line_as_computed_by_hand() {
    let com = community(2, 6.0, [2.0, 3.0, 5.0]);
    let alloc = allocate(&com, &Key::Default).unwrap();
    let cfg = config(TurpeChoice::Acc);
    let s = settle(&com, &alloc, &cfg).unwrap();
    assert_eq!(
        s.months,
        vec![Month {
            year: 2025,
            month: 1
        }]
    );
    let all = statements(&s, &cfg, &members(&com));
    let a = all.iter().find(|b| b.member == id("a")).unwrap();
    // a: C = 2 + 2, allocated 1.2 + 1.2, complement 1.6; all HPH; 1 day of a 365-day year.
    assert!((a.self_consumed_kwh - 2.4).abs() < 1e-12);
    assert!((a.complement_kwh - 1.6).abs() < 1e-12);
    // By hand, each line rounded half-up to the cent, VAT per line (energy 20 %, fixed 5.5 %):
    let want = [
        ("0.24", "0.05"), // local energy 2.400 kWh × 0.10; VAT 0.048
        ("0.32", "0.06"), // complement 1.600 × 0.20; VAT 0.064
        ("0.05", "0.01"), // ACC autoproduit HPH 2.400 × 0.02 = 0.048; VAT 0.01
        ("0.14", "0.03"), // ACC alloproduit HPH 1.600 × 0.09 = 0.144; VAT 0.028
        ("0.10", "0.01"), // ACC management 1 day × 0.098630 (36/365); VAT 0.0055
        ("0.07", "0.00"), // metering 1 day × 0.065753 (24/365); VAT 0.00385
        ("0.04", "0.00"), // CTA 21.93 % of 0.17 = 0.037281; VAT 0.0022
        ("0.05", "0.01"), // excise on 1.600 kWh (self-consumption exempt) × 0.03 = 0.048
        ("0.00", "0.00"), // the exempt 2.400 kWh
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, v)| (a.to_string(), v.to_string()))
        .collect();
    let got = amounts(&a.lines);
    // Amounts print with the scale they have: compare as decimals.
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!((d(&g.0), d(&g.1)), (d(&w.0), d(&w.1)), "{got:?}");
    }
    assert_eq!(a.total_eur(), d("1.01"));
    assert_eq!(a.total_incl_vat_eur(), d("1.18"));
    let cmp = a.comparison.as_ref().unwrap();
    // Without: 4 kWh × 0.20 = 0.80 (VAT 0.16), standard HPH 4 × 0.08 = 0.32 (0.06), management
    // 1 × 0.032877 = 0.03, metering 0.07, CTA 21.93 % of 0.10 = 0.02, excise 4 × 0.03 = 0.12
    // (0.02).
    assert_eq!(cmp.without_operation_eur, d("1.36"));
    assert_eq!(cmp.without_operation_incl_vat_eur, d("1.60"));
    assert_eq!(cmp.turpe_standard_eur, d("0.42"));
    assert_eq!(cmp.turpe_acc_eur, d("0.36"));
    assert_eq!(cmp.saving_incl_vat_eur(), d("0.42"));
    // Producer statement: 2.4 + 3.6 + 6.0 kWh sold at 0.10 (a credit), no surplus.
    let pv = all.iter().find(|b| b.member == id("pv")).unwrap();
    assert_eq!(pv.total_eur(), d("-1.20"));
    assert!(pv.comparison.is_none());
    // Without the exemption the whole consumption is taxed.
    let mut cfg2 = config(TurpeChoice::Standard);
    cfg2.excise_exemption = false;
    let s2 = settle(&com, &alloc, &cfg2).unwrap();
    let a2 = statements(&s2, &cfg2, &members(&com))
        .into_iter()
        .find(|b| b.member == id("a"))
        .unwrap();
    let excise = a2
        .lines
        .iter()
        .find(|l| l.label_en == "Excise on electricity")
        .unwrap();
    assert_eq!(excise.amount_eur, d("0.12"));
}

/// A community of one producer and consumer a alone (b and c consume nothing), one step of
/// `kwh` shared entirely with a.
fn one_sale(kwh: f64) -> (Community, Settlement, BillingConfig) {
    let com = community(1, kwh, [kwh, 0.0, 0.0]);
    let alloc = allocate(&com, &Key::Default).unwrap();
    let cfg = config(TurpeChoice::Standard);
    let s = settle(&com, &alloc, &cfg).unwrap();
    (com, s, cfg)
}

fn invoicing(vat: VatRegime) -> InvoiceConfig {
    InvoiceConfig {
        issuer: Party {
            name: "PMO".into(),
            address: vec!["1 rue de la Mairie".into(), "92190 Meudon".into()],
            siret: Some("12345678900011".into()),
            vat_number: Some("FR00123456789".into()),
            legal_form: None,
        },
        number_prefix: "MLF-".into(),
        payment_days: 30,
        vat,
        late_penalty_percent: None,
        customers: Vec::new(),
    }
}

fn request() -> InvoiceRequest {
    InvoiceRequest {
        operation: "Test".into(),
        month: Month {
            year: 2025,
            month: 1,
        },
        issue_date: NaiveDate::from_ymd_opt(2025, 2, 3).unwrap(),
    }
}

#[test]
fn invoice_amounts_are_half_up_to_the_cent_as_computed_by_hand() {
    // The two amounts of the issue: 87.450 kWh × 0.10 € = 8.745 → 8.75 € (a float printed
    // 8.74), 23.050 kWh × 0.10 € = 2.305 → 2.31 €.
    for (energy, amount, vat, total) in [
        (87.45, "8.75", "1.75", "10.50"),
        (23.05, "2.31", "0.46", "2.77"),
    ] {
        let (com, s, cfg) = one_sale(energy);
        let issued = issue_invoices(
            &request(),
            &s,
            &cfg,
            &invoicing(VatRegime::Charged),
            &members(&com),
            &[],
        )
        .unwrap();
        assert_eq!(issued.invoices.len(), 1, "only a received local energy");
        let inv = &issued.invoices[0];
        assert_eq!(inv.number, "MLF-000001");
        assert_eq!(inv.lines.len(), 1);
        assert_eq!(inv.lines[0].quantity, d(&format!("{energy}")));
        assert_eq!(inv.lines[0].amount_eur, d(amount));
        assert_eq!(inv.lines[0].vat_eur, d(vat));
        assert_eq!(inv.total_incl_vat_eur(), d(total));
        assert_eq!(inv.vat_by_rate(), vec![(d("20"), d(amount), d(vat))]);
        assert_eq!(inv.due_date, NaiveDate::from_ymd_opt(2025, 3, 5).unwrap());
        // The sale's period: the days of the month the curves cover (one step on 15 January).
        let jan15 = NaiveDate::from_ymd_opt(2025, 1, 15).unwrap();
        assert_eq!(inv.period, (jan15, jan15));
        // The producer earns exactly what the consumer pays.
        assert_eq!(s.producer_months[0][0].revenue_eur, d(amount));
    }
}

#[test]
fn invoice_numbers_continue_the_ledger_and_never_change() {
    let com = community(2, 6.0, [2.0, 3.0, 5.0]);
    let alloc = allocate(&com, &Key::Default).unwrap();
    let cfg = config(TurpeChoice::Acc);
    let s = settle(&com, &alloc, &cfg).unwrap();
    let inv = invoicing(VatRegime::Franchise);
    let earlier = |n: u64, prefix: &str| LedgerEntry {
        number: format!("{prefix}{n:06}"),
        prefix: prefix.into(),
        sequence: n,
        member: id("a"),
        month: Month {
            year: 2024,
            month: 12,
        },
        issue_date: NaiveDate::from_ymd_opt(2025, 1, 5).unwrap(),
        total_excl_vat_eur: d("1"),
        total_incl_vat_eur: d("1"),
    };
    // Another prefix's numbers do not count.
    let ledger = vec![earlier(7, "MLF-"), earlier(40, "OLD-")];
    let first = issue_invoices(&request(), &s, &cfg, &inv, &members(&com), &ledger).unwrap();
    let numbers: Vec<&str> = first.invoices.iter().map(|i| i.number.as_str()).collect();
    assert_eq!(numbers, ["MLF-000008", "MLF-000009", "MLF-000010"]);
    assert_eq!(first.new_entries.len(), 3);
    let a = &first.invoices[0];
    // Franchise: no VAT, and the invoice says why.
    assert_eq!(a.total_vat_eur(), Decimal::ZERO);
    assert_eq!(a.total_incl_vat_eur(), d("0.24"));
    assert!(
        a.mentions
            .iter()
            .any(|m| m.fr == "TVA non applicable, art. 293 B du CGI.")
    );
    assert!(a.mentions.iter().any(|m| m.fr.contains("40 €")));
    // Issued again later: the same numbers and dates, as copies; nothing new for the ledger.
    let mut ledger2 = ledger.clone();
    ledger2.extend(first.new_entries.iter().cloned());
    let mut later = request();
    later.issue_date = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
    let again = issue_invoices(&later, &s, &cfg, &inv, &members(&com), &ledger2).unwrap();
    assert!(again.new_entries.is_empty());
    assert!(again.invoices.iter().all(|i| i.reprint));
    assert_eq!(again.invoices[0].number, "MLF-000008");
    assert_eq!(again.invoices[0].issue_date, request().issue_date);
    // Amounts that changed are refused, naming the invoice.
    let mut cfg3 = cfg.clone();
    cfg3.prices = Prices::flat(0.11, 0.20);
    let s3 = settle(&com, &alloc, &cfg3).unwrap();
    let err = issue_invoices(&request(), &s3, &cfg3, &inv, &members(&com), &ledger2).unwrap_err();
    assert!(err.to_string().contains("MLF-000008"), "{err}");
    assert!(err.to_string().contains("credit note"), "{err}");
    // A month the curves do not cover.
    let mut june = request();
    june.month = Month {
        year: 2025,
        month: 6,
    };
    let err = issue_invoices(&june, &s, &cfg, &inv, &members(&com), &[]).unwrap_err();
    assert!(err.to_string().contains("do not cover 2025-06"), "{err}");
}

#[test]
fn a_month_is_billed_with_the_grid_in_force_on_its_first_day() {
    let com = community(3, 6.0, [2.0, 3.0, 5.0]);
    let alloc = allocate(&com, &Key::Default).unwrap();
    // January 2025 with only a grid from 2025-08-01: every statement says so.
    let cfg = config(TurpeChoice::Acc);
    let s = settle(&com, &alloc, &cfg).unwrap();
    let all = statements(&s, &cfg, &members(&com));
    assert!(!all.is_empty());
    for b in &all {
        assert!(
            b.notes
                .iter()
                .any(|n| n.en.contains("comes before the oldest grid")
                    && n.fr.contains("précède la plus ancienne grille")),
            "{:?}",
            b.notes
        );
    }
    // With an older grid (excise 0.05) and the later one: January takes the older one.
    let mut older = table();
    older.effective_from = NaiveDate::from_ymd_opt(2024, 2, 1).unwrap();
    older.excise_eur_per_kwh = Cited::new(0.05, "t");
    let mut cfg = cfg;
    cfg.tariffs = TariffHistory::new(vec![table(), older]).unwrap();
    for b in statements(&s, &cfg, &members(&com)) {
        assert!(!b.notes.iter().any(|n| n.en.contains("oldest grid")));
        if let Some(excise) = b
            .lines
            .iter()
            .find(|l| l.label_en == "Excise on electricity")
        {
            assert_eq!(excise.unit_price_eur, Some(d("0.05")));
        }
    }
    let (g, before) = cfg
        .tariffs
        .in_force(NaiveDate::from_ymd_opt(2025, 8, 1).unwrap());
    assert!(!before);
    assert_eq!(
        g.effective_from,
        NaiveDate::from_ymd_opt(2025, 8, 1).unwrap()
    );
    assert!(TariffHistory::new(vec![table(), table()]).is_err());
    assert!(TariffHistory::new(vec![]).is_err());
}

#[test]
fn a_member_who_joins_is_billed_for_the_days_it_belongs() {
    // Four days of hours from 30 January 2025 00:00 Paris; b joins on 1 February.
    let axis = Axis::new(
        Utc.with_ymd_and_hms(2025, 1, 29, 23, 0, 0).unwrap(),
        Step::MIN60,
        96,
    )
    .unwrap();
    let kwh = |v: f64| Series::new(axis, Quantity::EnergyKwh, vec![v; 96]).unwrap();
    let joins = Utc.with_ymd_and_hms(2025, 1, 31, 23, 0, 0).unwrap();
    let com = CommunityBuilder::new(axis)
        .member(Member::new(id("pv"), Role::Producer).with_pv_kw(50.0))
        .curve(&id("pv"), kwh(4.0))
        .member(Member::new(id("a"), Role::Consumer))
        .curve(&id("a"), kwh(4.0))
        .member(
            Member::new(id("b"), Role::Consumer)
                .with_membership(Membership::between(Some(joins), None)),
        )
        .curve(&id("b"), kwh(4.0))
        .build()
        .unwrap();
    let alloc = allocate(&com, &Key::Default).unwrap();
    let cfg = config(TurpeChoice::Standard);
    let s = settle(&com, &alloc, &cfg).unwrap();
    assert_eq!(s.months.len(), 2);
    let b_jan = s.consumer(&id("b"), 0).unwrap();
    assert_eq!(
        (b_jan.days, b_jan.member_days, b_jan.consumption_kwh),
        (0, None, 0.0)
    );
    let b_feb = s.consumer(&id("b"), 1).unwrap();
    let (feb1, feb2) = (
        NaiveDate::from_ymd_opt(2025, 2, 1).unwrap(),
        NaiveDate::from_ymd_opt(2025, 2, 2).unwrap(),
    );
    assert_eq!((b_feb.days, b_feb.member_days), (2, Some((feb1, feb2))));
    // a takes everything in January, half from February on.
    assert_eq!(
        s.consumer(&id("a"), 0).unwrap().self_consumed_kwh,
        2.0 * 24.0 * 4.0
    );
    assert_eq!(
        s.consumer(&id("a"), 1).unwrap().self_consumed_kwh,
        2.0 * 24.0 * 2.0
    );
    let st = statements(&s, &cfg, &members(&com));
    assert!(
        !st.iter().any(|x| x.member == id("b") && x.month.month == 1),
        "no statement before it joined"
    );
    let b = st
        .iter()
        .find(|x| x.member == id("b") && x.month.month == 2)
        .unwrap();
    let management = b
        .lines
        .iter()
        .find(|l| l.label_en.contains("management"))
        .unwrap();
    assert_eq!(
        management.quantity,
        Decimal::from(2),
        "2 days of fixed components"
    );
    assert!(
        b.notes
            .iter()
            .any(|n| n.en.contains("covers 2025-02-01 to 2025-02-02"))
    );
    let mut req = request();
    req.month = Month {
        year: 2025,
        month: 2,
    };
    let issued = issue_invoices(
        &req,
        &s,
        &cfg,
        &invoicing(VatRegime::Charged),
        &members(&com),
        &[],
    )
    .unwrap();
    let inv_b = issued
        .invoices
        .iter()
        .find(|i| i.member == id("b"))
        .unwrap();
    assert_eq!(inv_b.period, (feb1, feb2));
    // 2 days × 24 h × 2 kWh at 0.10: 9.60 EUR.
    assert_eq!(inv_b.total_excl_vat_eur(), d("9.60"));
}

#[test]
fn statements_hold_only_their_participant() {
    let com = community(3, 6.0, [2.0, 3.0, 5.0]);
    let alloc = allocate(&com, &Key::Default).unwrap();
    let cfg = config(TurpeChoice::Acc);
    let s = settle(&com, &alloc, &cfg).unwrap();
    for b in statements(&s, &cfg, &members(&com)) {
        let text = format!("{b:?}");
        for m in com.members() {
            // A consumer's statement names the producers it bought from, no other member.
            if m.id != b.member && m.role == Role::Consumer {
                assert!(
                    !text.contains(&format!("Name of {}", m.id)),
                    "{} leaks {}",
                    b.member,
                    m.id
                );
            }
        }
    }
}

#[test]
fn optimised_key_serves_the_highest_savings_first_and_beats_the_default_key() {
    let com = community(1, 6.0, [2.0, 3.0, 5.0]);
    let mut prices = Prices::flat(0.10, 0.15);
    prices.supplier = vec![(id("c"), d("0.25")), (id("a"), d("0.20"))];
    let alloc = optimised_allocation(&com, &prices).unwrap();
    alloc.check_invariants().unwrap();
    // c (0.15 saved per kWh) takes 5, then a (0.10) takes the last 1, b (0.05) nothing.
    let got: Vec<f64> = (0..3).map(|i| alloc.allocated_kwh(0, i)).collect();
    for (g, w) in got.iter().zip([1.0, 0.0, 5.0]) {
        assert!((g - w).abs() < 1e-9, "{got:?}");
    }
    let value = |a: &quartier_share::Allocation| -> f64 {
        [0.10, 0.05, 0.15]
            .iter()
            .enumerate()
            .map(|(i, v)| v * a.allocated_kwh(0, i))
            .sum()
    };
    let default = allocate(&com, &Key::Default).unwrap();
    assert!(value(&alloc) > value(&default));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn settlement_sums_equal_allocation_sums(
        steps in 1usize..200,
        p in 0.0f64..20.0,
        c in prop::array::uniform3(0.0f64..10.0),
        supplier in prop::array::uniform3(0.0f64..0.4),
    ) {
        let com = community(steps, p, c);
        let mut prices = Prices::flat(0.12, 0.2);
        prices.supplier = vec![(id("a"), money::from_file_number(supplier[0])), (id("b"), money::from_file_number(supplier[1])), (id("c"), money::from_file_number(supplier[2]))];
        for key in [Key::Default, optimised_key(&com, &prices).unwrap()] {
            let alloc = allocate(&com, &key).unwrap();
            alloc.check_invariants().unwrap();
            let cfg = BillingConfig { prices: prices.clone(), ..config(TurpeChoice::Acc) };
            let s = settle(&com, &alloc, &cfg).unwrap();
            for i in 0..3 {
                let (mut c_sum, mut a_sum, mut k_sum) = (0.0, 0.0, 0.0);
                for t in 0..steps {
                    c_sum += alloc.consumption_kwh(t, i);
                    a_sum += alloc.allocated_kwh(t, i);
                    k_sum += alloc.complement_kwh(t, i);
                }
                let months = &s.consumer_months[i];
                let sc: f64 = months.iter().map(|m| m.consumption_kwh).sum();
                let sa: f64 = months.iter().map(|m| m.self_consumed_kwh).sum();
                let sk: f64 = months.iter().map(|m| m.complement_kwh).sum();
                let sp: f64 = months.iter().map(|m| m.self_consumed_by_period_kwh.iter().sum::<f64>()).sum();
                prop_assert!((sc - c_sum).abs() < 1e-9 && (sa - a_sum).abs() < 1e-9 && (sk - k_sum).abs() < 1e-9);
                prop_assert!((sp - sa).abs() < 1e-9);
            }
            let pm = &s.producer_months[0];
            let prod: f64 = pm.iter().map(|m| m.production_kwh).sum();
            let sold: f64 = pm.iter().map(|m| m.self_consumed_kwh).sum();
            let surplus: f64 = pm.iter().map(|m| m.surplus_kwh).sum();
            prop_assert!((prod - p * steps as f64).abs() < 1e-9);
            prop_assert!((sold + surplus - prod).abs() < 1e-9);
            let consumed: f64 = s.consumer_months.iter().flatten().map(|m| m.self_consumed_kwh).sum();
            prop_assert!((consumed - sold).abs() < 1e-9);
            // Revenue of producers equals what consumers pay locally, to the cent.
            let paid: Decimal = s.consumer_months.iter().flatten().map(|m| m.local_cost_eur()).sum();
            let earned: Decimal = pm.iter().map(|m| m.revenue_eur).sum();
            prop_assert_eq!(paid, earned);
            // Every statement's total is the sum of its rounded lines, each to the cent.
            for st in statements(&s, &cfg, &members(&com)) {
                for l in st.lines.iter().chain(&st.without_lines) {
                    prop_assert_eq!(l.amount_eur, l.amount_eur.round_dp(2));
                    prop_assert_eq!(l.vat_eur, l.vat_eur.round_dp(2));
                }
                prop_assert_eq!(st.total_eur(), st.lines.iter().map(|l| l.amount_eur).sum::<Decimal>());
            }
        }
    }

    #[test]
    fn optimised_key_is_at_least_as_valuable_as_the_default_key(
        p in 0.0f64..20.0,
        c in prop::array::uniform3(0.0f64..10.0),
        supplier in prop::array::uniform3(0.0f64..0.4),
    ) {
        let com = community(1, p, c);
        let mut prices = Prices::flat(0.12, 0.2);
        prices.supplier = vec![(id("a"), money::from_file_number(supplier[0])), (id("b"), money::from_file_number(supplier[1])), (id("c"), money::from_file_number(supplier[2]))];
        let value = |a: &quartier_share::Allocation| -> f64 {
            (0..3).map(|i| (supplier[i] - 0.12) * a.allocated_kwh(0, i)).sum()
        };
        let opt = optimised_allocation(&com, &prices).unwrap();
        opt.check_invariants().unwrap();
        let def = allocate(&com, &Key::Default).unwrap();
        prop_assert!(value(&opt) >= value(&def) - 1e-9);
    }
}
