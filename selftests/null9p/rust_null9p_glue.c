// SPDX-License-Identifier: GPL-2.0
/*
 * rust_null9p: module parameters, and the runtime's C helpers.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "../../glue/params.h"

RKS_LISTEN_PARAMS(rust_null9p, 5641);

/* The runtime's helpers, linked into this module. */
#include "../../glue/runtime.c"
