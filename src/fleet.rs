//! Servers and their life cycle, their slots, and the running totals billing needs.
//!
//! A server goes `booting → ready → draining → terminated`. Booting servers cost money
//! but serve nothing; draining servers finish the work they hold but take no more. Every
//! ready server contributes `slots_per_server` slots; a free slot is kept as a token in a
//! pool so dispatch is O(1). Time-weighted totals (busy slots, serving slots, paid
//! servers) are integrated exactly at every change. A cloud fleet may mix purchase
//! options (`purchase.rs`): on-demand, a reserved commitment, spot instances.
//!
//! Slots are numbered: a server that becomes ready gets a block of `slots_per_server`
//! consecutive numbers (a terminated server's block is reused), and the tokens are slot
//! numbers. So whoever holds a slot knows its server in O(1), and a table indexed by slot
//! number (the requests in service) stays as dense as the fleet is large.

mod purchase;

pub(crate) use purchase::{OptionCosts, OptionCounts, PurchaseBook, SpotMarket, spot_quota};

use crate::billing::Tariff;
use crate::engine::{Time, to_seconds};

/// Where a server is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ServerState {
    Booting,
    Ready,
    Draining,
    Terminated,
}

#[derive(Debug, Clone)]
pub(crate) struct Server {
    pub state: ServerState,
    pub launched: Time,
    pub ready_at: Option<Time>,
    pub busy: u32,
    /// Slots it serves with now (fewer than `slots_per_server` during an application
    /// warmup; 0 while booting).
    pub slots: u32,
    /// A spot instance (the cloud may interrupt it).
    pub spot: bool,
    /// Its first slot number ([`NO_BLOCK`] until it is ready).
    block: u32,
}

/// A server without slot numbers (it never became ready).
const NO_BLOCK: u32 = u32::MAX;

/// A piecewise-constant quantity and its exact time integral (value × microseconds).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Level {
    value: u64,
    since: Time,
    area: u128,
}

impl Level {
    #[inline]
    pub(crate) fn set(&mut self, now: Time, value: u64) {
        self.area += self.value as u128 * (now - self.since) as u128;
        self.since = now;
        self.value = value;
    }

    #[inline]
    pub(crate) fn add(&mut self, now: Time, delta: i64) {
        self.set(now, self.value.wrapping_add_signed(delta));
    }

    #[inline]
    pub(crate) fn value(&self) -> u64 {
        self.value
    }

    /// ∫ value dt from 0 to `now`, in value-seconds.
    pub(crate) fn integral(&self, now: Time) -> f64 {
        self.area(now) as f64 / 1e6
    }

    /// ∫ value dt from 0 to `now`, exactly, in value-microseconds.
    pub(crate) fn area(&self, now: Time) -> u128 {
        self.area + self.value as u128 * now.saturating_sub(self.since) as u128
    }
}

/// A count of things that come and go (requests in service, in the system) and its
/// exact time integral, kept as the sums of the times they came and went: a change is
/// two additions, where a [`Level`] multiplies. The integral to `now` is
/// `Σ went + count × now − Σ came` (each one present counts `now − came`), the same
/// integer a `Level` accumulates.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Tally {
    value: u64,
    came: u128,
    went: u128,
}

impl Tally {
    /// `n` come at `now`.
    #[inline]
    pub(crate) fn enter(&mut self, now: Time, n: u64) {
        self.value += n;
        self.came += n as u128 * now as u128;
    }

    /// `n` go at `now`.
    #[inline]
    pub(crate) fn leave(&mut self, now: Time, n: u64) {
        self.value -= n;
        self.went += n as u128 * now as u128;
    }

    #[inline]
    pub(crate) fn value(&self) -> u64 {
        self.value
    }

    /// ∫ value dt from 0 to `now` (not before the last change), in value-seconds.
    pub(crate) fn integral(&self, now: Time) -> f64 {
        self.area(now) as f64 / 1e6
    }

    /// ∫ value dt from 0 to `now` (not before the last change), exactly, in
    /// value-microseconds.
    pub(crate) fn area(&self, now: Time) -> u128 {
        self.went + self.value as u128 * now as u128 - self.came
    }
}

/// How many servers are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FleetCounts {
    pub booting: u32,
    pub ready: u32,
    pub draining: u32,
}

