// SPDX-License-Identifier: GPL-2.0
/*
 * A small recursive-descent JSON parser: see json.h.
 *
 * Grammar (RFC 8259): value = object / array / string / number / true /
 * false / null; no trailing commas, no comments, no leading zeros, no
 * bare control characters in strings.  \u escapes (surrogate pairs
 * included) are decoded to UTF-8.  Nesting is capped at JSON_MAX_DEPTH.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

struct parser {
	const char *s;
	size_t len;
	size_t pos;
	char *err;
	size_t errlen;
	bool failed;
	bool nomem;
};

static void fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed)
		return;
	p->failed = true;
	if (!p->err || !p->errlen)
		return;
	n = snprintf(p->err, p->errlen, "offset %zu: ", p->pos);
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
}

static void *zalloc(struct parser *p, size_t size)
{
	void *m = calloc(1, size);

	if (!m) {
		p->nomem = true;
		fail(p, "out of memory");
	}
	return m;
}

static int peek(struct parser *p)
{
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static bool literal(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n)) {
		fail(p, "invalid keyword");
		return false;
	}
	p->pos += n;
	return true;
}

/* A growable output buffer for decoded strings */
struct sbuf {
	char *b;
	size_t n, cap;
};

static bool sbuf_put(struct parser *p, struct sbuf *sb, const char *c,
		     size_t n)
{
	if (sb->n + n + 1 > sb->cap) {
		size_t cap = sb->cap ? sb->cap : 32;
		char *nb;

		while (cap < sb->n + n + 1)
			cap *= 2;
		nb = realloc(sb->b, cap);
		if (!nb) {
			p->nomem = true;
			fail(p, "out of memory");
			return false;
		}
		sb->b = nb;
		sb->cap = cap;
	}
	memcpy(sb->b + sb->n, c, n);
	sb->n += n;
	sb->b[sb->n] = '\0';
	return true;
}

static int hex4(struct parser *p)
{
	unsigned int v = 0, i;

	if (p->len - p->pos < 4) {
		fail(p, "short \\u escape");
		return -1;
	}
	for (i = 0; i < 4; i++) {
		char c = p->s[p->pos + i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else {
			fail(p, "bad hex digit in \\u escape");
			return -1;
		}
	}
	p->pos += 4;
	return v;
}

static bool put_utf8(struct parser *p, struct sbuf *sb, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = 0xc0 | (cp >> 6);
		u[1] = 0x80 | (cp & 0x3f);
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = 0xe0 | (cp >> 12);
		u[1] = 0x80 | ((cp >> 6) & 0x3f);
		u[2] = 0x80 | (cp & 0x3f);
		n = 3;
	} else {
		u[0] = 0xf0 | (cp >> 18);
		u[1] = 0x80 | ((cp >> 12) & 0x3f);
		u[2] = 0x80 | ((cp >> 6) & 0x3f);
		u[3] = 0x80 | (cp & 0x3f);
		n = 4;
	}
	return sbuf_put(p, sb, u, n);
}

/* At the opening quote; returns the decoded string (malloc'ed) */
static char *parse_string(struct parser *p)
{
	struct sbuf sb = { NULL, 0, 0 };
	int c, hi, lo;
	char ch;

	p->pos++;	/* " */
	if (!sbuf_put(p, &sb, "", 0))
		return NULL;
	for (;;) {
		c = peek(p);
		if (c < 0) {
			fail(p, "unterminated string");
			break;
		}
		if (c < 0x20) {
			fail(p, "control character in string");
			break;
		}
		p->pos++;
		if (c == '"')
			return sb.b;
		if (c != '\\') {
			ch = c;
			if (!sbuf_put(p, &sb, &ch, 1))
				break;
			continue;
		}
		c = peek(p);
		p->pos++;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			ch = c;
			break;
		case 'b':
			ch = '\b';
			break;
		case 'f':
			ch = '\f';
			break;
		case 'n':
			ch = '\n';
			break;
		case 'r':
			ch = '\r';
			break;
		case 't':
			ch = '\t';
			break;
		case 'u':
			hi = hex4(p);
			if (hi < 0)
				goto out;
			if (hi >= 0xdc00 && hi <= 0xdfff) {
				fail(p, "lone low surrogate");
				goto out;
			}
			if (hi >= 0xd800 && hi <= 0xdbff) {
				if (p->len - p->pos < 2 || p->s[p->pos] != '\\' ||
				    p->s[p->pos + 1] != 'u') {
					fail(p, "lone high surrogate");
					goto out;
				}
				p->pos += 2;
				lo = hex4(p);
				if (lo < 0)
					goto out;
				if (lo < 0xdc00 || lo > 0xdfff) {
					fail(p, "bad low surrogate");
					goto out;
				}
				hi = 0x10000 + ((hi - 0xd800) << 10) +
				     (lo - 0xdc00);
			}
			if (!hi) {
				fail(p, "\\u0000 in string");
				goto out;
			}
			if (!put_utf8(p, &sb, hi))
				goto out;
			continue;
		default:
			p->pos--;
			fail(p, "bad escape");
			goto out;
		}
		if (!sbuf_put(p, &sb, &ch, 1))
			break;
	}
