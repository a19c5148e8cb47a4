/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C helpers of glue/creds.rs. Each Rust declaration of these (extern "C")
 * must match.
 */
#ifndef RKS_GLUE_CREDS_H
#define RKS_GLUE_CREDS_H

#include <linux/compiler.h>
#include <linux/types.h>

struct cred;

/*
 * Each module links its own copy of these helpers (its *_glue.c includes
 * the .c file). Built into one kernel, the copies are the same code: __weak
 * lets the linker keep one of them instead of refusing the duplicates.
 */
__weak const struct cred *rks_cred_new(u32 uid, u32 gid, const u32 *groups,
				       size_t ngroups, bool with_fs_caps);
__weak void rks_cred_get(const struct cred *cred);
__weak void rks_cred_put(const struct cred *cred);

#endif
