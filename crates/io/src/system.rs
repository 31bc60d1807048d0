//! What the machine says about itself: physical memory (for the default `--max-memory`) and this
//! process's peak resident memory (for `summary.json`). Both read Linux's `/proc`; elsewhere they
//! say nothing (no default limit, a peak of 0). And one request to the allocator: give freed
//! memory back ([`release_free_memory`]).

/// 90 % of this machine's physical memory, where the system says (Linux `/proc/meminfo`).
pub fn default_memory_limit() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024 / 10 * 9)
}

/// Peak resident set size of this process (VmHWM), or 0 where /proc is not available.
pub fn peak_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// Gives the memory the allocator holds free back to the system, between stages of a long run.
/// glibc keeps the blocks one stage freed in its heaps, scattered among live ones, where the next
/// stage's blocks of other sizes often cannot reuse them: at 100,000 generated articles `stories`
/// peaked at 2.06 GB with them held and 1.86 GB without (results/2026-12-07-stories-scale-6.md).
/// Elsewhere it does nothing.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim takes a size and only returns free pages of glibc's own heaps to
        // the system; it reads and writes no memory of ours.
        unsafe {
            malloc_trim(0);
        }
    }
}
