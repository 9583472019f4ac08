/* impl.h: a TCP implementation the scenarios can run at either end, declared in a small file
 * (impl/NAME.impl, format in impl/README.md): the program that drives it, the device it sends
 * through, how it takes a behaviour script, how a scenario's per-endpoint settings reach it and
 * what it supports. A pairing names its two ends by these names (linux-stack: a client of
 * impl/linux.impl, a server of impl/stack.impl). Pure parsing: the caller reads the file. */
#ifndef SYNFIN_IMPL_H
#define SYNFIN_IMPL_H

#include <stdbool.h>
#include <stddef.h>

enum impl_device {
	IMPL_DEVICE_KERNEL, /* the namespace's own kernel TCP on a veth */
	IMPL_DEVICE_TUN,    /* a userspace stack on a tun device in the namespace */
	IMPL_DEVICE_TAP,    /* a userspace stack on a tap device, answering ARP itself */
};

enum impl_script {
	IMPL_SCRIPT_ARGUMENT, /* the behaviour script is the program's last argument */
};

enum impl_settings {
	IMPL_SETTINGS_NONE,   /* takes no settings */
	IMPL_SETTINGS_SYSCTL, /* the scenario's `sysctl KEY=VALUE`, set in its namespace */
	IMPL_SETTINGS_OPTION, /* the scenario's `set KEY=VALUE`, each as OPTION KEY=VALUE */
};

/* `families`: the address families its endpoint program speaks, as bits */
#define IMPL_FAMILY_IPV4 1u
#define IMPL_FAMILY_IPV6 2u

/* A pairing a declaration names (`check lwip-linux`), where it was written. */
struct impl_pairing_ref {
	char name[72];
	unsigned line, col;
};
#define IMPL_MAX_CHECKS 8

/* `counter NAME KEY`: the scenario's counter NAME (counter.h) is the member KEY of the
 * "counters" record the endpoint program writes at exit (synfin-peer: tcp-paws; synfin-kpeer:
 * TcpExtPAWSEstab, its namespace's /proc/net/netstat from its start to its exit). */
struct impl_counter {
	char name[32];
	char key[64];
};
#define IMPL_MAX_COUNTERS 8
/* `order` not declared: after every implementation that declares one */
#define IMPL_ORDER_LAST 1000000

struct impl {
	char name[32];
	/* relative to the build folder (harness/endpoint/synfin-kpeer), or absolute */
	char program[256];
	enum impl_device device;
	enum impl_script script;
	enum impl_settings settings;
	char settings_option[32];   /* IMPL_SETTINGS_OPTION: "--set" */
	char time_scale_option[32]; /* supports stack-scale: its option, "" when not supported */
	char linger_option[32];     /* supports linger: its option, "" when not supported */
	/* `families ipv4 [ipv6] [because REASON]`: what its program can connect over (default
	 * IPv4 alone), and why not the others, for the skip it makes */
	unsigned families;
	char families_reason[160];
	int order; /* `order N`: where its pairings come in lists, runs and tables (lower first) */
	/* `check PAIRING...`: its pairings a check runs when no --pair or --impl is given */
	struct impl_pairing_ref check[IMPL_MAX_CHECKS];
	size_t n_check;
	struct impl_counter counters[IMPL_MAX_COUNTERS];
	size_t n_counters;
	char file[512]; /* the file it was read from, for messages (the loader's; "" when none) */
};

struct impl_error {
	unsigned line, col; /* 1-based; both 0 when the problem is the whole file */
	char msg[200];
};

/* Parse one declaration file's text. Returns 0, or -EINVAL with err filled. */
int impl_parse(const char *text, struct impl *im, struct impl_error *err);

/* The implementation called name among n, or NULL. */
const struct impl *impl_find(const struct impl *v, size_t n, const char *name);

/* The key of the counter called name among an implementation's n declared counters v (its
 * "counters" record's member), or NULL when it declares none. */
const char *impl_counter_key(const struct impl_counter *v, size_t n, const char *name);

/* The program's file name: "synfin-kpeer" of "harness/endpoint/synfin-kpeer". */
const char *impl_program_name(const struct impl *im);

/* The program's path: an absolute program as declared, a relative one below build. */
void impl_program_path(const struct impl *im, const char *build, char *buf, size_t size);

#endif
