// SPDX-License-Identifier: GPL-2.0
/*
 * Credentials of the users the servers act for (glue/creds.rs wraps them).
 * Included into each module's *_glue.c, like glue/runtime.c.
 *
 * Its functions are __weak: built into one kernel, the modules' copies are
 * the same code, and the linker keeps one of them instead of refusing the
 * duplicates.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/uidgid.h>

#include "creds.h"

/*
 * The file-system capabilities a root client may be given (no_root_squash):
 * those of nfsd's CAP_NFSD_SET less CAP_SYS_RESOURCE and CAP_MKNOD. Never
 * CAP_SYS_ADMIN or anything else.
 */
static kernel_cap_t fs_caps(void)
{
	kernel_cap_t caps = CAP_EMPTY_SET;

	cap_raise(caps, CAP_CHOWN);
	cap_raise(caps, CAP_DAC_OVERRIDE);
	cap_raise(caps, CAP_DAC_READ_SEARCH);
	cap_raise(caps, CAP_FOWNER);
	cap_raise(caps, CAP_FSETID);
	return caps;
}

/*
 * Credentials of user @uid, group @gid and the @ngroups supplementary
 * @groups, with no capabilities (or, with @with_fs_caps, the file-system
 * ones of fs_caps()): every access is checked as that user's. Returns them
 * or an ERR_PTR().
 */
__weak const struct cred *rks_cred_new(u32 uid, u32 gid, const u32 *groups,
				       size_t ngroups, bool with_fs_caps)
{
	kuid_t kuid = make_kuid(&init_user_ns, uid);
	kgid_t kgid = make_kgid(&init_user_ns, gid);
	struct group_info *info;
	struct cred *cred;
	size_t i;

	if (!uid_valid(kuid) || !gid_valid(kgid) || ngroups > NGROUPS_MAX)
		return ERR_PTR(-EINVAL);
	info = groups_alloc(ngroups);
	if (!info)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < ngroups; i++) {
		info->gid[i] = make_kgid(&init_user_ns, groups[i]);
		if (!gid_valid(info->gid[i])) {
			put_group_info(info);
			return ERR_PTR(-EINVAL);
		}
	}
	groups_sort(info);
	cred = prepare_kernel_cred(&init_task);
	if (!cred) {
		put_group_info(info);
		return ERR_PTR(-ENOMEM);
	}
	cred->uid = kuid;
	cred->euid = kuid;
	cred->suid = kuid;
	cred->fsuid = kuid;
	cred->gid = kgid;
	cred->egid = kgid;
	cred->sgid = kgid;
	cred->fsgid = kgid;
	cred->cap_effective = with_fs_caps ? fs_caps() : CAP_EMPTY_SET;
	cred->cap_permitted = cred->cap_effective;
	cred->cap_inheritable = CAP_EMPTY_SET;
	cred->cap_ambient = CAP_EMPTY_SET;
	cred->cap_bset = cred->cap_effective;
	set_groups(cred, info);
	put_group_info(info);
	return cred;
}

__weak void rks_cred_get(const struct cred *cred)
{
	get_cred(cred);
}

__weak void rks_cred_put(const struct cred *cred)
{
	put_cred(cred);
}
