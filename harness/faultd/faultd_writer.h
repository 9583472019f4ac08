/* faultd_writer.h: a thread that takes records from the daemon's packet path through a
 * faultd_ring and hands each to a callback (faultd_output.c formats and writes the traces
 * there), so the daemon's thread pays for a copy into memory per event instead of the
 * formatting and the write() calls.
 *
 * Records are handed over in the order they were published. The thread sleeps while it has
 * nothing to do; the producer wakes it once a sixteenth of the ring waits (or when told it is
 * urgent), and a flush (faultd_writer_flush) makes it write out everything published before.
 * When the ring is full the producer waits for room (it never drops a record, and it cannot
 * format one itself without overtaking those in the ring): faultd_writer_stats counts those
 * waits. Without a thread (faultd_writer_start_inline) each record is handed to the callback
 * as it is published, on the caller's thread. */
#ifndef SYNFIN_FAULTD_WRITER_H
#define SYNFIN_FAULTD_WRITER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "faultd_ring.h"

/* One record, on the writer's thread. */
typedef void (*faultd_writer_record_fn)(void *ctx, const void *rec, size_t len);
/* Everything handed over so far is to reach the kernel now (fflush), on the writer's thread. */
typedef void (*faultd_writer_flush_fn)(void *ctx);
/* The room of every record handed to on_record so far is about to be given back to the
 * producer: whatever still points into it is to be used now (may be NULL). */
typedef void (*faultd_writer_release_fn)(void *ctx);

struct faultd_writer_ops {
	faultd_writer_record_fn on_record;
	faultd_writer_release_fn before_release;
	faultd_writer_flush_fn on_flush;
};

struct faultd_writer_stats {
	uint64_t full_waits;   /* records that waited for room in the ring */
	uint64_t full_wait_ns; /* how long they waited, in all */
};

struct faultd_writer {
	struct faultd_ring ring;
	struct faultd_writer_ops ops;
	void *ctx;
	bool threaded; /* false: the records are handled inline */
	bool running;  /* the thread was started and not yet joined */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* to the writer: records, a flush or the end */
	pthread_cond_t done; /* to the producer: a flush is done */
	_Atomic bool sleeping;
	uint64_t flush_asked; /* under lock: flushes asked for, and done */
	uint64_t flush_done;
	bool stop;
	size_t woken_at; /* the producer's: ring position at the last wake-up */
	struct faultd_writer_stats stats;
};

/* A ring of ring_size bytes and its thread. 0 or a negative errno. */
int faultd_writer_start(struct faultd_writer *w, size_t ring_size,
                        const struct faultd_writer_ops *ops, void *ctx);
/* The same interface with no thread: records are handled as they are published. */
int faultd_writer_start_inline(struct faultd_writer *w, size_t ring_size,
                               const struct faultd_writer_ops *ops, void *ctx);

/* Room for a record of len bytes, waiting for the writer to free it when the ring is full;
 * NULL only when len exceeds what the ring can ever take (faultd_ring_max_record). */
void *faultd_writer_reserve(struct faultd_writer *w, size_t len);
/* Hand every reserved record over. urgent: wake the writer now (a reader waits live). */
void faultd_writer_publish(struct faultd_writer *w, bool urgent);
/* Ask the writer to write out what was published and flush; wait: until it has. */
void faultd_writer_flush(struct faultd_writer *w, bool wait);
/* Write out everything published, flush, end the thread and free the ring. */
void faultd_writer_stop(struct faultd_writer *w);

#endif
