// SPDX-License-Identifier: GPL-2.0
/*
 * rust_9p: module parameters and the C helpers its Rust code calls.
 *
 * Rust for Linux 6.12 has no module parameters, so they are declared here
 * and read through accessors; validation happens in rust_9p/params.rs.
 */
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/namei.h>

#include "glue/params.h"

/* Called from Rust. */
const char *rust_9p_param_root(void);
int rust_9p_check_dir(const char *path);

RKS_LISTEN_PARAMS(rust_9p, 564);

static char root[PATH_MAX];
module_param_string(root, root, sizeof(root), 0444);
MODULE_PARM_DESC(root, "Absolute path of the directory to export (required)");

const char *rust_9p_param_root(void)
{
	return root;
}

/* Returns 0 if @path names a directory, else a negative errno. */
int rust_9p_check_dir(const char *path)
{
	struct path p;
	int err = kern_path(path, LOOKUP_FOLLOW, &p);

	if (err)
		return err;
	err = d_is_dir(p.dentry) ? 0 : -ENOTDIR;
	path_put(&p);
	return err;
}