/// What a policy asks the fleet to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Hold,
    Launch(u32),
    Remove(u32),
    /// Buy `servers` that arrive, ready and paid from then on, `after` from now.
    Order {
        servers: u32,
        after: Time,
    },
}

/// Result of asking the fleet to shed servers.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Removal {
    pub cancelled_booting: u32,
    pub terminated_idle: u32,
    pub draining: u32,
}

impl Removal {
    fn total(&self) -> u32 {
        self.cancelled_booting + self.terminated_idle + self.draining
    }

    fn plus(self, other: Removal) -> Removal {
        Removal {
            cancelled_booting: self.cancelled_booting + other.cancelled_booting,
            terminated_idle: self.terminated_idle + other.terminated_idle,
            draining: self.draining + other.draining,
        }
    }
}

pub(crate) struct Fleet {
    servers: Vec<Server>,
    /// Servers not yet terminated, in launch order.
    alive: Vec<u32>,
    slots_per_server: u32,
    tariff: Tariff,
    counts: FleetCounts,
    /// One token (slot number) per free slot on a ready server.
    free: Vec<u32>,
    /// The server of each slot number.
    slot_server: Vec<u32>,
    /// First slot numbers of blocks whose servers are gone, to reuse.
    spare_blocks: Vec<u32>,
    pub(crate) busy_slots: Tally,
    /// Slots of ready and draining servers: the capacity utilisation is measured against.
    pub(crate) serving_slots: Level,
    /// Servers being paid for (booting, ready, draining).
    pub(crate) paid_servers: Level,
    launches: u64,
    /// Billed time beyond lives (minimum and rounding), microseconds.
    extra_billed: Time,
    closed_cost: f64,
    closed_committed: f64,
    /// Early exit fees paid for leased servers handed back inside their commitment.
    early_exit_fees: f64,
    /// Purchase options other than on-demand, if the policy uses any.
    purchase: Option<PurchaseBook>,
    /// Spot instances booting or ready (kept, so launches need not count them).
    active_spot: u32,
}

impl Fleet {
    pub(crate) fn new(slots_per_server: u32, tariff: Tariff) -> Fleet {
        Fleet {
            servers: Vec::new(),
            alive: Vec::new(),
            slots_per_server,
            tariff,
            counts: FleetCounts::default(),
            free: Vec::new(),
            slot_server: Vec::new(),
            spare_blocks: Vec::new(),
            busy_slots: Tally::default(),
            serving_slots: Level::default(),
            paid_servers: Level::default(),
            launches: 0,
            extra_billed: 0,
            closed_cost: 0.0,
            closed_committed: 0.0,
            early_exit_fees: 0.0,
            purchase: None,
            active_spot: 0,
        }
    }

    /// A cloud fleet that mixes purchase options.
    pub(crate) fn with_purchase(mut self, book: PurchaseBook) -> Fleet {
        self.purchase = Some(book);
        self
    }

    pub(crate) fn is_spot(&self, id: u32) -> bool {
        self.servers[id as usize].spot
    }

    /// Launched and not yet terminated.
    pub(crate) fn is_alive(&self, id: u32) -> bool {
        self.servers
            .get(id as usize)
            .is_some_and(|s| s.state != ServerState::Terminated)
    }

    pub(crate) fn counts(&self) -> FleetCounts {
        self.counts
    }

    pub(crate) fn slots_per_server(&self) -> u32 {
        self.slots_per_server
    }

    pub(crate) fn launches(&self) -> u64 {
        self.launches
    }

    /// Ready servers past their warmup at `now`: ready for at least `warmup`, or ready
    /// since t = 0 (the initial fleet was serving before the window opened).
    pub(crate) fn ready_past_warmup(&self, now: Time, warmup: Time) -> u32 {
        self.alive_servers()
            .filter(|s| {
                s.state == ServerState::Ready
                    && s.ready_at
                        .is_some_and(|r| r == 0 || r.saturating_add(warmup) <= now)
            })
            .count() as u32
    }

    fn alive_servers(&self) -> impl Iterator<Item = &Server> {
        self.alive.iter().map(|&id| &self.servers[id as usize])
    }

