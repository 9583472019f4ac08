/* peer_table.c: synfin-peer's connections, by handle, kicked ones listed, finished ones freed. */
#include "peer_table.h"

#include <errno.h>
#include <stdlib.h>

int peer_table_init(struct peer_table *t)
{
	*t = (struct peer_table){0};
	return chain_hash_init(&t->by_sock);
}

void peer_table_free(struct peer_table *t)
{
	while (t->oldest) {
		struct peer_conn *c = t->oldest;
		t->oldest = c->newer;
		peer_conn_free(c);
	}
	t->newest = NULL;
	t->live = 0;
	chain_hash_free(&t->by_sock);
}

/* Handles are sequential, so they spread over the buckets as they are. */
static uint32_t sock_key(int sock)
{
	return (uint32_t)sock;
}

/* A client's connection has its handle only once its connect step ran. */
static void index_sock(struct peer_table *t, struct peer_conn *c)
{
	if (c->sock > 0 && !c->by_sock.linked)
		chain_hash_insert(&t->by_sock, &c->by_sock, sock_key(c->sock));
}

void peer_table_add(struct peer_table *t, struct peer_conn *c)
{
	c->seq = t->made++;
	c->older = t->newest;
	c->newer = NULL;
	if (t->newest)
		t->newest->newer = c;
	else
		t->oldest = c;
	t->newest = c;
	t->live++;
	if (!c->finished)
		t->unfinished++;
	index_sock(t, c);
}

struct peer_conn *peer_table_find(const struct peer_table *t, int sock)
{
	uint32_t key = sock_key(sock);

	for (struct chain_link *e = chain_hash_first(&t->by_sock, key); e; e = e->next) {
		struct peer_conn *c = chain_entry(e, struct peer_conn, by_sock);
		if (c->sock == sock)
			return c;
	}
	return NULL;
}

static bool error_decides_exit(int err)
{
	return err != 0 && err != -EINTR;
}

static void remove_conn(struct peer_table *t, struct peer_conn *c)
{
	if (error_decides_exit(c->error) && (t->freed_error == 0 || c->seq < t->freed_error_seq)) {
		t->freed_error = c->error;
		t->freed_error_seq = c->seq;
	}
	chain_hash_remove(&t->by_sock, &c->by_sock);
	if (c->older)
		c->older->newer = c->newer;
	else
		t->oldest = c->newer;
	if (c->newer)
		c->newer->older = c->older;
	else
		t->newest = c->older;
	t->live--;
	peer_conn_free(c);
}

/* Merge sort of a kick list by creation order: the connections of one turn run oldest first,
 * as they did when every connection was visited in order. */
static struct peer_conn *sort_by_seq(struct peer_conn *list)
{
	if (!list || !list->kick_next)
		return list;
	struct peer_conn *a = NULL, *b = NULL;
	for (bool left = true; list; left = !left) {
		struct peer_conn *next = list->kick_next;
		struct peer_conn **half = left ? &a : &b;
		list->kick_next = *half;
		*half = list;
		list = next;
	}
	a = sort_by_seq(a);
	b = sort_by_seq(b);
	struct peer_conn *head = NULL, **tail = &head;
	while (a && b) {
		struct peer_conn **least = a->seq < b->seq ? &a : &b;
		*tail = *least;
		*least = (*least)->kick_next;
		tail = &(*tail)->kick_next;
	}
	*tail = a ? a : b;
	return head;
}

bool peer_table_run_kicked(struct peer_table *t)
{
	struct peer_conn *list = sort_by_seq(t->kicks.head);

	t->kicks.head = NULL;
	if (!list)
		return false;
	while (list) {
		struct peer_conn *c = list;
		list = c->kick_next; /* a kick while c runs lists it again, for the next call */
		c->kick_next = NULL;
		bool was_finished = c->finished;
		peer_conn_run(c);
		if (!was_finished && c->finished)
			t->unfinished--;
		index_sock(t, c);
		peer_conn_trim(c);
		if (peer_conn_over(c))
			remove_conn(t, c);
	}
	return true;
}

int peer_table_exit_error(const struct peer_table *t)
{
	for (const struct peer_conn *c = t->oldest; c; c = c->newer) {
		if (t->freed_error != 0 && t->freed_error_seq < c->seq)
			break;
		if (error_decides_exit(c->error))
			return c->error;
	}
	return t->freed_error;
}

bool peer_table_interrupt(struct peer_table *t)
{
	bool running = false;

	for (struct peer_conn *c = t->oldest; c; c = c->newer) {
		bool was_finished = c->finished;
		if (peer_conn_interrupt(c))
			running = true;
		if (!was_finished && c->finished)
			t->unfinished--;
	}
	return running;
}
