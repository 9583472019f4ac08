/* faultd_writer.c: the trace writer's thread (faultd_writer.h). */
#include "faultd_writer.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

/* Records handled between two releases of their room: the producer gets room back while a
 * long backlog is written, without a store to the shared position per record. */
#define RELEASE_EVERY 64

static void release(struct faultd_writer *w)
{
	if (w->ops.before_release)
		w->ops.before_release(w->ctx);
	faultd_ring_release(&w->ring);
}

static void drain(struct faultd_writer *w)
{
	const void *rec;
	size_t len;
	unsigned n = 0;
	while ((rec = faultd_ring_next(&w->ring, &len))) {
		w->ops.on_record(w->ctx, rec, len);
		if (++n % RELEASE_EVERY == 0)
			release(w);
	}
	release(w);
}

static void *writer_main(void *arg)
{
	struct faultd_writer *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		uint64_t asked = w->flush_asked;
		bool stop = w->stop;
		pthread_mutex_unlock(&w->lock);
		/* what was published before the flush or the end was asked for is all here */
		drain(w);
		if (stop || asked != w->flush_done)
			w->ops.on_flush(w->ctx);
		pthread_mutex_lock(&w->lock);
		if (asked != w->flush_done) {
			w->flush_done = asked;
			pthread_cond_broadcast(&w->done);
		}
		if (stop)
			break;
		if (w->flush_asked != w->flush_done || w->stop)
			continue;
		/* The producer publishes, then (after a full fence, in wake()) reads this flag;
		 * here the flag is set, then the ring read (both seq_cst): one of the two sees the
		 * other, so a record published now is not left waiting for the next flush when the
		 * producer wanted it out. */
		atomic_store(&w->sleeping, true);
		if (!faultd_ring_has_records(&w->ring))
			pthread_cond_wait(&w->wake, &w->lock);
		atomic_store(&w->sleeping, false);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int init(struct faultd_writer *w, size_t ring_size, const struct faultd_writer_ops *ops,
                void *ctx)
{
	memset(w, 0, sizeof(*w));
	w->ops = *ops;
	w->ctx = ctx;
	atomic_init(&w->sleeping, false);
	return faultd_ring_init(&w->ring, ring_size);
}

int faultd_writer_start_inline(struct faultd_writer *w, size_t ring_size,
                               const struct faultd_writer_ops *ops, void *ctx)
{
	return init(w, ring_size, ops, ctx);
}

int faultd_writer_start(struct faultd_writer *w, size_t ring_size,
                        const struct faultd_writer_ops *ops, void *ctx)
{
	int err = init(w, ring_size, ops, ctx);
	if (err)
		return err;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->done, NULL);
	w->threaded = true;
	/* The thread takes no signal: the daemon's loop reads them from a signalfd, which
	 * only works while every thread blocks them, and it may block them only later. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&w->thread, NULL, writer_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pthread_cond_destroy(&w->done);
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		faultd_ring_free(&w->ring);
		return err;
	}
	w->running = true;
	return 0;
}

static void wake(struct faultd_writer *w)
{
	w->woken_at = w->ring.reserved;
	/* The ring's publish is a release store, cheap for every record; this fence orders it
	 * before the flag's load, as the writer's seq_cst store of the flag comes before its
	 * look at the ring: one of the two sees the other. */
	atomic_thread_fence(memory_order_seq_cst);
	if (!atomic_load(&w->sleeping))
		return;
	/* The writer looks at the ring and waits without letting go of the lock in between:
	 * once this thread has held the lock, the writer either waits already or will see the
	 * records. The signal follows the unlock, so the writer it wakes does not at once wait
	 * for a lock this thread still holds (a second wake-up, of the lock's waiter). */
	pthread_mutex_lock(&w->lock);
	pthread_mutex_unlock(&w->lock);
	pthread_cond_signal(&w->wake);
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void *faultd_writer_reserve(struct faultd_writer *w, size_t len)
{
	void *p = faultd_ring_reserve(&w->ring, len);
	if (p || len > faultd_ring_max_record(&w->ring))
		return p;
	if (!w->threaded) {
		/* inline: what is published can be written now */
		drain(w);
		return faultd_ring_reserve(&w->ring, len);
	}
	/* The writer is behind by a whole ring: wait for it, briefly, rather than drop the
	 * record or write it ahead of older ones. */
	uint64_t t0 = monotonic_ns();
	w->stats.full_waits++;
	while (!(p = faultd_ring_reserve(&w->ring, len))) {
		wake(w);
		struct timespec pause = {.tv_nsec = 20000};
		nanosleep(&pause, NULL);
	}
	w->stats.full_wait_ns += monotonic_ns() - t0;
	return p;
}

void faultd_writer_publish(struct faultd_writer *w, bool urgent)
{
	faultd_ring_publish(&w->ring);
	if (!w->threaded)
		drain(w);
	else if (urgent || w->ring.reserved - w->woken_at >= w->ring.size / 16)
		wake(w);
}

void faultd_writer_flush(struct faultd_writer *w, bool wait)
{
	if (!w->ring.buf) /* never started */
		return;
	if (!w->threaded) {
		drain(w);
		w->ops.on_flush(w->ctx);
		return;
	}
	if (!w->running)
		return;
	pthread_mutex_lock(&w->lock);
	uint64_t asked = ++w->flush_asked;
	pthread_cond_signal(&w->wake);
	while (wait && w->flush_done < asked)
		pthread_cond_wait(&w->done, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

void faultd_writer_stop(struct faultd_writer *w)
{
	if (w->threaded && w->running) {
		pthread_mutex_lock(&w->lock);
		w->stop = true;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
		w->running = false;
		pthread_cond_destroy(&w->done);
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
	} else if (!w->threaded && w->ring.buf) {
		drain(w);
		w->ops.on_flush(w->ctx);
	}
	faultd_ring_free(&w->ring);
}