    /// Starts a server booting; returns its id.
    pub(crate) fn launch(&mut self, now: Time) -> u32 {
        let id = self.servers.len() as u32;
        let share = self.purchase.as_ref().map_or(0.0, PurchaseBook::spot_share);
        // Launches keep the spot share of the active fleet at round(share × active).
        let spot = share > 0.0 && {
            let (spot, active) = self.active_spot();
            spot < spot_quota(share, active + 1)
        };
        if let Some(book) = &mut self.purchase {
            book.launched(now, spot);
        }
        self.active_spot += spot as u32;
        self.servers.push(Server {
            state: ServerState::Booting,
            launched: now,
            ready_at: None,
            busy: 0,
            slots: 0,
            spot,
            block: NO_BLOCK,
        });
        self.alive.push(id);
        self.launches += 1;
        self.counts.booting += 1;
        self.paid_servers.add(now, 1);
        id
    }

    /// A booting server finished booting. Returns false if it was cancelled meanwhile.
    pub(crate) fn mark_ready(&mut self, id: u32, now: Time) -> bool {
        self.mark_ready_with(id, now, self.slots_per_server)
    }

    /// A booting server finished booting and serves with `slots` slots (fewer while its
    /// application warms up). Returns false if it was cancelled meanwhile.
    pub(crate) fn mark_ready_with(&mut self, id: u32, now: Time, slots: u32) -> bool {
        let server = &mut self.servers[id as usize];
        if server.state != ServerState::Booting {
            return false;
        }
        server.state = ServerState::Ready;
        server.ready_at = Some(now);
        self.counts.booting -= 1;
        self.counts.ready += 1;
        self.add_slots(id, now, slots.min(self.slots_per_server));
        true
    }

    /// The application on server `id` is warm: it serves with all its slots from now.
    /// Returns true if slots were added (the caller may dispatch waiting requests).
    pub(crate) fn finish_warmup(&mut self, id: u32, now: Time) -> bool {
        let server = &self.servers[id as usize];
        // A draining or terminated server takes no new work, warm or not.
        if server.state != ServerState::Ready || server.slots >= self.slots_per_server {
            return false;
        }
        self.add_slots(id, now, self.slots_per_server - server.slots);
        true
    }

    fn add_slots(&mut self, id: u32, now: Time, n: u32) {
        let per_server = self.slots_per_server;
        let server = &mut self.servers[id as usize];
        if server.block == NO_BLOCK {
            server.block = self.spare_blocks.pop().unwrap_or_else(|| {
                let block = self.slot_server.len() as u32;
                self.slot_server
                    .resize(self.slot_server.len() + per_server as usize, 0);
                block
            });
            let block = server.block as usize;
            self.slot_server[block..block + per_server as usize].fill(id);
        }
        let first = server.block + server.slots;
        server.slots += n;
        self.serving_slots.add(now, n as i64);
        self.free.extend(first..first + n);
    }

    /// The slot numbers of server `id` (none if it never became ready). Valid until it
    /// terminates: then they go to the next server that becomes ready.
    pub(crate) fn slots_of(&self, id: u32) -> std::ops::Range<u32> {
        match self.servers[id as usize].block {
            NO_BLOCK => 0..0,
            block => block..block + self.slots_per_server,
        }
    }

    /// The server slot `slot` belongs to.
    #[inline]
    pub(crate) fn server_of(&self, slot: u32) -> u32 {
        self.slot_server[slot as usize]
    }

    /// Takes a free slot for a new request, if any ready server has one: its number.
    #[inline]
    pub(crate) fn take_free_slot(&mut self) -> Option<u32> {
        self.free.pop()
    }

    /// Drops the free slots of server `id` from the pool.
    fn withdraw_slots(&mut self, id: u32) {
        let owner = &self.slot_server;
        self.free.retain(|&slot| owner[slot as usize] != id);
    }

    /// Free slots on ready servers.
    pub(crate) fn free_slots(&self) -> usize {
        self.free.len()
    }

    #[inline]
    pub(crate) fn has_free_slot(&self) -> bool {
        !self.free.is_empty()
    }

    /// A request starts service on slot `slot` (which the caller holds).
    #[inline]
    pub(crate) fn start_service(&mut self, slot: u32, now: Time) {
        let id = self.server_of(slot);
        self.servers[id as usize].busy += 1;
        self.busy_slots.enter(now, 1);
    }

