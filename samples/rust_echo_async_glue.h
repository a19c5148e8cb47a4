/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rust_echo_async_glue.c's functions, called from Rust
 * (samples/rust_echo_async.rs), which declares them the same way.
 */
#ifndef RUST_ECHO_ASYNC_GLUE_H
#define RUST_ECHO_ASYNC_GLUE_H

int rust_echo_async_param_idle_ms(void);

#endif
