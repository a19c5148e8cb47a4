// SPDX-License-Identifier: GPL-2.0
/*
 * rust_9p: creator threads (rust_9p/vfs/creator.rs). vfs_create(),
 * vfs_mkdir() and vfs_mknod() strip the current task's umask from the mode,
 * and workqueue workers share init_fs (umask 0022), while a client's mode
 * already has its own umask applied. So entries are created on these
 * kthread workers, each with an fs_struct of its own whose umask is 0 (as
 * nfsd's threads do), and init_fs is left alone.
 */
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/fs_struct.h>
#include <linux/kthread.h>
#include <linux/sched.h>

#include "vfs.h"

struct creator_init {
	struct kthread_work work;
	int err;
};

static void creator_init_fn(struct kthread_work *work)
{
	struct creator_init *init = container_of(work, struct creator_init, work);

	init->err = unshare_fs_struct();
	if (!init->err)
		current->fs->umask = 0;
}

/* How many creator threads to start: one per online CPU, at most 8. */
unsigned int rust_9p_creators_wanted(void)
{
	return clamp(num_online_cpus(), 1U, 8U);
}

/* Starts creator thread @index. Returns it or an ERR_PTR(). */
struct kthread_worker *rust_9p_creator_new(unsigned int index)
{
	struct creator_init init = {};
	struct kthread_worker *worker;

	worker = kthread_create_worker(0, "rust_9p_create/%u", index);
	if (IS_ERR(worker))
		return worker;
	kthread_init_work(&init.work, creator_init_fn);
	kthread_queue_work(worker, &init.work);
	kthread_flush_work(&init.work);
	if (init.err) {
		kthread_destroy_worker(worker);
		return ERR_PTR(init.err);
	}
	return worker;
}

/* Runs what is queued on @worker, then stops it. */
void rust_9p_creator_destroy(struct kthread_worker *worker)
{
	kthread_destroy_worker(worker);
}

void rust_9p_work_init(struct kthread_work *work, void (*fn)(struct kthread_work *))
{
	kthread_init_work(work, fn);
}
