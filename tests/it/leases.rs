//! IDC leases as they behave: the fleet is resized only at renewals, from the peak seen
//! in the term, with notice; hand-computed bills in both fidelities.

use provsim::simulation::PolicyOutcome;

use crate::common::run_first;

/// 16 busy slots (2 servers of 8) all the time on 4 servers leased per `term`, with
/// `rest` (more lease fields) appended; the policy's outcome, conservation checked.
fn run_lease(fidelity: &str, horizon: &str, term: &str, price: f64, rest: &str) -> PolicyOutcome {
    let text = format!(
        r#"
horizon = "{horizon}"
sample_every = "1h"
fidelity = "{fidelity}"
[service]
service_time = {{ distribution = "exponential", mean = "1s" }}
slots_per_server = 8
[workload]
base_rate = 16.0
[[policy]]
name = "idc"
type = "lease"
servers = 4
term = "{term}"
price_per_server_term = {price:?}
{rest}
"#
    );
    run_first(&text, "lease")
}

/// Three terms with renewal, $140 a term and $100 setup.
fn lease(fidelity: &str, term: &str, horizon: &str, notice: &str) -> PolicyOutcome {
    lease_with(fidelity, term, horizon, notice, "")
}

/// [`lease`] with more contract fields (`extra`).
fn lease_with(
    fidelity: &str,
    term: &str,
    horizon: &str,
    notice: &str,
    extra: &str,
) -> PolicyOutcome {
    let renewal = format!(
        "setup_fee_per_server = 100.0\n{extra}\nrenewal = {{ headroom = 1.25, notice = \"{notice}\", lead_time = \"1h\", min_servers = 2 }}"
    );
    run_lease(fidelity, horizon, term, 140.0, &renewal)
}

#[test]
fn renewal_resizes_at_the_boundary_from_the_term_peak() {
    for (fidelity, term, horizon, notice) in [
        ("fluid", "30d", "90d", "10d"),
        ("request", "1d", "3d", "6h"),
    ] {
        let out = lease(fidelity, term, horizon, notice);
        // Peak 2 busy servers × 1.25 = 2.5 ⇒ 3 servers from the first renewal on: the
        // 4th is handed back exactly at the end of term 1, nothing changes after.
        let term_s = out.series.last().unwrap().time_s / 3.0;
        for x in &out.series {
            // (A sample at the boundary itself may see either side of it.)
            if x.time_s != term_s {
                let want = if x.time_s < term_s { 4 } else { 3 };
                assert_eq!(x.servers_ready, want, "{fidelity} at {}", x.time_s);
            }
        }
        // 4 servers × 1 term + 3 × 2 terms at $140, setup $100 for the first 4: $1800,
        // all of it charged inside the window (three whole terms) and committed. At
        // request level the returned server finishes its last requests (seconds of
        // $140/day) after the boundary, which starts no new term.
        let s = &out.summary;
        assert!(
            (s.total_cost - 1800.0).abs() < 0.01,
            "{fidelity}: {}",
            s.total_cost
        );
        assert!(
            (s.committed_cost - 1800.0).abs() < 1e-6,
            "{fidelity}: {}",
            s.committed_cost
        );
    }
}

/// The renewal wants 3 of the 4 servers from the first boundary on (as above); the
/// contract decides when the 4th may go and what that costs.
#[test]
fn a_minimum_commitment_holds_servers_and_an_early_exit_fee_buys_them_out() {
    struct Case {
        contract: &'static str,
        /// The boundary (in terms) from which 3 servers run, if any.
        three_from: Option<f64>,
        charged: f64,
        committed: f64,
        fees: f64,
    }
    let cases = [
        // Six terms each, no way out: 4 servers for the 3 terms of the window, $140 a
        // term + $100 setup ($2080 charged); each owes 6 terms: 4 × 6 × $140 + $400.
        Case {
            contract: "min_terms = 6",
            three_from: None,
            charged: 2080.0,
            committed: 3760.0,
            fees: 0.0,
        },
        // Leaving after one term costs $300 instead of 5 more terms ($700): the 4th
        // leaves at the first boundary. Charged: 4 × $140 + 3 × 2 × $140 + $400 setup +
        // $300 fee = $2100. Committed: the 3 still owe 6 terms (3 × 6 × $140 + $300
        // setup = $2820), the one that left 1 term + $100 + $300: $3360.
        Case {
            contract: "min_terms = 6\nearly_exit_fee = 300.0",
            three_from: Some(1.0),
            charged: 2100.0,
            committed: 3360.0,
            fees: 300.0,
        },
        // Two terms each; leaving after one would cost $200 against $140 owed, so the
        // 4th stays to the end of its commitment: 4 × 2 × $140 + 3 × $140 + $400 =
        // $1940, all of it committed (3 terms for the 3 left, 2 for the one returned).
        Case {
            contract: "min_terms = 2\nearly_exit_fee = 200.0",
            three_from: Some(2.0),
            charged: 1940.0,
            committed: 1940.0,
            fees: 0.0,
        },
    ];
    for case in &cases {
        for (fidelity, term, horizon, notice) in [
            ("fluid", "30d", "90d", "10d"),
            ("request", "1d", "3d", "6h"),
        ] {
            let out = lease_with(fidelity, term, horizon, notice, case.contract);
            let what = format!("{fidelity}, {:?}", case.contract);
            let term_s = out.series.last().unwrap().time_s / 3.0;
            for x in &out.series {
                let boundary = case.three_from.map(|t| t * term_s);
                if Some(x.time_s) != boundary {
                    let want = match boundary {
                        Some(b) if x.time_s > b => 3,
                        _ => 4,
                    };
                    assert_eq!(x.servers_ready, want, "{what} at {}", x.time_s);
                }
            }
            let s = &out.summary;
            // At request level a returned server drains for seconds past the boundary.
            assert!(
                (s.total_cost - case.charged).abs() < 0.01,
                "{what}: {}",
                s.total_cost
            );
            assert!(
                (s.committed_cost - case.committed).abs() < 1e-6,
                "{what}: {}",
                s.committed_cost
            );
            assert_eq!(s.early_exit_fees, case.fees, "{what}");
        }
    }
}

