/* rule_match_fixture.h: what the matcher's suites share (test_rule_match.c, test_rule_chance.c,
 * test_rule_connections.c): a rule text loaded into one matcher, segments between the client and
 * the server made from their fields, and the verdicts the matcher gives them. */
#ifndef SYNFIN_RULE_MATCH_FIXTURE_H
#define SYNFIN_RULE_MATCH_FIXTURE_H

#include <stdint.h>

#include "rules/rule.h"

#define CLIENT 0xc0a8016cu /* 192.168.1.108 */
#define SERVER 0xc0a8016du /* 192.168.1.109 */
#define OTHER 0xc0a8016eu  /* 192.168.1.110 */
#define CPORT 40000
#define SPORT 80

/* The test's rules and the matcher over them, CLIENT its client (load). */
extern struct ruleset rs;
extern struct matcher *m;

/* Checked fixture: frees the matcher and the rules. */
void teardown(void);

/* Parse text (it must be valid) into rs and make m with seed for its draws. */
void load_seeded(const char *text, uint64_t seed);

/* load_seeded with seed 1. */
void load(const char *text);

/* A segment of these addresses, ports and flags with len bytes of payload. */
struct segment seg(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport, uint8_t flags,
                   uint16_t len);

/* client port p to the server, and back */
struct segment c2s(uint16_t p, uint8_t flags, uint16_t len);

struct segment s2c(uint16_t p, uint8_t flags, uint16_t len);

/* The matcher's verdict, every field of it written by the matcher. */
struct verdict decide(struct segment s);

/* The action of the verdict. */
enum rule_action act(struct segment s);

#define SYN TCPF_SYN
#define SYNACK (TCPF_SYN | TCPF_ACK)
#define ACK TCPF_ACK
#define FINACK (TCPF_FIN | TCPF_ACK)
#define PSHACK (TCPF_PSH | TCPF_ACK)

#endif
