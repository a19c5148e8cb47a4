// SPDX-License-Identifier: GPL-2.0
/*
 * rust_echo_async: module parameters, and the runtime's C helpers.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "../glue/params.h"
#include "rust_echo_async_glue.h"

RKS_LISTEN_PARAMS(rust_echo_async, 7777);

static int idle_ms;
module_param(idle_ms, int, 0444);
MODULE_PARM_DESC(idle_ms, "Close a connection idle for this many milliseconds, 0-86400000 (default: 0, never)");

int rust_echo_async_param_idle_ms(void)
{
	return idle_ms;
}

/* The runtime's helpers, linked into this module. */
#include "../glue/runtime.c"
