use super::*;
use crate::engine::SECOND;
use crate::scenario::policy::autoscale::time_of_day;

const MINIMAL: &str = r#"
horizon = "1h"
[service]
service_time = { distribution = "exponential", mean = "100ms" }
slots_per_server = 4
[workload]
base_rate = 10.0
[[policy]]
name = "own"
type = "fixed"
servers = 2
cost = { capex_per_server = 1000.0, amortization = "4y" }
"#;

#[test]
fn purchase_options_parse_with_defaults() {
    let cloud = "[[policy]]\nname = \"cloud\"\ntype = \"autoscale\"\nmin = 1\nmax = 8\nboot_time = \"90s\"\nscaling = { type = \"target-tracking\", target = 0.6 }\nbilling = { price_per_hour = 1.0 }\n";
    let plain = parse(&format!("{MINIMAL}{cloud}"), "t.toml", "t").unwrap();
    let PolicyKind::Autoscale(a) = &plain.policies[1].kind else {
        panic!("autoscale expected");
    };
    assert_eq!(a.purchase, Purchase::default());
    assert!(!a.purchase.is_mixed());
    let text = format!(
        "{MINIMAL}{cloud}purchase = {{ reserved = 4, reserved_discount = 0.4, spot_share = 0.5, spot_discount = 0.7, spot_interruptions_per_hour = 0.05, spot_notice = \"30s\" }}\n"
    );
    let mixed = parse(&text, "t.toml", "t").unwrap();
    let PolicyKind::Autoscale(a) = &mixed.policies[1].kind else {
        panic!("autoscale expected");
    };
    let p = &a.purchase;
    assert_eq!((p.reserved, p.reserved_discount), (4, 0.4));
    assert_eq!((p.spot_share, p.spot_discount), (0.5, 0.7));
    assert_eq!(p.spot_interruptions_per_hour, 0.05);
    assert_eq!(p.spot_notice, 30 * SECOND);
    // Defaults: a one-year commitment term.
    assert_eq!(p.reserved_term, 31_557_600 * SECOND);
    assert!(p.is_mixed());
}

#[test]
fn lease_contract_defaults() {
    let lease = |term: &str| {
        let text = format!(
            "{MINIMAL}[[policy]]\nname = \"idc\"\ntype = \"lease\"\nservers = 2\nterm = \"{term}\"\nprice_per_server_term = 140.0\nrenewal = {{}}\n"
        );
        let s = parse(&text, "t.toml", "t").unwrap();
        let PolicyKind::Lease(l) = &s.policies[1].kind else {
            panic!("lease expected");
        };
        l.clone()
    };
    let day = 86_400 * SECOND;
    // 30 days' notice, or half a term when the term is no longer than that.
    let quarter = lease("90d");
    assert_eq!(quarter.renewal.unwrap().notice, 30 * day);
    let month = lease("30d");
    assert_eq!(month.renewal.unwrap().notice, 15 * day);
    // One term committed, no exit clause.
    assert_eq!((month.min_terms, month.early_exit_fee), (1, None));
}

#[test]
fn the_default_scenario_is_valid() {
    let s = parse(DEFAULT_SCENARIO, DEFAULT_SCENARIO_FILE, "flash-crowd").unwrap();
    assert_eq!(s.name, "flash-crowd");
    assert_eq!(s.policies.len(), 3);
}

#[test]
fn defaults_fill_in() {
    let s = parse(MINIMAL, "m.toml", "minimal").unwrap();
    assert_eq!(s.name, "minimal");
    assert_eq!(s.seed, 1);
    assert_eq!(s.sample_every, 60 * SECOND);
    assert_eq!(s.service.queue_limit, 10_000);
    let PolicyKind::Fixed(f) = &s.policies[0].kind else {
        panic!()
    };
    assert_eq!(f.pue, 1.58);
    assert_eq!(f.amortization, 4.0 * 31_557_600.0);
}

#[test]
fn unknown_field_is_an_error_with_its_line() {
    let text = MINIMAL.replace("slots_per_server = 4", "slots_per_server = 4\nslots = 3");
    let e = parse(&text, "m.toml", "m").unwrap_err().to_string();
    assert!(e.starts_with("m.toml:6:"), "{e}");
    assert!(e.contains("unknown field `slots`"), "{e}");
}

