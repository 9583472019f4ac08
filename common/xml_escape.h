/* xml_escape.h: text written into XML (an SVG drawing, a JUnit-style report) as character
 * data or an attribute value: the markup characters as entities, and the control characters
 * XML 1.0 does not allow as spaces (newlines and tabs stay). */
#ifndef SYNFIN_XML_ESCAPE_H
#define SYNFIN_XML_ESCAPE_H

#include <stdio.h>

static inline void xml_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
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
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				fputc(' ', out);
			else
				fputc(*s, out);
		}
	}
}

#endif
