//! What the machine says about itself: physical memory (for the default `--max-memory`) and this
//! process's peak resident memory (for `summary.json`). Both read Linux's `/proc`; elsewhere they
//! say nothing (no default limit, a peak of 0).

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
