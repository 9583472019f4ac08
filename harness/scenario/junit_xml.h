/* junit_xml.h: the XML of JUnit reports, read into a tree of elements and written back. Enough
 * XML 1.0 for the reports CI systems and test runners write (ctest --output-junit, Check,
 * synfin-scenario --junit): elements, attributes, character data and CDATA, the five named
 * entities and character references; comments and processing instructions are skipped. A
 * document type declaration, an unknown entity, a control character, a tag left open or closed
 * by another name is malformed: the error says where and what. Pure: text in, text out. */
#ifndef SYNFIN_SCENARIO_JUNIT_XML_H
#define SYNFIN_SCENARIO_JUNIT_XML_H

#include <stddef.h>

#include "common/sbuf.h"

/* Elements nested deeper than this are refused (a report needs four levels). */
#define XML_MAX_DEPTH 32

struct xml_attr {
	char *name;
	char *value; /* entities resolved */
};

struct xml_node {
	char *name;
	struct xml_attr *attrs;
	size_t n_attrs;
	struct xml_node **children;
	size_t n_children;
	/* The character data directly inside (text and CDATA, entities resolved), in order;
	 * NULL when there is none or it is all white space (indentation, not data). Around child
	 * elements each run of text is trimmed: JUnit has no mixed content. */
	char *text;
	unsigned line; /* of the start tag, for messages */
};

struct xml_error {
	unsigned line, col; /* 1-based */
	char msg[160];
};

/* The document element of text[0..len), in *root (free with xml_free). Returns 0, -EINVAL
 * with err filled for malformed XML, or -ENOMEM. */
int xml_parse(const char *text, size_t len, struct xml_node **root, struct xml_error *err);

void xml_free(struct xml_node *n);

/* The value of attribute name, NULL when n has none. */
const char *xml_attr(const struct xml_node *n, const char *name);

/* Set (or add) attribute name. Returns 0 or -ENOMEM. */
int xml_set_attr(struct xml_node *n, const char *name, const char *value);

/* A new element without attributes or content; NULL when out of memory. */
struct xml_node *xml_element(const char *name);

/* A deep copy of n; NULL when out of memory. */
struct xml_node *xml_copy(const struct xml_node *n);

/* child becomes n's last child (n owns it from then on). Returns 0 or -ENOMEM. */
int xml_add_child(struct xml_node *n, struct xml_node *child);

/* n and what is inside it as XML, each element on a line of its own, indented by two spaces a
 * level from depth on; text goes out escaped, so any tree xml_parse made reads back the same. */
void xml_write(struct sbuf *b, const struct xml_node *n, unsigned depth);

#endif
