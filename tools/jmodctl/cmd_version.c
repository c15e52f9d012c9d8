// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_version.c: "jmodctl version" (the allocator geometry from
 * JMOD_IOC_VERSION, needs /dev/jmod) and "jmodctl --version" (the
 * tool's own version, JMODCTL_VERSION from dkms.conf through the
 * Makefile, then the module's version and ABI only if it is loaded:
 * works without the module).  main() in jmodctl.c calls both.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jmodctl.h"

static void print_geometry(const struct jmod_version *v)
{
	char b[64];

	printf("abi            %u%s\n", v->abi, v->abi == JMOD_ABI_VERSION ?
	       "" : "  (jmodctl was built for a different ABI)");
	printf("page_size      %s\n", human(v->page_size, b, sizeof(b)));
	printf("chunk_size     %s\n", human(v->chunk_size, b, sizeof(b)));
	printf("nr_small       %u size classes\n", v->nr_small);
	printf("nr_large       %u size classes\n", v->nr_large);
	printf("max_small      %s\n", human(v->max_small, b, sizeof(b)));
	printf("max_large      %s\n", human(v->max_large, b, sizeof(b)));
	if (v->tcache_max)
		printf("tcache_max     %s\n", human(v->tcache_max, b, sizeof(b)));
	else
		printf("tcache_max     0 (no tcache)\n");
	printf("max_alloc      %s\n", human(v->max_alloc, b, sizeof(b)));
	printf("quota_bytes    %s per fd\n",
	       human(v->quota_bytes, b, sizeof(b)));
	printf("quota_objects  %llu per fd\n",
	       (unsigned long long)v->quota_objects);
	printf("nr_arenas      %u\n", v->nr_arenas);
	printf("nr_selftests   %u\n", v->nr_selftests);
}

static int version_run(void *ctx, int argc, char **argv)
{
	struct jmod_version v;

	if (dev_version(&v))
		return EXIT_FAILURE;
	print_geometry(&v);
	return 0;
}

JMODCTL_CMD(version, NULL, "print the allocator geometry",
	    "Print the allocator geometry reported by JMOD_IOC_VERSION:\n"
	    "ABI version, page and chunk size, size class counts and\n"
	    "limits, per-fd quotas, arenas and in-kernel test cases.\n"
	    "(" PROG " --version: the tool's own version, no module needed.)\n",
	    version_run);

/* The module's MODULE_VERSION from sysfs, or "" */
static void module_version(char *buf, size_t len)
{
	char *v = jmod_read_path(MODULE_DIR "/version", NULL);

	snprintf(buf, len, "%s", v ? v : "");
	buf[strcspn(buf, "\n")] = '\0';
	free(v);
}

/* jmodctl --version: never fails for want of the module */
int print_tool_version(void)
{
	struct jmod_version v;
	char ver[64];
	int fd;

	printf("%s %s (ABI %u)\n", prog, JMODCTL_VERSION, JMOD_ABI_VERSION);
	if (!module_loaded()) {
		printf("module: not loaded\n");
		return fflush(stdout) ? EXIT_FAILURE : 0;
	}
	module_version(ver, sizeof(ver));
	printf("module: " JMOD_MODULE_NAME " %s", ver[0] ? ver : "(no version)");
	fd = jmod_dev_open();
	if (fd >= 0 && !jmod_dev_version(fd, &v))
		printf(" (ABI %u)", v.abi);
	if (fd >= 0)
		close(fd);
	printf("\n");
	return fflush(stdout) ? EXIT_FAILURE : 0;
}