    /// A request finished on slot `slot`. Returns true if the slot stays usable (its
    /// server is ready): the caller may start the next request on it or call
    /// [`Fleet::return_slot`]. A draining server that empties terminates here.
    #[inline]
    pub(crate) fn end_service(&mut self, slot: u32, now: Time) -> bool {
        self.busy_slots.leave(now, 1);
        let id = self.server_of(slot);
        let server = &mut self.servers[id as usize];
        server.busy -= 1;
        match server.state {
            ServerState::Ready => true,
            _ => {
                if server.busy == 0 && server.state == ServerState::Draining {
                    self.terminate(id, now);
                }
                false
            }
        }
    }

    /// Puts free slot `slot` of a ready server back in the pool.
    #[inline]
    pub(crate) fn return_slot(&mut self, slot: u32) {
        self.free.push(slot);
    }

    /// Sheds `n` servers: booting ones first (newest first), then idle ready ones (newest
    /// first), then the least busy ready ones, which drain.
    ///
    /// A fleet with spot instances sheds spot and other instances so that the spot share
    /// of the active (booting and ready) fleet stays round(share × active), as a mixed
    /// instances group rebalances on scale-in; which ones inside each class by the order
    /// above. So the mix, and the bill, do not depend on which server happens to be idle.
    pub(crate) fn remove(&mut self, n: u32, now: Time) -> Removal {
        if self.tariff.commits_terms() {
            return self.remove_leased(n, now);
        }
        let share = self.purchase.as_ref().map_or(0.0, PurchaseBook::spot_share);
        if share <= 0.0 {
            return self.remove_of(n, now, &|_| true);
        }
        let (spot, active) = self.active_spot();
        let keep = spot_quota(share, active.saturating_sub(n as u64));
        let mut from_spot = spot.saturating_sub(keep).min(n as u64) as u32;
        // Not enough other instances to shed: take the rest from spot.
        from_spot = from_spot.max(n.saturating_sub((active - spot) as u32));
        let a = self.remove_of(from_spot, now, &|s| s.spot);
        let b = self.remove_of(n - from_spot, now, &|s| !s.spot);
        a.plus(b)
    }

    /// Sheds up to `n` leased servers held to a minimum commitment: first those whose
    /// commitment is served, then those for which the early exit fee is cheaper than
    /// the terms still owed; the others stay (they are paid for anyway).
    fn remove_leased(&mut self, n: u32, now: Time) -> Removal {
        let tariff = self.tariff.clone();
        let free = self.remove_of(n, now, &|s| tariff.exit_fee(s.launched, now) == Some(0.0));
        let left = n - free.total();
        let early = self.remove_of(left, now, &|s| tariff.exit_fee(s.launched, now).is_some());
        free.plus(early)
    }

    /// Spot and all instances that are booting or ready (draining ones are leaving).
    fn active_spot(&self) -> (u64, u64) {
        let active = self.counts.booting as u64 + self.counts.ready as u64;
        (self.active_spot as u64, active)
    }

    /// Sheds `n` servers of those `may_go` accepts (or as many as it accepts).
    fn remove_of(&mut self, n: u32, now: Time, may_go: &dyn Fn(&Server) -> bool) -> Removal {
        let mut out = Removal::default();
        let mut left = n;
        let pick = |fleet: &Fleet, want: &dyn Fn(&Server) -> bool| -> Vec<u32> {
            fleet
                .alive
                .iter()
                .rev()
                .copied()
                .filter(|&id| {
                    let s = &fleet.servers[id as usize];
                    may_go(s) && want(s)
                })
                .collect()
        };
        for id in pick(self, &|s| s.state == ServerState::Booting) {
            if left == 0 {
                break;
            }
            self.terminate(id, now);
            out.cancelled_booting += 1;
            left -= 1;
        }
        for id in pick(self, &|s| s.state == ServerState::Ready && s.busy == 0) {
            if left == 0 {
                break;
            }
            self.withdraw_slots(id);
            self.terminate(id, now);
            out.terminated_idle += 1;
            left -= 1;
        }
        if left > 0 {
            let mut busy = pick(self, &|s| s.state == ServerState::Ready);
            // Stable sort keeps newest-first among equally busy servers.
            busy.sort_by_key(|&id| self.servers[id as usize].busy);
            for id in busy.into_iter().take(left as usize) {
                self.drain(id);
                out.draining += 1;
            }
        }
        out
    }

