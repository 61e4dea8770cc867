//! The cloud as it behaves, on the same spike, in both fidelities: an account quota caps
//! the fleet, a launch rate limit caps launches per minute, a capacity shortage stops
//! launches inside its window; refused launches are retried and counted; a lognormal
//! boot time is reproducible from the seed; an application warmup holds new servers
//! back.

use provsim::metrics::{Sample, Summary};
use provsim::scenario::{self, Scenario};
use provsim::simulation::run_quiet;

use crate::common::{autoscale_policy, spike_traffic};

/// The shared spike (seed 11, no SLO) against autoscale groups of 2–30 servers (3 at
/// first), target tracking at 60 % that acts on one breaching period, each with its
/// `(name, extra keys)`: target tracking wants ~9 servers in the spike.
fn scenario(fluid: bool, policies: &[(&str, &str)]) -> Scenario {
    let mut text = spike_traffic(11, fluid, None);
    for (name, extra) in policies {
        text.push_str(&autoscale_policy(
            name,
            (2, 30, 3),
            r#"{ type = "target-tracking", target = 0.6, scale_out_periods = 1, warmup = "60s" }"#,
            extra,
        ));
    }
    scenario::parse(&text, "limits.toml", "limits").expect("valid scenario")
}

fn run(s: &Scenario) -> Vec<(Summary, Vec<Sample>)> {
    run_quiet(s)
        .policies
        .into_iter()
        .map(|p| {
            let s = &p.summary;
            assert_eq!(s.arrived, s.served + s.dropped + s.in_system_at_end);
            (p.summary, p.series)
        })
        .collect()
}

fn alive(s: &Sample) -> u32 {
    s.servers_booting + s.servers_ready + s.servers_draining
}

#[test]
fn quota_caps_the_fleet_and_refused_launches_are_counted() {
    for fluid in [false, true] {
        let s = scenario(fluid, &[("free", ""), ("quota", "limits = { quota = 6 }")]);
        let runs = run(&s);
        let (free, quota) = (&runs[0], &runs[1]);
        assert!(free.0.peak_servers > 6, "the spike needs more than 6");
        assert_eq!(free.0.launches_refused, 0);
        assert_eq!(quota.0.peak_servers, 6, "fluid {fluid}");
        assert!(quota.series_max(alive) <= 6);
        assert!(quota.0.launches_refused > 0);
        // Launches wanted beyond the quota stay pending (and are shown as such).
        assert!(quota.series_max(|x| x.servers_pending) > 0);
        assert!(quota.0.dropped + quota.0.slo_misses > free.0.dropped + free.0.slo_misses);
    }
}

#[test]
fn launch_rate_limit_spreads_launches_out() {
    for fluid in [false, true] {
        let s = scenario(
            fluid,
            &[(
                "rate",
                "limits = { launches_per_minute = 1, retry_every = \"10s\" }",
            )],
        );
        let (summary, series) = &run(&s)[0];
        // A bucket of 1 refilled at 1 per minute: at most 1 launch per 1-minute sample
        // plus the initial token.
        let launches_per_sample = series
            .windows(2)
            .map(|w| alive(&w[1]).saturating_sub(alive(&w[0])))
            .max()
            .unwrap();
        assert!(
            launches_per_sample <= 2,
            "fluid {fluid}: {launches_per_sample}"
        );
        let minutes = 180;
        assert!(summary.launches <= 3 + 1 + minutes);
        assert!(summary.launches_refused > 0, "fluid {fluid}");
    }
}

#[test]
fn no_launch_inside_a_capacity_shortage() {
    for fluid in [false, true] {
        let s = scenario(
            fluid,
            &[(
                "shortage",
                "limits = { shortages = [{ start = \"55m\", duration = \"30m\" }] }",
            )],
        );
        let (summary, series) = &run(&s)[0];
        // Samples at the end of each minute: from 56 min to 85 min nothing new boots.
        let during: Vec<&Sample> = series
            .iter()
            .filter(|x| x.time_s > 55.0 * 60.0 && x.time_s <= 85.0 * 60.0)
            .collect();
        assert!(
            during.iter().all(|x| x.servers_booting == 0),
            "fluid {fluid}"
        );
        assert!(during.windows(2).all(|w| alive(w[1]) <= alive(w[0])));
        // The spike is under way: launches wait, and go through once the window ends.
        assert!(during.last().unwrap().servers_pending > 0);
        let after = series.iter().find(|x| x.time_s == 86.0 * 60.0).unwrap();
        assert_eq!(after.servers_pending, 0);
        assert!(after.servers_booting > 0);
        assert!(summary.launches_refused > 0);
    }
}

#[test]
fn lognormal_boot_times_are_reproducible_and_change_the_run() {
    let policies = [("constant", ""), ("spread", "boot_time_p95 = \"240s\"")];
    let a = run(&scenario(false, &policies));
    let b = run(&scenario(false, &policies));
    assert_eq!(a[1].0, b[1].0, "same seed, same run");
    // Same traffic and rule; only boot times differ, so the fleets differ in time.
    let ready = |run: &(Summary, Vec<Sample>)| -> Vec<u32> {
        run.1.iter().map(|x| x.servers_ready).collect()
    };
    assert_ne!(ready(&a[0]), ready(&a[1]));
}

#[test]
fn application_warmup_holds_new_servers_back() {
    for fluid in [false, true] {
        let runs = run(&scenario(
            fluid,
            &[
                ("cold", ""),
                (
                    "full",
                    "app_warmup = { duration = \"20m\", capacity = 1.0 }",
                ),
                (
                    "slow",
                    "app_warmup = { duration = \"20m\", capacity = 0.125 }",
                ),
            ],
        ));
        // Full capacity while warming is no warmup at all.
        let strip = |s: &Summary| Summary {
            policy: String::new(),
            ..s.clone()
        };
        assert_eq!(strip(&runs[0].0), strip(&runs[1].0), "fluid {fluid}");
        // One slot of eight for 20 minutes: the spike's new servers barely help.
        let lost = |s: &Summary| s.dropped + s.slo_misses;
        assert!(lost(&runs[2].0) > lost(&runs[0].0), "fluid {fluid}");
        // Capacity comes later: less served slot-time in the spike's first minutes.
        let capacity = |run: &(Summary, Vec<Sample>)| -> f64 {
            run.1
                .iter()
                .filter(|x| x.time_s > 3600.0 && x.time_s <= 4500.0)
                .map(|x| x.capacity_rate)
                .sum()
        };
        assert!(capacity(&runs[2]) < capacity(&runs[0]), "fluid {fluid}");
    }
}

trait SeriesMax {
    fn series_max(&self, f: impl Fn(&Sample) -> u32) -> u32;
}

impl SeriesMax for (Summary, Vec<Sample>) {
    fn series_max(&self, f: impl Fn(&Sample) -> u32) -> u32 {
        self.1.iter().map(f).max().unwrap_or(0)
    }
}