/// Policies, shapes and scaling rules are tagged tables that serde reads whole; their
/// errors must still name the field inside and its line.
#[test]
fn errors_inside_tagged_tables_name_the_field_and_line() {
    let two = format!(
        "{MINIMAL}[[policy]]\nname = \"cloud\"\ntype = \"autoscale\"\nmin = 1\nmax = 4\n\
         boot_time = \"90s\"\nscaling = {{ type = \"target-tracking\", target = 0.6 }}\n\
         billing = {{ price_per_hour = 0.4 }}\n"
    );
    parse(&two, "m.toml", "m").expect("the base text is valid");
    let cases = [
        (
            "boot_time = \"90s\"",
            "boot_time = 90",
            "m.toml:18:1: field `policy[1].boot_time`: invalid type: integer `90`",
        ),
        (
            "min = 1",
            "min = -1",
            "m.toml:16:1: field `policy[1].min`: invalid value",
        ),
        (
            "target = 0.6",
            "target = \"high\"",
            "m.toml:19:39: field `policy[1].scaling.target`: invalid type",
        ),
        (
            "servers = 2",
            "servers = 2\nsize = 3",
            "m.toml:12:1: field `policy[0].size`: unknown field `size`",
        ),
        (
            "type = \"fixed\"\n",
            "",
            "m.toml:8:1: field `policy[0]`: missing field `type`",
        ),
        (
            "mean = \"100ms\" }",
            "mean = \"100ms\", sd = 1 }",
            "m.toml:4:64: field `service.service_time.sd`",
        ),
    ];
    for (from, to, want) in cases {
        let text = two.replacen(from, to, 1);
        let e = parse(&text, "m.toml", "m").unwrap_err().to_string();
        assert!(e.starts_with(want), "{e}\n wanted {want}");
    }
}

#[test]
fn semantic_error_names_field_and_line() {
    let text = MINIMAL.replace("servers = 2", "servers = 0");
    let e = parse(&text, "m.toml", "m").unwrap_err().to_string();
    assert!(
        e.starts_with("m.toml:11:1: field `policy[0].servers`"),
        "{e}"
    );
}

#[test]
fn profile_points_are_scaled_to_mean_one() {
    let text = MINIMAL.replace(
        "base_rate = 10.0",
        "base_rate = 10.0\n[[workload.shape]]\ntype = \"profile\"\npoints = [1.0, 3.0]",
    );
    let s = parse(&text, "m.toml", "m").unwrap();
    let Shape::Profile { points, .. } = &s.workload.shapes[0] else {
        panic!()
    };
    assert_eq!(points, &vec![0.5, 1.5]);
}

/// MINIMAL with an autoscale policy (policy[1]) whose scaling / billing are given.
fn with_cloud(scaling: &str, billing: &str) -> Result<Scenario, ScenarioError> {
    let text = format!(
        "{MINIMAL}\n[[policy]]\nname = \"cloud\"\ntype = \"autoscale\"\nmin = 1\nmax = 20\nboot_time = \"90s\"\nscaling = {scaling}\nbilling = {billing}\n"
    );
    parse(&text, "m.toml", "m")
}

fn cloud(s: &Scenario) -> &AutoscaleSpec {
    let PolicyKind::Autoscale(a) = &s.policies[1].kind else {
        panic!()
    };
    a
}

const PRICE: &str = "{ price_per_hour = 0.384 }";