    /// Ready server `id` takes no more work and terminates when its last one is done.
    fn drain(&mut self, id: u32) {
        self.withdraw_slots(id);
        let server = &mut self.servers[id as usize];
        server.state = ServerState::Draining;
        self.active_spot -= server.spot as u32;
        self.counts.ready -= 1;
        self.counts.draining += 1;
    }

    /// Sheds server `id` as [`Fleet::remove`] would: a booting or idle one terminates,
    /// a busy one drains (a pod evicted from a node the cluster autoscaler removes).
    pub(crate) fn remove_server(&mut self, id: u32, now: Time) {
        let Some(server) = self.servers.get(id as usize) else {
            return;
        };
        match (server.state, server.busy) {
            (ServerState::Booting, _) => self.terminate(id, now),
            (ServerState::Ready, 0) => {
                self.withdraw_slots(id);
                self.terminate(id, now);
            }
            (ServerState::Ready, _) => self.drain(id),
            (ServerState::Draining | ServerState::Terminated, _) => {}
        }
    }

    /// The cloud reclaims spot instance `id` (its notice is over): it stops at once, and
    /// the requests it was serving are the caller's to re-queue. Billed for the time it
    /// ran only. Returns whether it was alive and serving (ready or draining).
    pub(crate) fn interrupt(&mut self, id: u32, now: Time) -> Option<bool> {
        let server = &mut self.servers[id as usize];
        let serving = match server.state {
            ServerState::Terminated => return None,
            ServerState::Booting => false,
            ServerState::Ready | ServerState::Draining => true,
        };
        let busy = std::mem::take(&mut server.busy);
        if server.state == ServerState::Ready {
            self.withdraw_slots(id);
        }
        self.busy_slots.leave(now, busy as u64);
        self.close(id, now, true);
        Some(serving)
    }

    fn terminate(&mut self, id: u32, now: Time) {
        self.close(id, now, false);
    }

    /// Ends server `id`'s life; `as_lived`: billed for its life only (an interruption).
    fn close(&mut self, id: u32, now: Time, as_lived: bool) {
        let server = &mut self.servers[id as usize];
        if matches!(server.state, ServerState::Booting | ServerState::Ready) {
            self.active_spot -= server.spot as u32;
        }
        match server.state {
            ServerState::Booting => self.counts.booting -= 1,
            ServerState::Ready => {
                self.counts.ready -= 1;
                self.serving_slots.add(now, -(server.slots as i64));
            }
            ServerState::Draining => {
                self.counts.draining -= 1;
                self.serving_slots.add(now, -(server.slots as i64));
            }
            ServerState::Terminated => return,
        }
        server.state = ServerState::Terminated;
        if server.block != NO_BLOCK {
            self.spare_blocks.push(server.block);
        }
        let launched = server.launched;
        let spot = server.spot;
        let life = now - launched;
        let extra = if as_lived {
            0
        } else {
            self.tariff.billed_life(life) - life
        };
        self.extra_billed += extra;
        if let Some(book) = &mut self.purchase {
            book.terminated(now, spot, extra);
        }
        let exit_fee = self.tariff.exit_charge(launched, now);
        self.early_exit_fees += exit_fee;
        let cost = self.tariff.cost(launched, launched, now, extra) + exit_fee;
        self.closed_cost += cost;
        self.closed_committed += self.tariff.committed_on_return(launched, now, cost);
        self.paid_servers.add(now, -1);
        if let Some(pos) = self.alive.iter().position(|&a| a == id) {
            self.alive.remove(pos);
        }
    }

    /// Cost attributable to `[0, now)`: closed lives plus running servers up to now.
    pub(crate) fn cost(&self, now: Time) -> f64 {
        if let Some(book) = &self.purchase {
            return book.costs(now).total();
        }
        // Linear tariffs: the paid integral already holds every life, so O(1).
        if let Some(rate) = self.tariff.linear_rate() {
            return rate * self.billed_server_seconds(now);
        }
        self.closed_cost
            + self
                .alive_servers()
                .map(|s| self.tariff.cost(s.launched, s.launched, now, 0))
                .sum::<f64>()
    }

