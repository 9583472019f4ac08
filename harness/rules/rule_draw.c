/* rule_draw.c: every rule that draws has a stream of its own.
 *
 * A draw is SipHash-2-4 keyed by the seed over the rule's identity, the segment's identity
 * (packet_id: its connection's number, direction, flags, seq and ack relative to the ISNs,
 * length, attempt and copy) and what the number is for. A sequence generator shared by every
 * rule would hand a rule other numbers as soon as another rule above it drew one more or one
 * less; a hash of who draws for what cannot shift.
 */
#include "rule_draw.h"

#include <stdio.h>
#include <string.h>

#include "common/siphash.h"
#include "common/wire_bytes.h"

/* Any fixed key: rule identities must be the same in every run, whatever the seed. */
static const uint8_t identity_key[16] = "synfin rule id ";

static void put64(uint8_t *p, uint64_t v)
{
	wire_put32(p, (uint32_t)(v >> 32));
	wire_put32(p + 4, (uint32_t)v);
}

/* A rule's text with every run of blanks made one space; "@" and a label when it has one. */
static size_t identity_text(const struct rule *r, char *out, size_t size)
{
	if (r->label)
		return (size_t)snprintf(out, size, "@%s", r->label) % size;
	size_t n = 0;
	bool blank = false;
	for (const char *p = r->text ? r->text : ""; *p && n + 2 < size; p++) {
		if (*p == ' ' || *p == '\t') {
			blank = true;
			continue;
		}
		if (blank && n)
			out[n++] = ' ';
		blank = false;
		out[n++] = *p;
	}
	out[n] = '\0';
	return n;
}

bool rule_draws(const struct rule *r)
{
	bool chance = r->has_chance && r->chance_ppm > 0 && r->chance_ppm < RULE_CHANCE_SCALE;
	return chance || (r->action == RULE_DELAY && r->jitter_us) || r->action == RULE_CORRUPT;
}

void rule_draw_identities(const struct ruleset *rs, uint64_t *ids)
{
	char a[512], b[512];
	for (unsigned i = 0; i < rs->n_rules; i++) {
		size_t n = identity_text(&rs->rules[i], a, sizeof(a));
		/* the second of two identical lines must not draw the first one's numbers (labels
		 * are unique: the parser says so) */
		uint32_t ordinal = 0;
		for (unsigned j = 0; j < i; j++) {
			identity_text(&rs->rules[j], b, sizeof(b));
			ordinal += !strcmp(a, b);
		}
		uint8_t mix[12];
		put64(mix, siphash24(identity_key, a, n));
		wire_put32(mix + 8, ordinal);
		ids[i] = siphash24(identity_key, mix, sizeof(mix));
	}
}

uint64_t rule_draw(uint64_t seed, uint64_t rule_id, const struct packet_id *id,
                   enum rule_draw_purpose purpose)
{
	uint8_t key[16];
	put64(key, seed);
	put64(key + 8, ~seed);
	uint8_t msg[35];
	put64(msg, rule_id);
	wire_put32(msg + 8, id->conn);
	msg[12] = id->dir;
	msg[13] = id->flags;
	wire_put32(msg + 14, id->seq);
	wire_put32(msg + 18, id->ack);
	wire_put32(msg + 22, id->len);
	wire_put32(msg + 26, id->attempt);
	wire_put32(msg + 30, id->copy);
	msg[34] = (uint8_t)purpose;
	return siphash24(key, msg, sizeof(msg));
}
