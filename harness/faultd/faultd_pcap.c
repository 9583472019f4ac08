/* faultd_pcap.c: the pcap file written from the writer's ring with writev (faultd_pcap.h). */
#include "faultd_pcap.h"

#include <errno.h>
#include <unistd.h>

void faultd_pcap_init(struct faultd_pcap *p, int fd)
{
	p->fd = fd;
	p->n = 0;
}

int faultd_pcap_add(struct faultd_pcap *p, const void *rec, size_t len)
{
	int err = 0;
	if (p->n == FAULTD_PCAP_BATCH)
		err = faultd_pcap_write(p);
	p->iov[p->n++] = (struct iovec){.iov_base = (void *)rec, .iov_len = len};
	return err;
}

int faultd_pcap_write(struct faultd_pcap *p)
{
	struct iovec *iov = p->iov;
	unsigned n = p->n;
	p->n = 0;
	while (n > 0) {
		ssize_t done = writev(p->fd, iov, (int)n);
		if (done < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (done == 0)
			return -EIO;
		/* a regular file takes it all unless the disk is full or a signal came */
		while (n > 0 && (size_t)done >= iov->iov_len) {
			done -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + done;
			iov->iov_len -= (size_t)done;
		}
	}
	return 0;
}
