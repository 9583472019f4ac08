/* faultd_pcap.h: the pcap file written straight from the trace writer's ring.
 *
 * Each pcap record sits in the ring as its 16-byte header followed by the packet, so the file's
 * bytes for a run of records are a list of pieces of the ring: they go to the kernel with one
 * writev(2) per batch instead of being copied into a stdio buffer first (a full packet per
 * segment, the largest of the trace's copies). A batch is written when it is full and before
 * the writer gives the ring's room back (faultd_writer_ops.before_release). */
#ifndef SYNFIN_FAULTD_PCAP_H
#define SYNFIN_FAULTD_PCAP_H

#include <stddef.h>
#include <sys/uio.h>

#define FAULTD_PCAP_BATCH 128

struct faultd_pcap {
	int fd;
	unsigned n;
	struct iovec iov[FAULTD_PCAP_BATCH];
};

void faultd_pcap_init(struct faultd_pcap *p, int fd);
/* One record of len bytes (header and packet), left where it is until the batch is written:
 * it must stay valid until the next faultd_pcap_write. 0, or a negative errno when the batch
 * before it, full, could not be written (those records are not in the file; this one starts
 * the next batch). */
int faultd_pcap_add(struct faultd_pcap *p, const void *rec, size_t len);
/* Write the batch, all of it (a short write goes on where it stopped). 0 or a negative errno;
 * the batch is emptied either way, so one failure is reported once. */
int faultd_pcap_write(struct faultd_pcap *p);

#endif
