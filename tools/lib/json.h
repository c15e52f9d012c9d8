/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small recursive-descent JSON parser (RFC 8259), libc only.
 *
 * json_parse() builds a tree of struct json nodes; numbers keep their
 * literal text so 64-bit counters can be read back exactly with
 * json_u64().  Objects keep their members in document order, duplicate
 * names included (jmod's stats.json has two "large" and two "huge"
 * members: json_get_type() and json_get_with() pick the wanted one).
 *
 * Shared by jmodctl and the selftests (selftests/Makefile links it in).
 */
#ifndef JMOD_JSON_H
#define JMOD_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json {
	enum json_type type;
	char *key;		/* member name when the parent is an object */
	char *str;		/* STRING: decoded text; NUMBER: the literal */
	double num;		/* NUMBER */
	size_t len;		/* ARRAY/OBJECT: number of children */
	struct json *child;	/* first element or member */
	struct json *next;	/* next sibling */
};

#define JSON_MAX_DEPTH	64

/*
 * Parses exactly one JSON value (surrounding white space allowed) from
 * @text[0..@len).  Returns the tree, or NULL with a message naming the
 * byte offset in @errbuf (and errno EINVAL, or ENOMEM).
 */
struct json *json_parse(const char *text, size_t len, char *errbuf,
			size_t errlen);
void json_free(struct json *v);

/* First member @key of object @obj, NULL if none (or @obj not an object) */
struct json *json_get(const struct json *obj, const char *key);
/* First member @key of @obj whose value has type @type */
struct json *json_get_type(const struct json *obj, const char *key,
			   enum json_type type);
/* First member @key of @obj that is an object holding member @inner */
struct json *json_get_with(const struct json *obj, const char *key,
			   const char *inner);
/* Element @i of an array (or member @i of an object), NULL past the end */
struct json *json_at(const struct json *v, size_t i);
size_t json_count(const struct json *v);

/*
 * Dotted path from @v: "summary.mapped", "bins.3.nmalloc".  A numeric
 * component indexes an array.  NULL when a component is missing.
 */
struct json *json_path(const struct json *v, const char *path);

/* A non-negative integer literal that fits 64 bits: true and *@out */
bool json_u64(const struct json *v, unsigned long long *out);
/* json_u64(json_path(@v, @path)) */
bool json_path_u64(const struct json *v, const char *path,
		   unsigned long long *out);

const char *json_type_name(enum json_type type);

#endif /* JMOD_JSON_H */
