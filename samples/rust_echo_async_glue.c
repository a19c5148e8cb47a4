// SPDX-License-Identifier: GPL-2.0
/*
 * rust_echo_async: module parameters, and the runtime's C helpers.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

/* Called from Rust. */
const char *rust_echo_async_param_address(void);
int rust_echo_async_param_port(void);
int rust_echo_async_param_idle_ms(void);

static char address[64];
module_param_string(address, address, sizeof(address), 0444);
MODULE_PARM_DESC(address, "IPv4 or IPv6 address to listen on (default: every address)");

static int port = 7777;
module_param(port, int, 0444);
MODULE_PARM_DESC(port, "TCP port to listen on, 1-65535 (default: 7777)");

static int idle_ms;
module_param(idle_ms, int, 0444);
MODULE_PARM_DESC(idle_ms, "Close a connection idle for this many milliseconds (default: 0, never)");

const char *rust_echo_async_param_address(void)
{
	return address;
}

int rust_echo_async_param_port(void)
{
	return port;
}

int rust_echo_async_param_idle_ms(void)
{
	return idle_ms;
}

/* The runtime's helpers, linked into this module. */
#include "../glue/runtime.c"