out:
	free(sb.b);
	return NULL;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* One or more digits at the cursor, else fail with @what */
static bool parse_digits(struct parser *p, const char *what)
{
	if (!is_digit(peek(p))) {
		fail(p, "%s", what);
		return false;
	}
	while (is_digit(peek(p)))
		p->pos++;
	return true;
}

static bool parse_number(struct parser *p, struct json *v)
{
	size_t start = p->pos;
	char *end;

	if (peek(p) == '-')
		p->pos++;
	if (peek(p) == '0')
		p->pos++;
	else if (!parse_digits(p, "bad number"))
		return false;
	if (peek(p) == '.') {
		p->pos++;
		if (!parse_digits(p, "digit expected after '.'"))
			return false;
	}
	if (peek(p) == 'e' || peek(p) == 'E') {
		p->pos++;
		if (peek(p) == '+' || peek(p) == '-')
			p->pos++;
		if (!parse_digits(p, "digit expected in exponent"))
			return false;
	}
	v->str = malloc(p->pos - start + 1);
	if (!v->str) {
		p->nomem = true;
		fail(p, "out of memory");
		return false;
	}
	memcpy(v->str, p->s + start, p->pos - start);
	v->str[p->pos - start] = '\0';
	v->num = strtod(v->str, &end);
	v->type = JSON_NUMBER;
	return true;
}

static struct json *parse_value(struct parser *p, unsigned int depth);

/* Parses "[...]" or "{...}" into @v; at the opening bracket */
static bool parse_container(struct parser *p, struct json *v, bool object,
			    unsigned int depth)
{
	struct json **tail = &v->child, *e;
	char close = object ? '}' : ']';
	char *key = NULL;

	v->type = object ? JSON_OBJECT : JSON_ARRAY;
	p->pos++;
	skip_ws(p);
	if (peek(p) == close) {
		p->pos++;
		return true;
	}
	for (;;) {
		skip_ws(p);
		if (object) {
			if (peek(p) != '"') {
				fail(p, "member name expected");
				return false;
			}
			key = parse_string(p);
			if (!key)
				return false;
			skip_ws(p);
			if (peek(p) != ':') {
				free(key);
				fail(p, "':' expected");
				return false;
			}
			p->pos++;
		}
		e = parse_value(p, depth + 1);
		if (!e) {
			free(key);
			return false;
		}
		e->key = key;
		key = NULL;
		*tail = e;
		tail = &e->next;
		v->len++;
		skip_ws(p);
		if (peek(p) == ',') {
			p->pos++;
			continue;
		}
		if (peek(p) == close) {
			p->pos++;
			return true;
		}
		fail(p, "',' or '%c' expected", close);
		return false;
	}
}

static struct json *parse_value(struct parser *p, unsigned int depth)
{
	struct json *v;
	bool ok;
	int c;

