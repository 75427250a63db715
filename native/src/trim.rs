//! Gives the memory glibc's malloc keeps after a busy spell back to the kernel (issue 18: RSS
//! back near idle once traffic stops).
//!
//! free() rarely returns pages: the main arena shrinks only from its top, past M_TRIM_THRESHOLD,
//! and the arenas of other threads (V8's compiler and GC helpers, libuv's pool) keep theirs.
//! `malloc_trim(0)` walks every arena and hands back each whole free page, wherever it sits
//! (madvise MADV_DONTNEED). It takes each arena's lock while it walks, so the gateway calls it
//! once a thread has gone quiet (src/v8-heap.ts), never on the request path.
//!
//! Other C libraries (musl, macOS) have no such call: there `trim` reports `None`.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
extern "C" {
    /// glibc: 1 when memory was released, 0 when there was none to release. Thread-safe.
    fn malloc_trim(pad: usize) -> std::ffi::c_int;
}

/// Returns free malloc memory to the kernel: `Some(true)` when some was released, `Some(false)`
/// when there was none, `None` when the C library cannot (not glibc).
pub fn trim() -> Option<bool> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim takes no pointers and locks each arena itself.
        Some(unsafe { malloc_trim(0) } != 0)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::trim;

    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn releases_what_was_freed() {
        // 32 MB in 2 KB blocks (below the mmap threshold and tcache's sizes: they come from an
        // arena and coalesce when freed), one in 64 kept so that the freed runs are holes of
        // whole pages inside the arena, not only its top.
        let blocks: Vec<Vec<u8>> = (0..16_384).map(|i| vec![i as u8; 2048]).collect();
        let kept: Vec<Vec<u8>> = blocks.into_iter().step_by(64).collect();
        assert_eq!(trim(), Some(true));
        assert_eq!(kept.len(), 256);
        assert!(kept.iter().enumerate().all(|(i, b)| b[2047] == (64 * i) as u8));
    }

    #[test]
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    fn reports_that_it_cannot() {
        assert_eq!(trim(), None);
    }
}
