// SPDX-License-Identifier: GPL-2.0
/*
 * Reading small files whole (account files, a user's plan) for the modules'
 * Rust code, which wraps the buffers in glue/file.rs. Included into a
 * module's *_glue.c.
 *
 * Its functions are __weak: built into one kernel, the modules' copies are
 * the same code, and the linker keeps one of them instead of refusing the
 * duplicates.
 */
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "file.h"

/*
 * Reads up to @max bytes of the regular file @file into a kvmalloc() buffer
 * sized to the file; stores the length read in @len. Returns the buffer
 * (glue/file.rs frees it with kvfree()) or an ERR_PTR().
 */
static void *read_regular(struct file *file, size_t max, size_t *len)
{
	struct inode *inode = file_inode(file);
	loff_t pos = 0;
	size_t size, got = 0;
	char *buf;

	if (!S_ISREG(inode->i_mode))
		return ERR_PTR(-EINVAL);
	/* One byte more than the size, so that a file that grew is still cut at @max. */
	size = min_t(loff_t, i_size_read(inode) + 1, max);
	buf = kvmalloc(max_t(size_t, size, 1), GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	while (got < size) {
		ssize_t n = kernel_read(file, buf + got, size - got, &pos);

		if (n < 0) {
			kvfree(buf);
			return ERR_PTR(n);
		}
		if (n == 0)
			break;
		got += n;
	}
	*len = got;
	return buf;
}

/* Reads up to @max bytes of @path with the module's (kernel) credentials. */
__weak void *rks_read_file(const char *path, size_t max, size_t *len)
{
	struct file *file = filp_open(path, O_RDONLY | O_NONBLOCK, 0);
	void *ret;

	if (IS_ERR(file))
		return file;
	ret = read_regular(file, max, len);
	filp_close(file, NULL);
	return ret;
}
