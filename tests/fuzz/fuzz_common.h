/* fuzz_common.h: input framing shared by the fuzz targets.
 *
 * Targets that need several packets take them from one input as records: a 2-byte big-endian
 * length, then that many bytes (cut short at the end of the input). Each record is copied into
 * a buffer of exactly its size, so AddressSanitizer reports a read one byte past a packet.
 */
#ifndef SYNFIN_FUZZ_COMMON_H
#define SYNFIN_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct fuzz_reader {
	const uint8_t *p;
	size_t left;
};

/* The next record in a malloc'd buffer of exactly *len bytes (NULL at the end of the input, or
 * for an empty record: malloc(0) may return NULL, so *len tells them apart). */
static inline int fuzz_next_record(struct fuzz_reader *r, uint8_t **out, size_t *len)
{
	if (r->left < 2)
		return 0;
	size_t n = (size_t)r->p[0] << 8 | r->p[1];
	r->p += 2;
	r->left -= 2;
	if (n > r->left)
		n = r->left;
	*out = malloc(n ? n : 1);
	if (!*out)
		abort();
	memcpy(*out, r->p, n);
	*len = n;
	r->p += n;
	r->left -= n;
	return 1;
}

/* A NUL-terminated copy of data[0..size). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A file holding data, for the APIs that take a path: a memfd seen through /proc/self/fd, so
 * nothing touches the disk. Returns the fd (close it after use) and fills path. */
static inline int fuzz_memfile(const uint8_t *data, size_t size, char *path, size_t path_size)
{
	int fd = memfd_create("synfin-fuzz", 0);
	if (fd < 0)
		abort();
	size_t off = 0;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0)
			abort();
		off += (size_t)w;
	}
	snprintf(path, path_size, "/proc/self/fd/%d", fd);
	return fd;
}

/* Output nobody reads: formatting still runs in full. */
static inline FILE *fuzz_null_file(void)
{
	static FILE *null;
	if (!null) {
		null = fopen("/dev/null", "w");
		if (!null)
			abort();
	}
	return null;
}

/* A check that stays in release builds: a broken property is a crash the fuzzer keeps. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__,        \
			        #cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
