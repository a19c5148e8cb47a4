/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading small files whole (glue/file.c), for glue/file.rs. Each Rust
 * declaration of these (glue/ffi.rs) must match.
 */
#ifndef RKS_GLUE_FILE_H
#define RKS_GLUE_FILE_H

#include <linux/compiler.h>
#include <linux/types.h>

/*
 * Each module links its own copy of these helpers (its *_glue.c includes
 * the .c file). Built into one kernel, the copies are the same code: __weak
 * lets the linker keep one of them instead of refusing the duplicates.
 */
__weak void *rks_read_file(const char *path, size_t max, size_t *len);
__weak void rks_free(void *data);

#endif