#[test]
fn renewal_adds_servers_for_growth_with_their_setup_fee() {
    let text = r#"
horizon = "60d"
sample_every = "1d"
fidelity = "fluid"
[service]
service_time = { distribution = "exponential", mean = "1s" }
slots_per_server = 8
[workload]
base_rate = 16.0
[[workload.shape]]
type = "step"
at = "5d"
factor = 2.5
[[policy]]
name = "idc"
type = "lease"
servers = 4
term = "30d"
price_per_server_term = 140.0
setup_fee_per_server = 100.0
renewal = { notice = "10d", lead_time = "15d" }
"#;
    let out = run_first(text, "grow");
    // From day 5, 40 busy slots would take 5 servers; the 4 run flat out, and flat out
    // is what the tenant sees: at day 20, ceil(4 × 1.25) = 5, one more. 15 days' lead
    // from day 20 is day 35, after the boundary: it runs 25 days of its first term.
    let at = |day: f64| {
        out.series
            .iter()
            .find(|x| x.time_s == day * 86_400.0)
            .unwrap()
    };
    assert_eq!(at(34.0).servers_ready, 4);
    assert_eq!(at(35.0).servers_ready, 5);
    // Cost: 4 × 2 terms × $140 + 4 setups; the late one: 25/30 of a term and of its
    // setup fee charged in the window, a whole term and its setup committed.
    let s = &out.summary;
    let charged = 4.0 * 280.0 + 400.0 + (140.0 + 100.0) * 25.0 / 30.0;
    let committed = 4.0 * 280.0 + 400.0 + (140.0 + 100.0);
    assert!((s.total_cost - charged).abs() < 1e-6, "{}", s.total_cost);
    assert!(
        (s.committed_cost - committed).abs() < 1e-6,
        "{}",
        s.committed_cost
    );
}

#[test]
fn bandwidth_is_billed_at_the_monthly_95th_percentile() {
    let run = |fidelity: &str| {
        let bandwidth = "bandwidth = { bytes_per_request = 250000.0, commit_mbps = 20.0, price_per_mbps = 2.0, overage_per_mbps = 3.0 }";
        run_lease(fidelity, "10d", "30d", 0.0, bandwidth).summary
    };
    // 16 req/s × 250 kB × 8 = 32 Mbps, steady: a month bills 20 × $2 + 12 × $3 = $76;
    // 10 days of a 30.44-day month are charged, the month is committed.
    let fluid = run("fluid");
    assert!(
        (fluid.bandwidth_p95_mbps - 32.0).abs() < 1e-6,
        "{}",
        fluid.bandwidth_p95_mbps
    );
    let share = 10.0 / 30.44;
    assert!(
        (fluid.bandwidth_cost - 76.0 * share).abs() < 1e-6,
        "{}",
        fluid.bandwidth_cost
    );
    assert!((fluid.total_cost - 76.0 * share).abs() < 1e-6);
    assert!((fluid.committed_cost - 76.0).abs() < 1e-6);
    // Request level: 4800 requests per 5 minutes on average, Poisson (sd ≈ 69), so the
    // 95th percentile sits about 1.645 sd above the mean: ≈ 32.8 Mbps.
    let exact = run("request");
    assert!(
        (32.3..33.3).contains(&exact.bandwidth_p95_mbps),
        "{}",
        exact.bandwidth_p95_mbps
    );
}
