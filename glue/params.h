/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The listening-address parameters every server module has, with the
 * accessors its Rust code reads them through (glue/params.rs checks them).
 */
#ifndef RKS_GLUE_PARAMS_H
#define RKS_GLUE_PARAMS_H

#include <linux/moduleparam.h>

/*
 * Declares the "address" and "port" parameters of module @mod and the
 * accessors @mod_param_address() and @mod_param_port().
 */
#define RKS_LISTEN_PARAMS(mod, default_port)					\
	static char address[64];						\
	module_param_string(address, address, sizeof(address), 0444);		\
	MODULE_PARM_DESC(address,						\
		"IPv4 or IPv6 address to listen on (default: every address)");	\
	static int port = default_port;						\
	module_param(port, int, 0444);						\
	MODULE_PARM_DESC(port, "TCP port to listen on, 1-65535 (default: "	\
		#default_port ")");						\
	const char *mod##_param_address(void);					\
	const char *mod##_param_address(void) { return address; }		\
	int mod##_param_port(void);						\
	int mod##_param_port(void) { return port; }

#endif
