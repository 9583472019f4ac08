#include "host_port.h"

#include <errno.h>
#include <string.h>

int host_port_split(const char *text, char *host, size_t size, const char **port, bool *bracketed)
{
	const char *colon = strrchr(text, ':');
	const char *start = text, *stop = colon;
	if (colon && text[0] == '[') {
		start = text + 1;
		stop = colon > text && colon[-1] == ']' ? colon - 1 : NULL;
	}
	if (!colon || !stop || stop < start || (size_t)(stop - start) >= size)
		return -EINVAL;
	memcpy(host, start, (size_t)(stop - start));
	host[stop - start] = '\0';
	*port = colon + 1;
	*bracketed = start != text;
	return 0;
}