	if (depth > JSON_MAX_DEPTH) {
		fail(p, "nested deeper than %d", JSON_MAX_DEPTH);
		return NULL;
	}
	skip_ws(p);
	v = zalloc(p, sizeof(*v));
	if (!v)
		return NULL;
	c = peek(p);
	switch (c) {
	case '{':
	case '[':
		ok = parse_container(p, v, c == '{', depth);
		break;
	case '"':
		v->type = JSON_STRING;
		v->str = parse_string(p);
		ok = v->str != NULL;
		break;
	case 't':
		v->type = JSON_TRUE;
		ok = literal(p, "true");
		break;
	case 'f':
		v->type = JSON_FALSE;
		ok = literal(p, "false");
		break;
	case 'n':
		v->type = JSON_NULL;
		ok = literal(p, "null");
		break;
	case -1:
		fail(p, "value expected, end of input");
		ok = false;
		break;
	default:
		if (c == '-' || is_digit(c)) {
			ok = parse_number(p, v);
		} else {
			fail(p, "unexpected character '%c'", c);
			ok = false;
		}
	}
	if (!ok) {
		json_free(v);
		return NULL;
	}
	return v;
}

struct json *json_parse(const char *text, size_t len, char *errbuf,
			size_t errlen)
{
	struct parser p = {
		.s = text,
		.len = len,
		.err = errbuf,
		.errlen = errlen,
	};
	struct json *v;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	v = parse_value(&p, 0);
	if (v) {
		skip_ws(&p);
		if (p.pos != p.len) {
			fail(&p, "trailing characters after the value");
			json_free(v);
			v = NULL;
		}
	}
	if (!v)
		errno = p.nomem ? ENOMEM : EINVAL;
	return v;
}

void json_free(struct json *v)
{
	struct json *c, *next;

	if (!v)
		return;
	for (c = v->child; c; c = next) {
		next = c->next;
		json_free(c);
	}
	free(v->key);
	free(v->str);
	free(v);
}

struct json *json_get(const struct json *obj, const char *key)
{
	struct json *c;

	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (c = obj->child; c; c = c->next)
		if (!strcmp(c->key, key))
			return c;
	return NULL;
}

struct json *json_get_type(const struct json *obj, const char *key,
			   enum json_type type)
{
	struct json *c;

	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (c = obj->child; c; c = c->next)
		if (!strcmp(c->key, key) && c->type == type)
			return c;
	return NULL;
}

struct json *json_get_with(const struct json *obj, const char *key,
			   const char *inner)
{
	struct json *c;

	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (c = obj->child; c; c = c->next)
		if (!strcmp(c->key, key) && json_get(c, inner))
			return c;
	return NULL;
}

struct json *json_at(const struct json *v, size_t i)
{
	struct json *c;

	if (!v || (v->type != JSON_ARRAY && v->type != JSON_OBJECT))
		return NULL;
	for (c = v->child; c && i; c = c->next)
		i--;
	return c;
}

size_t json_count(const struct json *v)
{
	return v && (v->type == JSON_ARRAY || v->type == JSON_OBJECT) ?
	       v->len : 0;
}

struct json *json_path(const struct json *v, const char *path)
{
	char comp[128], *end;
	const char *dot;
	unsigned long idx;
	size_t n;

	while (v && *path) {
		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(comp))
			return NULL;
		memcpy(comp, path, n);
		comp[n] = '\0';
		if (v->type == JSON_ARRAY) {
			errno = 0;
			idx = strtoul(comp, &end, 10);
			if (errno || end == comp || *end)
				return NULL;
			v = json_at(v, idx);
		} else {
			v = json_get(v, comp);
		}
		path += n + (dot != NULL);
	}
	return (struct json *)v;
}

bool json_u64(const struct json *v, unsigned long long *out)
{
	unsigned long long x = 0;
	const char *s;

	if (!v || v->type != JSON_NUMBER || !v->str)
		return false;
	for (s = v->str; *s; s++) {
		if (!is_digit(*s))
			return false;
		if (x > (UINT64_MAX - (*s - '0')) / 10)
			return false;
		x = x * 10 + (*s - '0');
	}
	*out = x;
	return true;
}

bool json_path_u64(const struct json *v, const char *path,
		   unsigned long long *out)
{
	return json_u64(json_path(v, path), out);
}

const char *json_type_name(enum json_type type)
{
	static const char *const names[] = {
		"null", "false", "true", "number", "string", "array", "object",
	};

	return (unsigned int)type < ARRAY_SIZE(names) ?
	       names[type] : "?";
}
