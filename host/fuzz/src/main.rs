// SPDX-License-Identifier: GPL-2.0

//! The fuzz targets of `rks-host-tests`, for libFuzzer (whose `main` this
//! binary is linked with: see `scripts/fuzz.sh`). `RKS_FUZZ_TARGET` names
//! the target; a failed property panics, which aborts, which libFuzzer
//! reports as a crash with the input that caused it.

#![no_main]

use rks_host_tests::fuzz::{Target, TARGETS};
use std::sync::OnceLock;

/// The target `RKS_FUZZ_TARGET` names.
fn target() -> Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    *TARGET.get_or_init(|| {
        let name = std::env::var("RKS_FUZZ_TARGET").unwrap_or_default();
        match TARGETS.iter().find(|(n, _)| *n == name) {
            Some((_, target)) => *target,
            None => {
                let names: Vec<_> = TARGETS.iter().map(|(n, _)| *n).collect();
                eprintln!("rks-fuzz: RKS_FUZZ_TARGET={name:?}: not one of {names:?}");
                std::process::exit(2);
            }
        }
    })
}

/// libFuzzer's entry point: one input.
///
/// # Safety
///
/// libFuzzer passes `size` readable bytes at `data` (or a dangling pointer
/// with `size` 0).
#[no_mangle]
pub unsafe extern "C" fn LLVMFuzzerTestOneInput(data: *const u8, size: usize) -> i32 {
    let input = if size == 0 {
        &[][..]
    } else {
        // SAFETY: libFuzzer's contract, above.
        unsafe { std::slice::from_raw_parts(data, size) }
    };
    target()(input);
    0
}
