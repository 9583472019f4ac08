/* tcp_conn_fixture.h: what the connection-management suites share (test_tcp_conn.c,
 * test_tcp_close.c): one stack with its fake peer and clock (stack_fixture.h), new for each test.
 */
#ifndef SYNFIN_TCP_CONN_FIXTURE_H
#define SYNFIN_TCP_CONN_FIXTURE_H

#include "stack_fixture.h"

/* The test's stack and its fake peer. */
extern struct fx F;

/* Checked fixture: a started stack, freed by teardown. */
void setup(void);

void teardown(void);

/* The socket's state transitions so far, in a buffer the next call reuses. */
const char *trans(int sock);

#endif
