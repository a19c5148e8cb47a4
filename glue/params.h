/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The listening-address parameters every server module has, with the
 * accessors its Rust code reads them through (glue/params.rs checks them).
 */
#ifndef RKS_GLUE_PARAMS_H
#define RKS_GLUE_PARAMS_H

#include <linux/moduleparam.h>

/*
 * The sizes of the string parameters' buffers, which glue/params.rs states
 * again: the Rust accessors return the buffers whole.
 */
#define RKS_ADDRESS_PARAM_LEN 64
#define RKS_ALLOW_PARAM_LEN 1024

/*
 * Declares the "address", "port" and "allow" parameters of module @mod
 * and the accessors @mod_param_address(), @mod_param_port() and
 * @mod_param_allow().
 */
#define RKS_LISTEN_PARAMS(mod, default_port)					\
	static char address[RKS_ADDRESS_PARAM_LEN];				\
	module_param_string(address, address, sizeof(address), 0444);		\
	MODULE_PARM_DESC(address,						\
		"IPv4 or IPv6 address to listen on (default: every address)");	\
	static int port = default_port;						\
	module_param(port, int, 0444);						\
	MODULE_PARM_DESC(port, "TCP port to listen on, 1-65535 (default: "	\
		#default_port ")");						\
	static char allow[RKS_ALLOW_PARAM_LEN];				\
	module_param_string(allow, allow, sizeof(allow), 0444);			\
	MODULE_PARM_DESC(allow,							\
		"Comma-separated IPv4/IPv6 addresses and prefixes that may "	\
		"connect, e.g. 10.0.0.0/8,::1 (default: every address)");	\
	const char *mod##_param_address(void);					\
	const char *mod##_param_address(void) { return address; }		\
	const char *mod##_param_allow(void);					\
	const char *mod##_param_allow(void) { return allow; }			\
	int mod##_param_port(void);						\
	int mod##_param_port(void) { return port; }

#endif
