//! A HyperLogLog that estimates as Redis's `PFADD`/`PFCOUNT` do, for the in-memory store: the
//! same hash (MurmurHash64A, Redis's seed), the same 16384 registers (standard error
//! 1.04/√16384 ≈ 0.81%) and the same estimator (Ertl's, Redis ≥ 4), so that one set of
//! subjects gives the same count in memory and in Redis.

/// Index bits: 2^14 = 16384 registers.
const P: u32 = 14;
const REGISTERS: usize = 1 << P;
/// The hash bits left to count zeros in.
const Q: u32 = 64 - P;
/// Redis's hllCount: α∞ = 1 / (2 ln 2).
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;
/// Redis's seed for MurmurHash64A in `hllPatLen`.
const SEED: u64 = 0xadc8_3b19;

pub(super) struct HyperLogLog {
    registers: Box<[u8; REGISTERS]>,
}

impl Default for HyperLogLog {
    fn default() -> Self {
        Self {
            registers: Box::new([0; REGISTERS]),
        }
    }
}

impl HyperLogLog {
    /// Adds `element`; whether the estimate may have changed (as `PFADD` answers).
    pub(super) fn add(&mut self, element: &[u8]) -> bool {
        let hash = murmur64a(element, SEED);
        let index = (hash & (REGISTERS as u64 - 1)) as usize;
        // The run of zeros from the low end of the other 50 bits, plus one; bit Q bounds it.
        let rank = ((hash >> P) | (1 << Q)).trailing_zeros() as u8 + 1;
        let register = &mut self.registers[index];
        if rank > *register {
            *register = rank;
            true
        } else {
            false
        }
    }

    /// The estimated number of distinct elements added.
    pub(super) fn count(&self) -> u64 {
        let mut histogram = [0u32; Q as usize + 2];
        for &register in self.registers.iter() {
            histogram[usize::from(register)] += 1;
        }
        let m = REGISTERS as f64;
        let mut z = m * tau((m - f64::from(histogram[Q as usize + 1])) / m);
        for j in (1..=Q as usize).rev() {
            z += f64::from(histogram[j]);
            z *= 0.5;
        }
        z += m * sigma(f64::from(histogram[0]) / m);
        // An empty sketch: z is infinite and the estimate 0.
        (ALPHA_INF * m * m / z).round() as u64
    }
}

/// Ertl's σ, summed until it stops changing (as Redis's `hllSigma`).
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let previous = z;
        z += x * y;
        y += y;
        if z == previous {
            return z;
        }
    }
}

/// Ertl's τ (as Redis's `hllTau`).
fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let previous = z;
        y *= 0.5;
        z -= (1.0 - x).powi(2) * y;
        if z == previous {
            return z / 3.0;
        }
    }
}

/// Austin Appleby's MurmurHash64A, little-endian, as Redis's hyperloglog.c computes it.
fn murmur64a(data: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (data.len() as u64).wrapping_mul(M);
    let mut blocks = data.chunks_exact(8);
    for block in &mut blocks {
        let mut k = u64::from_le_bytes(block.try_into().expect("8 bytes"));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        for (i, &byte) in tail.iter().enumerate() {
            h ^= u64::from(byte) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_sketch_counts_zero_and_a_repeat_changes_nothing() {
        let mut hll = HyperLogLog::default();
        assert_eq!(hll.count(), 0);
        assert!(hll.add(b"subject-1"));
        assert!(!hll.add(b"subject-1"));
        assert_eq!(hll.count(), 1);
    }

    #[test]
    fn small_counts_are_exact_and_large_ones_within_the_stated_error() {
        let mut hll = HyperLogLog::default();
        for n in 0..100_000u32 {
            hll.add(format!("subject-{n}").as_bytes());
            // Each subject twice: distinct users, not exchanges.
            hll.add(format!("subject-{n}").as_bytes());
            if n + 1 == 100 {
                assert_eq!(hll.count(), 100);
            }
        }
        let error = (hll.count() as f64 - 100_000.0).abs() / 100_000.0;
        // Three standard errors (0.81% each); the input is fixed, so the result is too.
        assert!(error < 0.0243, "estimate {} for 100000", hll.count());
    }
}
