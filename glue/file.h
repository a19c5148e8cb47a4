/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading small files whole (glue/file.c), for glue/file.rs. Each Rust
 * declaration of these (glue/ffi.rs) must match.
 */
#ifndef RKS_GLUE_FILE_H
#define RKS_GLUE_FILE_H

#include <linux/types.h>

void *rks_read_file(const char *path, size_t max, size_t *len);

#endif
