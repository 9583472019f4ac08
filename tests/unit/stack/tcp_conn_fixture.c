/* tcp_conn_fixture.c: the connection-management suites' stack (tcp_conn_fixture.h). */
#include "tcp_conn_fixture.h"

struct fx F;

void setup(void)
{
	fx_init(&F);
	fx_start(&F);
}

void teardown(void)
{
	fx_free(&F);
}

const char *trans(int sock)
{
	static char buf[1024];
	return fx_transitions(&F, sock, buf, sizeof(buf));
}