    /// Cash committed by `now`: whole lease terms started, setup fees, metered bills.
    pub(crate) fn committed(&self, now: Time) -> f64 {
        if let Some(book) = &self.purchase {
            return book.committed(now);
        }
        if self.tariff.linear_rate().is_some() {
            // Pay-as-you-go and sunk capex: the commitment is what was charged.
            return self.cost(now);
        }
        self.closed_committed
            + self
                .alive_servers()
                .map(|s| {
                    let charged = self.tariff.cost(s.launched, s.launched, now, 0);
                    self.tariff.committed(s.launched, now, charged)
                })
                .sum::<f64>()
    }

    /// Early exit fees paid so far (part of [`Fleet::cost`]).
    pub(crate) fn early_exit_fees(&self) -> f64 {
        self.early_exit_fees
    }

    /// What the load itself cost, for `busy_slot_seconds` of work: own servers' power
    /// above idle.
    pub(crate) fn load_cost(&self, busy_slot_seconds: f64) -> f64 {
        self.tariff.per_busy_server_second() * busy_slot_seconds / self.slots_per_server as f64
    }

    /// Server-seconds billed up to `now`: every life so far plus minimum/rounding tails.
    pub(crate) fn billed_server_seconds(&self, now: Time) -> f64 {
        self.paid_seconds(now) + to_seconds(self.extra_billed)
    }

    /// Server-seconds paid for up to `now` on the time axis: lives, plus reserved
    /// instance-seconds no instance used (committed capacity is paid capacity).
    pub(crate) fn paid_seconds(&self, now: Time) -> f64 {
        let unused = self
            .purchase
            .as_ref()
            .map_or(0.0, |b| b.unused_reserved_seconds(now));
        self.paid_servers.integral(now) + unused
    }

    /// Cost by purchase option: a metered fleet without options is all on-demand; own
    /// and leased servers have none.
    pub(crate) fn option_costs(&self, now: Time) -> OptionCosts {
        match (&self.purchase, &self.tariff) {
            (Some(book), _) => book.costs(now),
            (None, Tariff::Metered { .. }) => OptionCosts {
                on_demand: self.cost(now),
                ..OptionCosts::default()
            },
            _ => OptionCosts::default(),
        }
    }

