/* fuzz_pcap.c: pcap_read_file on arbitrary files (a memfd), and segment_parse on every packet
 * it hands out.
 *
 * Properties: each packet the reader returns starts with an IPv4 version nibble, is at least a
 * header long, and every byte of it can be read (the callback sums them, so AddressSanitizer
 * sees a packet that runs past the reader's buffer); a nonzero return from the callback stops
 * the reading and comes back unchanged.
 */
#include "fuzz_common.h"

#include <errno.h>

#include "trace/trace.h"
#include "wire/segment.h"

struct ctx {
	unsigned packets;
	unsigned stop_after; /* 0: never */
	unsigned sum;
};

static int on_packet(void *arg, uint64_t time_us, const uint8_t *pkt, size_t len)
{
	struct ctx *c = arg;
	(void)time_us;
	FUZZ_CHECK(len >= 20);
	FUZZ_CHECK(pkt[0] >> 4 == 4);
	for (size_t i = 0; i < len; i++)
		c->sum += pkt[i];
	struct segment seg;
	(void)segment_parse(&seg, pkt, len);
	c->packets++;
	if (c->stop_after && c->packets == c->stop_after)
		return 12345;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_memfile(data, size, path, sizeof(path));
	struct ctx c = {0};
	int err = pcap_read_file(path, on_packet, &c);
	FUZZ_CHECK(err == 0 || err == -EINVAL || err == -EPROTONOSUPPORT);
	if (c.packets >= 2) {
		/* again, stopping at the second packet */
		struct ctx s = {.stop_after = 2};
		err = pcap_read_file(path, on_packet, &s);
		FUZZ_CHECK(err == 12345 && s.packets == 2);
	}
	close(fd);
	return 0;
}
