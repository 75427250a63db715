//! Session-affinity hashing, the twin of src/lb/affinity-hash.ts: MurmurHash3 x86_32
//! over a string's UTF-16LE bytes (two code units make one little-endian block), and
//! rendezvous (highest random weight) choice with murmur's fmix32. Integer arithmetic only,
//! except the weighted score's `ln`, so both twins give the same numbers.

const C1: u32 = 0xcc9e_2d51;
const C2: u32 = 0x1b87_3593;

#[inline]
fn block(k: u32) -> u32 {
    k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2)
}

/// MurmurHash3 x86_32 of the UTF-16LE encoding of `units` (a JS string's code units).
pub fn murmur_utf16(units: &[u16], seed: u32) -> u32 {
    let mut h = seed;
    let mut pairs = units.chunks_exact(2);
    for p in &mut pairs {
        h ^= block(u32::from(p[0]) | (u32::from(p[1]) << 16));
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    if let [last] = pairs.remainder() {
        h ^= block(u32::from(*last));
    }
    h ^= (units.len() as u32).wrapping_mul(2);
    fmix32(h)
}

#[inline]
pub fn fmix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// The eligible index with the largest fmix32(key ^ hash); ties keep the lower index; -1: none.
pub fn rendezvous(key: u32, hashes: &[u32], eligible: &[u8]) -> i32 {
    let mut best = -1;
    let mut best_score = 0u32;
    for (i, &h) in hashes.iter().enumerate() {
        if eligible.get(i).copied().unwrap_or(0) == 0 {
            continue;
        }
        let s = fmix32(key ^ h);
        if best < 0 || s > best_score {
            best = i as i32;
            best_score = s;
        }
    }
    best
}

/// Weighted rendezvous: the largest weight / -ln((fmix32(key ^ hash) + 0.5) / 2^32).
pub fn rendezvous_weighted(key: u32, hashes: &[u32], weights: &[f64], eligible: &[u8]) -> i32 {
    let mut best = -1;
    let mut best_score = -1.0f64;
    for (i, &h) in hashes.iter().enumerate() {
        let w = weights.get(i).copied().unwrap_or(0.0);
        if eligible.get(i).copied().unwrap_or(0) == 0 || w.is_nan() || w <= 0.0 {
            continue;
        }
        let u = (f64::from(fmix32(key ^ h)) + 0.5) / 4_294_967_296.0;
        let s = w / -u.ln();
        if s > best_score {
            best = i as i32;
            best_score = s;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    /// Reference MurmurHash3 x86_32 over bytes (the published algorithm, byte tail included).
    fn murmur_bytes(data: &[u8], seed: u32) -> u32 {
        let mut h = seed;
        let mut blocks = data.chunks_exact(4);
        for b in &mut blocks {
            h ^= block(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
        }
        let tail = blocks.remainder();
        let mut k = 0u32;
        for (i, &b) in tail.iter().enumerate() {
            k |= u32::from(b) << (8 * i);
        }
        if !tail.is_empty() {
            h ^= block(k);
        }
        h ^= data.len() as u32;
        fmix32(h)
    }

    #[test]
    fn reference_vectors() {
        assert_eq!(murmur_bytes(b"", 0), 0);
        assert_eq!(murmur_bytes(b"", 1), 0x514e_28b7);
        assert_eq!(murmur_bytes(b"test", 0), 0xba6b_d213);
        assert_eq!(murmur_bytes(b"Hello, world!", 0x9747_b28c), 0x2488_4cba);
    }

    #[test]
    fn utf16_is_murmur_of_the_le_bytes() {
        for s in ["", "a", "ab", "abc", "héllo wörld", "emoji 🦀 and 中文", "x".repeat(1001).as_str()] {
            let units = utf16(s);
            let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
            for seed in [0, 1, 0x6167_7731] {
                assert_eq!(murmur_utf16(&units, seed), murmur_bytes(&bytes, seed), "{s:?} seed {seed}");
            }
        }
    }

    #[test]
    fn rendezvous_skips_ineligible_and_returns_minus_one_for_none() {
        let hashes = [1, 2, 3];
        assert_eq!(rendezvous(7, &hashes, &[0, 0, 0]), -1);
        let all = rendezvous(7, &hashes, &[1, 1, 1]);
        let mut without = [1u8, 1, 1];
        without[all as usize] = 0;
        let second = rendezvous(7, &hashes, &without);
        assert!(second >= 0 && second != all);
        assert_eq!(rendezvous_weighted(7, &hashes, &[0.0, 0.0, 0.0], &[1, 1, 1]), -1);
    }
}
