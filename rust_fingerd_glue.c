// SPDX-License-Identifier: GPL-2.0
/*
 * rust_fingerd: module parameters read by its Rust code.
 *
 * Rust for Linux 6.12 has no module parameters, so they are declared here
 * and read through accessors; validation happens in rust_fingerd/params.rs.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

/* Called from Rust. */
const char *rust_fingerd_param_address(void);
int rust_fingerd_param_port(void);

static char address[64];
module_param_string(address, address, sizeof(address), 0444);
MODULE_PARM_DESC(address, "IPv4 or IPv6 address to listen on (default: every address)");

static int port = 79;
module_param(port, int, 0444);
MODULE_PARM_DESC(port, "TCP port to listen on, 1-65535 (default: 79)");

const char *rust_fingerd_param_address(void)
{
	return address;
}

int rust_fingerd_param_port(void)
{
	return port;
}
