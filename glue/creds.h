/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C helpers of glue/creds.rs. Each Rust declaration of these (extern "C")
 * must match.
 */
#ifndef RKS_GLUE_CREDS_H
#define RKS_GLUE_CREDS_H

#include <linux/types.h>

struct cred;

const struct cred *rks_cred_new(u32 uid, u32 gid, const u32 *groups, size_t ngroups,
				bool with_fs_caps);
void rks_cred_get(const struct cred *cred);
void rks_cred_put(const struct cred *cred);

#endif
