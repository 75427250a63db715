//! Power-of-two-choices load balancer over shared state, the twin of
//! src/native/fallback/p2c.ts. Both draw from the same mulberry32 generator and do the same
//! f64 arithmetic in the same order, so a given seed yields the same picks in both.
//!
//! State is one f64 array of columns, each `n` long, that JS reads directly (admin API):
//! weight, pending (in flight), latency EWMA (seconds), health EWMA, evicted-until (ms),
//! times ejected.
use crate::shared::Shared;

pub const COLUMNS: usize = 6;
pub const WEIGHT: usize = 0;
pub const PENDING: usize = 1;
pub const LATENCY: usize = 2;
pub const HEALTH: usize = 3;
pub const EVICTED_UNTIL: usize = 4;
pub const TIMES_EJECTED: usize = 5;

const ALPHA: f64 = 0.3;
const KEEP: f64 = 0.7;
/// Health at which an endpoint counts as recovered: repeated ejection stops growing the
/// eviction time once it gets back here (from 0.7, four successes in a row).
const RECOVERED_HEALTH: f64 = 0.9;

#[derive(Debug, PartialEq, Eq)]
pub enum P2cError {
    Index,
    Value,
}

pub struct PickTwo {
    n: usize,
    state: Shared<f64>,
    rng: u32,
    /// Cumulative weights over the current candidates (non-candidates repeat the running sum,
    /// so a binary search for the first entry above r always lands on a candidate).
    cum: Vec<f64>,
    total: f64,
    /// The candidate set is valid while nothing changed and no eviction has expired.
    dirty: bool,
    valid_until: f64,
    refreshed_at: f64,
}

impl PickTwo {
    pub fn new(n: usize, seed: u32) -> Self {
        let state = Shared::new(n * COLUMNS, 0.0);
        for i in 0..n {
            state.cells()[WEIGHT * n + i].set(1.0);
            state.cells()[HEALTH * n + i].set(1.0);
        }
        PickTwo { n, state, rng: seed, cum: vec![0.0; n], total: 0.0, dirty: true, valid_until: 0.0, refreshed_at: 0.0 }
    }

    pub fn state(&self) -> &Shared<f64> {
        &self.state
    }

    fn get(&self, col: usize, i: usize) -> f64 {
        self.state.cells()[col * self.n + i].get()
    }

    fn set(&self, col: usize, i: usize, v: f64) {
        self.state.cells()[col * self.n + i].set(v);
    }

    fn index(&self, i: f64) -> Result<usize, P2cError> {
        if i >= 0.0 && i < self.n as f64 && i.fract() == 0.0 {
            Ok(i as usize)
        } else {
            Err(P2cError::Index)
        }
    }

    pub fn set_weight(&mut self, i: f64, w: f64) -> Result<(), P2cError> {
        let i = self.index(i)?;
        if !(w.is_finite() && w >= 0.0) {
            return Err(P2cError::Value);
        }
        self.set(WEIGHT, i, w);
        self.dirty = true;
        Ok(())
    }

    /// Index of the chosen endpoint, or -1 when no endpoint has a weight.
    pub fn pick(&mut self, now: f64) -> i32 {
        if self.dirty || now >= self.valid_until || now < self.refreshed_at {
            self.refresh(now);
        }
        if self.total <= 0.0 {
            return -1;
        }
        let a = self.sample();
        let b = self.sample();
        if self.score(b) > self.score(a) {
            b as i32
        } else {
            a as i32
        }
    }

    pub fn start(&mut self, i: f64) -> Result<(), P2cError> {
        let i = self.index(i)?;
        self.set(PENDING, i, self.get(PENDING, i) + 1.0);
        Ok(())
    }

    pub fn finish(&mut self, i: f64, latency_s: f64, ok: bool) -> Result<(), P2cError> {
        let i = self.index(i)?;
        if !(latency_s.is_finite() && latency_s >= 0.0) {
            return Err(P2cError::Value);
        }
        self.set(PENDING, i, (self.get(PENDING, i) - 1.0).max(0.0));
        self.set(LATENCY, i, ALPHA * latency_s + KEEP * self.get(LATENCY, i));
        let health = ALPHA * if ok { 1.0 } else { 0.0 } + KEEP * self.get(HEALTH, i);
        self.set(HEALTH, i, health);
        if ok && health >= RECOVERED_HEALTH {
            self.set(TIMES_EJECTED, i, 0.0);
        }
        Ok(())
    }

