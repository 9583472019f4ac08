/* faultd_ring.h: a single-producer, single-consumer ring of variable-length records, the hand-off
 * between the daemon's packet path (which appends what a trace needs) and the thread that
 * formats and writes the traces.
 *
 * No locks and no system calls: the producer and the consumer each own one position and read
 * the other's with acquire ordering. Records are contiguous (a record that would cross the end
 * starts again at the beginning), so either side hands out plain pointers. Waiting for room or
 * for records is the caller's business (faultd_writer.c). */
#ifndef SYNFIN_FAULTD_RING_H
#define SYNFIN_FAULTD_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct faultd_ring {
	uint8_t *buf;
	size_t size; /* a power of two */
	/* Bytes handed over / given back, counted from the start (they never wrap). Each side
	 * writes its own line and keeps a copy of the other's position, read again only when
	 * the copy says the ring is full (producer) or empty (consumer): a line shared by both
	 * would move between the cores at every record. */
	char apart_from_before[64];
	_Atomic size_t published; /* written by the producer */
	size_t reserved;          /* the producer's: published plus records not yet published */
	size_t seen_released;     /* the producer's copy of released */
	char apart_from_producer[64];
	_Atomic size_t released; /* written by the consumer */
	size_t read;             /* the consumer's: released plus records read, not released */
	size_t seen_published;   /* the consumer's copy of published */
	char apart_from_after[64];
};

/* size: bytes, rounded up to a power of two (at least 4 KiB). 0 or -ENOMEM. */
int faultd_ring_init(struct faultd_ring *r, size_t size);
void faultd_ring_free(struct faultd_ring *r);

/* The largest record the ring takes (a quarter of it: a record never waits for more than the
 * consumer can free). */
size_t faultd_ring_max_record(const struct faultd_ring *r);

/* Producer: room for a record of len bytes (8-byte aligned), after those reserved before it;
 * NULL when the consumer has not yet freed enough (or len exceeds faultd_ring_max_record). The
 * record is the consumer's to see only after faultd_ring_publish. */
void *faultd_ring_reserve(struct faultd_ring *r, size_t len);
/* Producer: hand every reserved record to the consumer (a release store: a consumer about to
 * sleep must be looked for after a full fence, as faultd_writer.c does). */
void faultd_ring_publish(struct faultd_ring *r);
/* Producer: bytes published or reserved that the consumer has not given back yet. */
size_t faultd_ring_used(struct faultd_ring *r);

/* Consumer: the next published record (its length in *len), or NULL when there is none. It
 * stays valid until faultd_ring_release. */
const void *faultd_ring_next(struct faultd_ring *r, size_t *len);
/* Consumer: give back the room of every record read so far. */
void faultd_ring_release(struct faultd_ring *r);
/* Consumer: whether a published record waits to be read. */
bool faultd_ring_has_records(struct faultd_ring *r);

#endif
