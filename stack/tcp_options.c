/* tcp_options.c: the options settled in the handshake: RFC 7323 window scale and timestamps
 * (TSval clock, TS.Recent, PAWS, RTT from TSecr) and RFC 2018 SACK permission; what each segment
 * we send carries. */
#include "stack_internal.h"

#define TS_CLOCK_US 1000ull /* TSval ticks every 1 ms, as Linux's */
/* RFC 7323 5.5: TS.Recent older than 24 days is no longer valid (Linux TCP_PAWS_24DAYS). */
#define PAWS_IDLE_US (24ull * 24 * 3600 * 1000000)

/* Linux tcp_select_initial_window: the smallest shift that brings the largest receive buffer the
 * connection may have into 16 bits, at most 14. */
uint8_t tcp_select_wscale(uint32_t space)
{
	uint8_t shift = 0;

	while (space > UINT16_MAX && shift < TCP_MAX_WSCALE) {
		space >>= 1;
		shift++;
	}
	return shift;
}

/* Both ends must offer an option for it to be used (RFC 7323 1.3, 2.2, 3.2; RFC 2018 2). The
 * active end offered every one its tunables allow, the passive end answers only what the SYN
 * offered, so the same test settles both. */
void tcp_options_take_syn(struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th)
{
	const struct stack_tunables *tun = &c->stack->tun;

	c->ws_ok = tun->window_scaling && (th->opts & TCP_OPTF_WSCALE);
	c->snd_wscale = c->ws_ok ? th->wscale : 0;
	if (!c->ws_ok)
		c->rcv_wscale = 0;
	c->ts_ok = tun->timestamps && (th->opts & TCP_OPTF_TS);
	if (c->ts_ok) {
		c->ts_recent = th->tsval;
		c->ts_recent_stamp = now;
	}
	c->sack_ok = tun->sack && (th->opts & TCP_OPTF_SACK_PERM);
}

uint32_t tcp_tsval(const struct tcp_conn *c, uint64_t now)
{
	return (uint32_t)(now / TS_CLOCK_US) + c->ts_offset;
}

uint32_t tcp_seg_wnd(const struct tcp_conn *c, const struct tcp_hdr *th)
{
	if (th->flags & TCPF_SYN)
		return th->wnd;
	return (uint32_t)th->wnd << c->snd_wscale;
}

/* The SYN of SYN-SENT offers what the tunables allow; the SYN-ACK what was settled. */
static void tcp_syn_options(struct tcp_conn *c, uint64_t now, struct tcp_hdr *th)
{
	const struct stack_tunables *tun = &c->stack->tun;
	bool active = c->state == TCPS_SYN_SENT;

	th->mss = ip_mss_cap(c->stack, &c->raddr);
	if (active ? tun->window_scaling : c->ws_ok) {
		th->opts |= TCP_OPTF_WSCALE;
		th->wscale = c->rcv_wscale;
	}
	if (active ? tun->sack : c->sack_ok)
		th->opts |= TCP_OPTF_SACK_PERM;
	if (active ? tun->timestamps : c->ts_ok) {
		th->opts |= TCP_OPTF_TS;
		th->tsval = tcp_tsval(c, now);
		th->tsecr = active ? 0 : c->ts_recent;
	}
}

/* RFC 2018 4 and RFC 2883 4: a D-SACK block first (sent once), then the blocks from the most
 * recent, as many as fit beside a timestamp. */
static void tcp_sack_options(struct tcp_conn *c, struct tcp_hdr *th)
{
	unsigned room = c->ts_ok ? TCP_MAX_SACK_TS : TCP_MAX_SACK;

	/* a segment sized to snd_mss has no room left for blocks: they wait for the next ACK
	 * with less data (Linux sizes segments around them instead) */
	while (room && th->payload_len + TCP_SACK_SPACE(room) > c->snd_mss)
		room--;
	if (!room)
		return;

	if (c->dsack_pending) {
		th->sack[th->n_sack++] = c->dsack;
		c->dsack_pending = false;
	}
	for (unsigned i = 0; i < c->n_sack_out && th->n_sack < room; i++)
		th->sack[th->n_sack++] = c->sack_out[i];
}

void tcp_options_fill(struct tcp_conn *c, uint64_t now, struct tcp_hdr *th)
{
	if (th->flags & TCPF_SYN) {
		tcp_syn_options(c, now, th);
		return;
	}
	if (c->ts_ok) {
		th->opts |= TCP_OPTF_TS;
		th->tsval = tcp_tsval(c, now);
		th->tsecr = c->ts_recent;
	}
	if (c->sack_ok && (th->flags & TCPF_ACK) && !(th->flags & TCPF_RST))
		tcp_sack_options(c, th);
}

bool tcp_paws_reject(const struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th)
{
	if (!c->ts_ok || !(th->opts & TCP_OPTF_TS) || (th->flags & TCPF_RST))
		return false;
	if (!seq_lt(th->tsval, c->ts_recent))
		return false;
	return now - c->ts_recent_stamp < PAWS_IDLE_US;
}

void tcp_ts_recent_update(struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th)
{
	if (!c->ts_ok || !(th->opts & TCP_OPTF_TS) || !seq_le(th->seq, c->rcv_acked))
		return;
	/* an invalid (24-day-old) TS.Recent is replaced by whatever comes */
	if (seq_ge(th->tsval, c->ts_recent) || now - c->ts_recent_stamp >= PAWS_IDLE_US) {
		c->ts_recent = th->tsval;
		c->ts_recent_stamp = now;
	}
}

/* Only where the microsecond timing of RFC 6298 has nothing: Karn's rule stopped it after a
 * retransmission, which the echo of the TSval resolves (RFC 7323 4). An echo from the same
 * tick reads as one tick, as Linux's tcp_rtt_tsopt_us: 0 would say the round trip is free. */
void tcp_ts_rtt(struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th)
{
	if (!c->ts_ok || !(th->opts & TCP_OPTF_TS) || !th->tsecr)
		return;
	uint32_t ticks = tcp_tsval(c, now) - th->tsecr;
	if ((int32_t)ticks < 0)
		return;
	tcp_rtt_sample(c, (uint64_t)(ticks ? ticks : 1) * TS_CLOCK_US);
}