#[test]
fn scaling_strategies_parse_with_aws_and_kubernetes_defaults() {
    let s = with_cloud(
        r#"{ type = "simple", scale_out_threshold = 0.7, scale_in_threshold = 0.3 }"#,
        PRICE,
    )
    .unwrap();
    assert_eq!(
        cloud(&s).scaling,
        Scaling::Simple(SimpleScaling {
            period: 60 * SECOND,
            scale_out_threshold: 0.7,
            scale_in_threshold: 0.3,
            evaluation_periods: 1,
            adjustment: 1,
            cooldown: 300 * SECOND,
        })
    );
    let s = with_cloud(r#"{ type = "hpa", target = 0.6 }"#, PRICE).unwrap();
    assert_eq!(
        cloud(&s).scaling,
        Scaling::Hpa(HpaScaling {
            target: 0.6,
            tolerance: 0.1,
            period: 15 * SECOND,
            scale_down_stabilization: 300 * SECOND,
            scale_up_pods: 4,
            scale_up_percent: 100.0,
        })
    );
    // Steps come back sorted by bound.
    let s = with_cloud(
        r#"{ type = "step", threshold = 0.6, steps = [{ lower = 0.2, change = 3 }, { lower = 0.0, upper = 0.2, change = 1 }, { upper = -0.3, change = -1 }] }"#,
        PRICE,
    )
    .unwrap();
    let Scaling::Step(st) = &cloud(&s).scaling else {
        panic!()
    };
    assert_eq!(st.adjustment_type, AdjustmentType::ChangeInCapacity);
    assert_eq!(st.warmup, 300 * SECOND);
    assert_eq!(st.evaluation_periods, 1);
    let changes: Vec<i64> = st.steps.iter().map(|s| s.change).collect();
    assert_eq!(changes, vec![-1, 1, 3]);
}

#[test]
fn scaling_errors_name_the_field() {
    let cases = [
        (
            r#"{ type = "simple", scale_out_threshold = 0.7, scale_in_threshold = 0.8 }"#,
            "policy[1].scaling.scale_in_threshold",
        ),
        (
            r#"{ type = "simple", scale_out_threshold = 0.7, scale_in_threshold = 0.3, cooldown = "101y" }"#,
            "policy[1].scaling.cooldown",
        ),
        (
            r#"{ type = "simple", scale_out_threshold = 0.7, scale_in_threshold = 0.3, adjustment = 0 }"#,
            "policy[1].scaling.adjustment",
        ),
        (
            r#"{ type = "step", threshold = 0.6, steps = [] }"#,
            "policy[1].scaling.steps",
        ),
        (
            r#"{ type = "step", threshold = 0.6, steps = [{ lower = -0.1, upper = 0.1, change = 1 }] }"#,
            "policy[1].scaling.steps[0]",
        ),
        (
            r#"{ type = "step", threshold = 0.6, steps = [{ lower = 0.0, change = -1 }] }"#,
            "policy[1].scaling.steps[0].change",
        ),
        (
            r#"{ type = "step", threshold = 0.6, steps = [{ lower = 0.0, upper = 0.2, change = 1 }, { lower = 0.1, change = 2 }] }"#,
            "policy[1].scaling.steps[1]",
        ),
        (
            r#"{ type = "step", threshold = 0.6, steps = [{ lower = 0.0, change = 1 }], min_adjustment_magnitude = 2 }"#,
            "policy[1].scaling.min_adjustment_magnitude",
        ),
        (
            r#"{ type = "step", threshold = 0.6, adjustment_type = "exact-capacity", steps = [{ lower = 0.0, change = 21 }] }"#,
            "policy[1].scaling.steps[0].change",
        ),
        (
            r#"{ type = "hpa", target = 0.6, tolerance = 1.5 }"#,
            "policy[1].scaling.tolerance",
        ),
        (
            r#"{ type = "hpa", target = 0.0 }"#,
            "policy[1].scaling.target",
        ),
    ];
    for (scaling, field) in cases {
        let e = with_cloud(scaling, PRICE).unwrap_err().to_string();
        assert!(e.contains(&format!("field `{field}`")), "{scaling}: {e}");
        assert!(e.starts_with("m.toml:"), "{e}");
    }
    // Unknown fields inside a strategy are errors too.
    let e = with_cloud(r#"{ type = "hpa", target = 0.6, cooldown = "1m" }"#, PRICE)
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown field `cooldown`"), "{e}");
    let e = with_cloud(r#"{ type = "cron" }"#, PRICE)
        .unwrap_err()
        .to_string();
    assert!(e.contains("cron"), "{e}");
}

#[test]
fn new_strategies_parse_with_their_defaults() {
    let s = with_cloud(
        r#"{ type = "target-tracking", target = 0.6, queue_length_target = 10.0, request_rate_target = 50.0 }"#,
        PRICE,
    )
    .unwrap();
    let Scaling::TargetTracking(t) = &cloud(&s).scaling else {
        panic!()
    };
    // Always in the order utilisation, request rate, queue length.
    let metrics: Vec<(Metric, f64)> = t.metrics.iter().map(|m| (m.metric, m.target)).collect();
    assert_eq!(
        metrics,
        vec![
            (Metric::Utilization, 0.6),
            (Metric::RequestRate, 50.0),
            (Metric::QueueLength, 10.0)
        ]
    );
    let s = with_cloud(
        r#"{ type = "predictive", target = 0.5, reactive = { type = "hpa", target = 0.6 } }"#,
        PRICE,
    )
    .unwrap();
    let Scaling::Predictive(p) = &cloud(&s).scaling else {
        panic!()
    };
    assert_eq!(p.scheduling_buffer, 300 * SECOND);
    assert_eq!(p.history, 14 * 86_400 * SECOND);
    // The group is evaluated at the reactive strategy's period (HPA: 15 s).
    assert_eq!(cloud(&s).scaling.period(), 15 * SECOND);
    let text = format!(
        "{MINIMAL}\n[[policy]]\nname = \"cloud\"\ntype = \"autoscale\"\nmin = 1\nmax = 20\nboot_time = \"90s\"\nscaling = {{ type = \"scheduled\" }}\nbilling = {PRICE}\n\
         [[policy.schedule]]\nat = \"08:30\"\ndays = [\"Mon\", \"fri\"]\ndesired = 6\n\
         [[policy.schedule]]\nat = \"23:59:30\"\nmin = 1\nmax = 2\n"
    );
    let s = parse(&text, "m.toml", "m").unwrap();
    let a = &cloud(&s).schedule;
    assert_eq!(cloud(&s).scaling.period(), 60 * SECOND);
    assert_eq!(
        (a[0].at, a[0].days, a[0].desired),
        (8 * 3600 * SECOND + 1800 * SECOND, 0b1_0001, Some(6))
    );
    assert_eq!(
        (a[1].at, a[1].days, a[1].min, a[1].max),
        ((86_400 - 30) * SECOND, 0x7f, Some(1), Some(2))
    );
    // An error inside the second action names it and its line.
    let bad = text.replace("max = 2\n", "max = 2\ndesired = 3\n");
    let e = parse(&bad, "m.toml", "m").unwrap_err().to_string();
    assert!(
        e.starts_with("m.toml:30:1: field `policy[1].schedule[1].desired`"),
        "{e}"
    );
}

#[test]
fn time_of_day_is_strict() {
    assert_eq!(time_of_day("00:00"), Some(0));
    assert_eq!(time_of_day("23:59:59"), Some(86_399 * SECOND));
    for bad in [
        "24:00",
        "8:00",
        "08:60",
        "08",
        "08:00:00:00",
        "-1:00",
        "08:0a",
        "",
    ] {
        assert_eq!(time_of_day(bad), None, "{bad}");
    }
}

#[test]
fn billing_presets_map_to_granularity_and_minimum() {
    let tt = r#"{ type = "target-tracking", target = 0.6 }"#;
    let rules = |billing: &str| {
        let s = with_cloud(tt, billing).unwrap();
        let b = &cloud(&s).billing;
        (b.granularity / SECOND, b.minimum / SECOND)
    };
    assert_eq!(rules(PRICE), (1, 60));
    assert_eq!(
        rules(r#"{ preset = "aws-linux", price_per_hour = 1.0 }"#),
        (1, 60)
    );
    assert_eq!(
        rules(r#"{ preset = "gcp", price_per_hour = 1.0 }"#),
        (1, 60)
    );
    assert_eq!(
        rules(r#"{ preset = "azure-minute", price_per_hour = 1.0 }"#),
        (60, 60)
    );
    assert_eq!(
        rules(r#"{ preset = "hourly", price_per_hour = 1.0 }"#),
        (3600, 3600)
    );
    // Explicit fields override the preset.
    assert_eq!(
        rules(r#"{ preset = "hourly", price_per_hour = 1.0, minimum = "0s" }"#),
        (3600, 0)
    );
    assert_eq!(
        rules(r#"{ price_per_hour = 1.0, granularity = "10s" }"#),
        (10, 60)
    );
    let e = with_cloud(tt, r#"{ preset = "oracle", price_per_hour = 1.0 }"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("field `policy[1].billing.preset`"), "{e}");
    assert!(e.contains("\"oracle\""), "{e}");
}

#[test]
fn gcp_mig_parses_with_googles_defaults() {
    let s = with_cloud(r#"{ type = "gcp-mig" }"#, PRICE).unwrap();
    assert_eq!(
        cloud(&s).scaling,
        Scaling::GcpMig(GcpMigScaling {
            target: 0.6,
            period: 60 * SECOND,
            initialization: 60 * SECOND,
            stabilization: 600 * SECOND,
            scale_in_max: None,
            scale_in_window: 600 * SECOND,
        })
    );
    // Usable as a predictive policy's reactive strategy.
    let s = with_cloud(
        r#"{ type = "predictive", target = 0.5, reactive = { type = "gcp-mig", scale_in_max = 2 } }"#,
        PRICE,
    )
    .unwrap();
    assert_eq!(
        s.policies[1].kind.cloud().unwrap().scaling.type_name(),
        "predictive"
    );
    let e = with_cloud(r#"{ type = "gcp-mig", target = 1.5 }"#, PRICE)
        .unwrap_err()
        .to_string();
    assert!(e.contains("field `policy[1].scaling.target`"), "{e}");
}

/// An unknown strategy is named with every registered one, at the `type` key.
#[test]
fn unknown_strategy_lists_the_registered_ones() {
    let e = with_cloud(r#"{ type = "steps" }"#, PRICE)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("m.toml:20:13: field `policy[1].scaling.type`"),
        "{e}"
    );
    for name in [
        "target-tracking",
        "simple",
        "step",
        "hpa",
        "scheduled",
        "predictive",
        "gcp-mig",
    ] {
        assert!(e.contains(&format!("\"{name}\"")), "{name}: {e}");
    }
}
