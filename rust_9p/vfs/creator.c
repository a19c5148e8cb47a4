// SPDX-License-Identifier: GPL-2.0
/*
 * rust_9p: creating entries with umask 0 (rust_9p/vfs/creator.rs).
 * vfs_create(), vfs_mkdir() and vfs_mknod() strip the current task's umask
 * from the mode, and workqueue workers share init_fs (umask 0022), while a
 * client's mode already has its own umask applied. So a kthread started at
 * load unshares its fs_struct and sets its umask to 0 (as nfsd's threads
 * do), then sleeps until unload; a request that creates an entry makes that
 * fs_struct its worker's own for the call, under task_lock() as
 * unshare_fs_struct() swaps one, and gives init_fs back after. No hand-off
 * to another thread, and init_fs is left alone.
 */
#include <linux/bug.h>
#include <linux/err.h>
#include <linux/fs_struct.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>

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

/* Starts the thread that keeps the fs_struct of umask 0. Returns it or an ERR_PTR(). */
struct kthread_worker *rust_9p_creator_new(void)
{
	struct creator_init init = {};
	struct kthread_worker *worker;

	worker = kthread_create_worker(0, "rust_9p_umask0");
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

/* Stops it; nobody may be inside rust_9p_creator_enter() on it. */
void rust_9p_creator_destroy(struct kthread_worker *worker)
{
	kthread_destroy_worker(worker);
}

/*
 * Makes @creator's fs_struct the current task's; returns the task's own,
 * for rust_9p_creator_leave() before the task does anything else.
 */
struct fs_struct *rust_9p_creator_enter(struct kthread_worker *creator)
{
	/* Set before the init work was flushed, and never changed after. */
	struct fs_struct *fs = creator->task->fs, *own;

	task_lock(current);
	spin_lock(&fs->lock);
	fs->users++;
	spin_unlock(&fs->lock);
	own = current->fs;
	current->fs = fs;
	task_unlock(current);
	return own;
}

/* Gives the current task back @own, from rust_9p_creator_enter(). */
void rust_9p_creator_leave(struct fs_struct *own)
{
	struct fs_struct *fs;

	task_lock(current);
	fs = current->fs;
	current->fs = own;
	spin_lock(&fs->lock);
	/* The creator thread holds its reference until it stops. */
	WARN_ON_ONCE(!--fs->users);
	spin_unlock(&fs->lock);
	task_unlock(current);
}