    /// Running instances by purchase option (all zero for own and leased servers).
    pub(crate) fn option_counts(&self) -> OptionCounts {
        match (&self.purchase, &self.tariff) {
            (Some(book), _) => book.counts(),
            (None, Tariff::Metered { .. }) => OptionCounts {
                on_demand: self.paid_servers.value() as u32,
                ..OptionCounts::default()
            },
            _ => OptionCounts::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SECOND;

    fn cloud() -> Fleet {
        Fleet::new(
            2,
            Tariff::Metered {
                per_server_second: 1.0,
                minimum: 60 * SECOND,
                granularity: SECOND,
            },
        )
    }

    #[test]
    fn life_cycle_and_billing_minimum() {
        let mut f = cloud();
        let a = f.launch(0);
        assert_eq!(f.counts().booting, 1);
        assert!(f.mark_ready(a, 10 * SECOND));
        assert_eq!(f.counts().ready, 1);
        let slot = f.take_free_slot().unwrap();
        f.start_service(slot, 10 * SECOND);
        assert_eq!(f.remove(1, 20 * SECOND).draining, 1);
        assert!(!f.end_service(slot, 30 * SECOND)); // drained: terminates
        assert_eq!(f.counts(), FleetCounts::default());
        // Lived 30 s, billed the 60 s minimum.
        assert_eq!(f.billed_server_seconds(100 * SECOND), 60.0);
        assert_eq!(f.cost(100 * SECOND), 60.0);
        assert_eq!(f.busy_slots.integral(100 * SECOND), 20.0);
    }

    #[test]
    fn removal_prefers_booting_then_idle_newest_first_then_least_busy() {
        let mut f = cloud();
        let ids: Vec<u32> = (0..4).map(|_| f.launch(0)).collect();
        for &id in &ids[..3] {
            f.mark_ready(id, 0);
        }
        // Server 0 busy with 2, server 1 busy with 1, server 2 idle, server 3 booting.
        f.free.clear();
        for (id, n) in [(0, 2), (1, 1)] {
            for slot in f.slots_of(id).take(n) {
                assert_eq!(f.server_of(slot), id);
                f.start_service(slot, 0);
            }
        }
        let r = f.remove(3, SECOND);
        assert_eq!(
            r,
            Removal {
                cancelled_booting: 1,
                terminated_idle: 1,
                draining: 1
            }
        );
        assert_eq!(f.servers[1].state, ServerState::Draining);
        assert_eq!(f.servers[0].state, ServerState::Ready);
    }

    fn spot_fleet(share: f64) -> Fleet {
        let plan = crate::scenario::Purchase {
            spot_share: share,
            ..Default::default()
        };
        cloud().with_purchase(PurchaseBook::new(&plan, 1.0))
    }

    #[test]
    fn spot_share_holds_through_launches_and_removals() {
        let mut f = spot_fleet(0.5);
        let ids: Vec<u32> = (0..6).map(|_| f.launch(0)).collect();
        // Spot while spot < round(0.5 × n): n = 1 → 1, 2 → 1, 3 → 2, …
        let spot: Vec<bool> = ids.iter().map(|&id| f.is_spot(id)).collect();
        assert_eq!(spot, [true, false, true, false, true, false]);
        for &id in &ids {
            f.mark_ready(id, 0);
        }
        // Shed 3 of 6 idle: keep round(0.5 × 3) = 2 spot, so 1 spot and 2 others go.
        f.remove(3, SECOND);
        let c = f.option_counts();
        assert_eq!((c.spot, c.on_demand, c.reserved), (2, 1, 0));
        assert!(f.is_alive(0) && f.is_alive(1) && f.is_alive(2));
    }

    #[test]
    fn an_interrupted_spot_instance_frees_its_slots_and_is_billed_as_lived() {
        let mut f = spot_fleet(1.0);
        let id = f.launch(0);
        f.mark_ready(id, 0);
        for _ in 0..2 {
            let slot = f.take_free_slot().unwrap();
            f.start_service(slot, 0);
        }
        assert_eq!(f.interrupt(id, 10 * SECOND), Some(true));
        assert_eq!(f.busy_slots.value(), 0);
        assert!(!f.has_free_slot());
        assert_eq!(f.counts(), FleetCounts::default());
        // 10 s of life, no 60 s minimum: the cloud ended it.
        assert_eq!(f.billed_server_seconds(100 * SECOND), 10.0);
        assert_eq!(f.interrupt(id, 20 * SECOND), None);
    }

    #[test]
    fn cancelled_boot_is_ignored_when_it_completes() {
        let mut f = cloud();
        let a = f.launch(0);
        f.remove(1, SECOND);
        assert!(!f.mark_ready(a, 90 * SECOND));
        assert_eq!(f.counts(), FleetCounts::default());
    }

    #[test]
    fn application_warmup_serves_with_fewer_slots_until_warm() {
        let mut f = Fleet::new(
            8,
            Tariff::Metered {
                per_server_second: 1.0,
                minimum: 0,
                granularity: SECOND,
            },
        );
        let a = f.launch(0);
        assert!(f.mark_ready_with(a, 90 * SECOND, 2));
        assert_eq!(f.serving_slots.value(), 2);
        assert_eq!(f.free.len(), 2);
        // Warm at 150 s: all 8 slots from then on; 2 × 60 + 8 × 50 slot-seconds by 200 s.
        assert!(f.finish_warmup(a, 150 * SECOND));
        assert_eq!(f.serving_slots.value(), 8);
        assert_eq!(
            f.serving_slots.integral(200 * SECOND),
            2.0 * 60.0 + 8.0 * 50.0
        );
        assert!(!f.finish_warmup(a, 150 * SECOND), "only once");
        // A server that started draining while warming gets no more slots, and gives
        // back exactly the ones it had.
        let b = f.launch(200 * SECOND);
        f.mark_ready_with(b, 290 * SECOND, 2);
        f.remove(1, 300 * SECOND); // b is newest and idle: terminated
        assert!(!f.finish_warmup(b, 350 * SECOND));
        assert_eq!(f.serving_slots.value(), 8);
    }
}
