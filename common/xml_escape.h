/* xml_escape.h: text written into XML (an SVG drawing, a JUnit-style report) as character
 * data or an attribute value: the markup characters as entities, and the control characters
 * XML 1.0 does not allow as spaces (newlines and tabs stay). */
#ifndef SYNFIN_XML_ESCAPE_H
#define SYNFIN_XML_ESCAPE_H

#include <stdio.h>
#include <string.h>

/* The first n bytes of s. */
static inline void xml_escape_n(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
				fputc(' ', out);
			else
				fputc(s[i], out);
		}
	}
}

static inline void xml_escape(FILE *out, const char *s)
{
	xml_escape_n(out, s, strlen(s));
}

#endif
