/* src/base/output.c - text and JSON rendering helpers (see output.h). */
#include "config.h"
#include "output.h"

#include <string.h>

#include "cldap.h"

struct json_object *out_flags_json(uint32_t flags)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < ds_flag_names_count; i++)
		if (flags & ds_flag_names[i].bit)
			json_object_array_add(a, json_object_new_string(ds_flag_names[i].name));
	return a;
}

const char *out_flags_str(uint32_t flags, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ds_flag_names_count; i++) {
		int n;
		if (!(flags & ds_flag_names[i].bit))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? " " : "", ds_flag_names[i].name);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	return buf;
}

const char *out_guid_str(const uint8_t g[16], char *buf, size_t len)
{
	snprintf(buf, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
	return buf;
}

struct json_object *out_ms_json(uint64_t us)
{
	char repr[32];
	uint64_t tenths = (us + 50) / 100;

	/* keep the printed form exact ("0.2", not 0.20000000000000001) */
	snprintf(repr, sizeof(repr), "%llu.%llu", (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10));
	return json_object_new_double_s((double)tenths / 10.0, repr);
}

/* Length of the well-formed UTF-8 sequence at p (n bytes left) that is not a
 * C1 control, or 0 when the byte at p must be escaped. */
static size_t utf8_ok(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t need;

	if (c >= 0x20 && c < 0x7f)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0; /* C0, DEL, continuation bytes, overlong leads c0/c1, f5..ff */
	need = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (c == 0xc2)
		lo = 0xa0; /* c2 80..9f encode the C1 controls */
	else if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (n < need || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need;
}

const char *out_safe_n(const void *s, size_t n, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = s;
	size_t off = 0;

	if (!buf || len == 0)
		return "";
	for (size_t i = 0; p && i < n;) {
		size_t k = utf8_ok(p + i, n - i);
		if (k) {
			if (off + k >= len)
				break;
			memcpy(buf + off, p + i, k);
			off += k;
			i += k;
		} else {
			if (off + 4 >= len)
				break;
			buf[off++] = '\\';
			buf[off++] = 'x';
			buf[off++] = hex[p[i] >> 4];
			buf[off++] = hex[p[i] & 15];
			i++;
		}
	}
	buf[off] = '\0';
	return buf;
}

void out_wrap(FILE *f, const char *t, size_t col, size_t cont, size_t width)
{
	for (size_t at = col; *t; at = cont) {
		size_t room = width > at + 20 ? width - at : 20, n = strlen(t), cut = n;
		if (n > room) {
			cut = room;
			while (cut > room / 2 && t[cut] != ' ')
				cut--;
			if (t[cut] != ' ')
				cut = room; /* one long word: cut it */
		}
		fprintf(f, "%.*s\n", (int)cut, t);
		t += cut;
		while (*t == ' ')
			t++;
		if (*t)
			fprintf(f, "%*s", (int)cont, "");
	}
}

const char *out_safe(const char *s, char *buf, size_t len)
{
	return out_safe_n(s, s ? strlen(s) : 0, buf, len);
}

/*
 * json-c escapes C0 controls inside strings but writes DEL, the UTF-8 C1
 * controls and bytes that are not UTF-8 as they are.  Bytes >= 0x7f occur in
 * its output only inside strings, so they are rewritten here: DEL and C1 as
 * \u007f / \u0080..\u009f (the same characters), an invalid byte as U+FFFD
 * (JSON text must be UTF-8, RFC 8259 8.1).  The document's own layout (its
 * newlines and spaces) is below 0x7f and passes untouched.
 */
static void json_put_safe(const char *s, FILE *f)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		size_t k;
		if (p[i] < 0x7f) {
			fputc(p[i++], f);
		} else if ((k = utf8_ok(p + i, n - i)) != 0) {
			fwrite(p + i, 1, k, f);
			i += k;
		} else if (p[i] == 0x7f) {
			fputs("\\u007f", f);
			i++;
		} else if (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) {
			fprintf(f, "\\u00%02x", p[i + 1]);
			i += 2;
		} else {
			fputs("\\ufffd", f);
			i++;
		}
	}
}

static int json_lines; /* out_json_lines(): every document on one line (NDJSON) */

void out_json_lines(int on)
{
	json_lines = on;
}

void out_json_print(struct json_object *o)
{
	json_put_safe(json_object_to_json_string_ext(o, (json_lines ? JSON_C_TO_STRING_PLAIN
									  : JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED) |
								JSON_C_TO_STRING_NOSLASHESCAPE),
		      stdout);
	fputc('\n', stdout);
}

void out_json_print_line(struct json_object *o)
{
	json_put_safe(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), stdout);
	fputc('\n', stdout);
}

/* A message that already starts with "CMD: " is printed without it: one prefix, once. */
static const char *strip_cmd(const char *cmd, const char *msg)
{
	size_t n = cmd ? strlen(cmd) : 0;

	return n && strncmp(msg, cmd, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ' ? msg + n + 2 : msg;
}

void out_error(const char *cmd, const struct nlt_err *e)
{
	char safe[OUT_SAFE_SIZE(sizeof(e->msg))];

	fprintf(stderr, "nltrust: %s%s%s\n", cmd ? cmd : "", cmd ? ": " : "",
		e->msg[0] ? out_safe(strip_cmd(cmd, e->msg), safe, sizeof(safe)) : "failed");
}

static struct json_object *json_doc;

void out_json_doc(struct json_object *o)
{
	if (json_doc)
		json_object_put(json_doc);
	json_doc = o;
}

void out_json_finish(const char *cmd, const struct nlt_err *e)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "command", cmd ? json_object_new_string(cmd) : NULL);
	if (json_doc) {
		json_object_object_foreach(json_doc, k, v) {
			if (strcmp(k, "command") != 0 && strcmp(k, "error") != 0)
				json_object_object_add(o, k, json_object_get(v));
		}
		json_object_put(json_doc);
		json_doc = NULL;
	}
	if (e && e->cat != NLT_OK) {
		struct json_object *er = json_object_new_object();
		json_object_object_add(er, "exit_code", json_object_new_int(nlt_exit_code(e)));
		json_object_object_add(er, "category", json_object_new_string(nlt_cat_name(e->cat)));
		json_object_object_add(er, "message", json_object_new_string(e->msg[0] ? strip_cmd(cmd, e->msg) : "failed"));
		json_object_object_add(o, "error", er);
	} else {
		json_object_object_add(o, "error", NULL);
	}
	out_json_print(o);
	json_object_put(o);
}

struct json_object *out_dc_json(const char *name, const char *address, const char *site)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", name && *name ? json_object_new_string(name) : NULL);
	json_object_object_add(o, "address", address && *address ? json_object_new_string(address) : NULL);
	json_object_object_add(o, "site", site && *site ? json_object_new_string(site) : NULL);
	return o;
}

struct json_object *out_finding_json(const char *kind, const char *message, const char *dc)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "kind", json_object_new_string(kind));
	json_object_object_add(o, "message", json_object_new_string(message ? message : ""));
	if (dc)
		json_object_object_add(o, "dc", json_object_new_string(dc));
	return o;
}

struct json_object *out_error_json(const struct nlt_err *e)
{
	struct json_object *o = json_object_new_object(), *er = json_object_new_object();

	json_object_object_add(er, "category", json_object_new_string(nlt_cat_name(e->cat)));
	json_object_object_add(er, "message", json_object_new_string(e->msg));
	json_object_object_add(er, "exit_code", json_object_new_int(nlt_exit_code(e)));
	json_object_object_add(o, "error", er);
	return o;
}
