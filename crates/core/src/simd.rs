//! Which vector instructions the signing kernels use: the best the CPU has, or a lower level forced
//! with the environment variable `STORYDUP_SIMD=avx512|avx2|scalar`.
//!
//! The build stays portable (no `-C target-cpu`): each kernel is compiled once per level and the
//! level is picked at run time. Every kernel is integer arithmetic and gives the same bits at every
//! level (the tests compare them), so the switch changes speed only, never output. It exists to
//! measure the paths a machine without AVX-512 (most cloud machines) or without AVX2 (ARM, old
//! x86) would take, on a machine that has them.
//!
//! The variable is read once per process, at the first kernel call. A level the CPU lacks falls
//! back to the best one it has (`avx512` on an AVX2-only machine runs AVX2); a value that is not
//! one of the three names is ignored, and [`Level::get`] reports what runs, so a bench that prints
//! it shows a typo.

use std::sync::OnceLock;

/// A set of vector instructions a kernel is compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// No target features: the portable build (on x86-64 the compiler may still use SSE2, on
    /// aarch64 NEON, which those targets always have).
    Scalar,
    /// AVX2 (x86-64): 256-bit integer vectors, eight 32-bit lanes.
    Avx2,
    /// AVX-512 F, BW, DQ and VL (x86-64): 512-bit vectors, sixteen 32-bit lanes, mask registers.
    Avx512,
}

/// The environment variable that forces a level.
pub const ENV_VAR: &str = "STORYDUP_SIMD";

impl Level {
    /// The level every dispatching kernel uses in this process: the best available, or the one
    /// `STORYDUP_SIMD` asks for if it is available (else the best below it). Read once.
    pub fn get() -> Level {
        static LEVEL: OnceLock<Level> = OnceLock::new();
        *LEVEL.get_or_init(|| {
            let wanted = std::env::var(ENV_VAR).ok().and_then(|v| Level::parse(&v));
            Level::at_most(wanted.unwrap_or(Level::Avx512))
        })
    }

    /// The level named by `s` (`scalar`, `avx2`, `avx512`, any case), if it names one.
    pub fn parse(s: &str) -> Option<Level> {
        match s.trim().to_ascii_lowercase().as_str() {
            "scalar" | "none" | "off" => Some(Level::Scalar),
            "avx2" => Some(Level::Avx2),
            "avx512" => Some(Level::Avx512),
            _ => None,
        }
    }

    /// The best level this CPU runs that is not above `wanted`.
    pub fn at_most(wanted: Level) -> Level {
        [Level::Avx512, Level::Avx2]
            .into_iter()
            .find(|&l| l <= wanted && l.is_available())
            .unwrap_or(Level::Scalar)
    }

    /// Whether this CPU has the instructions of this level.
    pub fn is_available(self) -> bool {
        match self {
            Level::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => {
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("avx512dq")
                    && std::arch::is_x86_feature_detected!("avx512vl")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// Every level this CPU runs, lowest first: what the tests compare and the benches time.
    pub fn available() -> Vec<Level> {
        [Level::Scalar, Level::Avx2, Level::Avx512]
            .into_iter()
            .filter(|l| l.is_available())
            .collect()
    }

    /// The name `STORYDUP_SIMD` takes for this level.
    pub fn name(self) -> &'static str {
        match self {
            Level::Scalar => "scalar",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for l in [Level::Scalar, Level::Avx2, Level::Avx512] {
            assert_eq!(Level::parse(l.name()), Some(l));
        }
        assert_eq!(Level::parse(" AVX2 "), Some(Level::Avx2));
        assert_eq!(Level::parse("sse9"), None);
    }

    #[test]
    fn never_above_what_is_asked_or_available() {
        assert_eq!(Level::at_most(Level::Scalar), Level::Scalar);
        for l in Level::available() {
            assert_eq!(Level::at_most(l), l);
        }
        assert!(Level::get().is_available());
    }
}
