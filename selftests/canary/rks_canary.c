// SPDX-License-Identifier: GPL-2.0
/*
 * A deliberately broken module, for testing the test harness: the host's
 * kernel log scan must fail a run in which this module is loaded.
 *
 *   insmod rks_canary.ko crash=warn    WARN()s on load, then loads
 *   insmod rks_canary.ko crash=oops    dereferences NULL on load
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

static char crash[16] = "warn";
module_param_string(crash, crash, sizeof(crash), 0444);
MODULE_PARM_DESC(crash, "How to fail on load: warn or oops");

static int __init rks_canary_init(void)
{
	if (!strcmp(crash, "oops")) {
		int *volatile null = NULL;

		return *null;
	}
	WARN(1, "rks_canary: deliberate warning\n");
	return 0;
}

static void __exit rks_canary_exit(void)
{
}

module_init(rks_canary_init);
module_exit(rks_canary_exit);
MODULE_DESCRIPTION("Deliberately broken module that tests the selftest log scan");
MODULE_LICENSE("GPL");