    /// Evicts for base × (times ejected + 1). An endpoint already evicted stays as it is
    /// (in-flight failures of one incident must not multiply the penalty); returns whether
    /// this call evicted it.
    pub fn evict(&mut self, i: f64, now: f64, base_ms: f64) -> Result<bool, P2cError> {
        let i = self.index(i)?;
        if !(base_ms.is_finite() && base_ms > 0.0 && now.is_finite()) {
            return Err(P2cError::Value);
        }
        if self.get(EVICTED_UNTIL, i) > now {
            return Ok(false);
        }
        let times = self.get(TIMES_EJECTED, i);
        self.set(EVICTED_UNTIL, i, now + base_ms * (times + 1.0));
        self.set(TIMES_EJECTED, i, times + 1.0);
        self.dirty = true;
        Ok(true)
    }

    pub fn is_evicted(&self, i: f64, now: f64) -> Result<bool, P2cError> {
        let i = self.index(i)?;
        Ok(self.get(EVICTED_UNTIL, i) > now)
    }

    /// Endpoints with a weight that are not evicted: a priority bucket with none is skipped.
    pub fn active_count(&self, now: f64) -> u32 {
        (0..self.n).filter(|&i| self.get(WEIGHT, i) > 0.0 && self.get(EVICTED_UNTIL, i) <= now).count() as u32
    }

    fn score(&self, i: usize) -> f64 {
        self.get(HEALTH, i) / (1.0 + self.get(LATENCY, i) * (1.0 + 0.1 * self.get(PENDING, i)))
    }

    /// Candidates are the weighted endpoints that are not evicted, or all weighted endpoints
    /// when every one of them is evicted (traffic must go somewhere).
    fn refresh(&mut self, now: f64) {
        let mut any_live = false;
        let mut next_expiry = f64::INFINITY;
        for i in 0..self.n {
            let until = self.get(EVICTED_UNTIL, i);
            if until > now {
                next_expiry = next_expiry.min(until);
            } else if self.get(WEIGHT, i) > 0.0 {
                any_live = true;
            }
        }
        let mut acc = 0.0;
        for i in 0..self.n {
            let w = self.get(WEIGHT, i);
            if w > 0.0 && (!any_live || self.get(EVICTED_UNTIL, i) <= now) {
                acc += w;
            }
            self.cum[i] = acc;
        }
        self.total = acc;
        self.dirty = false;
        self.valid_until = next_expiry;
        self.refreshed_at = now;
    }

    fn sample(&mut self) -> usize {
        let r = self.next_random() * self.total;
        let (mut lo, mut hi) = (0, self.n - 1);
        while lo < hi {
            let mid = (lo + hi) >> 1;
            if self.cum[mid] > r {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        lo
    }

    /// mulberry32: tiny, fast, and exactly reproducible with Math.imul in TS.
    fn next_random(&mut self) -> f64 {
        self.rng = self.rng.wrapping_add(0x6d2b_79f5);
        let a = self.rng;
        let mut t = (a ^ (a >> 15)).wrapping_mul(1 | a);
        t = (t.wrapping_add((t ^ (t >> 7)).wrapping_mul(61 | t))) ^ t;
        f64::from(t ^ (t >> 14)) / 4_294_967_296.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mulberry32_matches_the_reference_sequence() {
        // First outputs of mulberry32(1), as computed by the JS reference implementation.
        let mut p = PickTwo::new(1, 1);
        let got: Vec<u32> = (0..3).map(|_| (p.next_random() * 4_294_967_296.0) as u32).collect();
        assert_eq!(got, vec![2_693_262_067, 11_749_833, 2_265_367_787]);
    }

    #[test]
    fn evicted_endpoints_only_win_when_all_are_evicted() {
        let mut p = PickTwo::new(3, 7);
        assert_eq!(p.evict(0.0, 0.0, 1000.0), Ok(true));
        assert_eq!(p.evict(0.0, 10.0, 1000.0), Ok(false));
        for _ in 0..100 {
            assert_ne!(p.pick(500.0), 0);
        }
        p.evict(1.0, 0.0, 1000.0).unwrap();
        p.evict(2.0, 0.0, 1000.0).unwrap();
        assert!((0..100).any(|_| p.pick(500.0) == 0));
        assert_eq!(p.active_count(500.0), 0);
        assert_eq!(p.active_count(1000.0), 3);
    }

    #[test]
    fn eviction_grows_with_repeated_ejection_until_recovery() {
        let mut p = PickTwo::new(1, 1);
        p.evict(0.0, 0.0, 100.0).unwrap();
        p.evict(0.0, 100.0, 100.0).unwrap();
        assert!(p.is_evicted(0.0, 299.0).unwrap());
        assert!(!p.is_evicted(0.0, 300.0).unwrap());
        for _ in 0..3 {
            p.finish(0.0, 0.1, true).unwrap(); // health was never lowered: recovered at once
        }
        p.evict(0.0, 300.0, 100.0).unwrap();
        assert!(!p.is_evicted(0.0, 400.0).unwrap());
    }
}
