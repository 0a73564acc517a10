/* src/output.c - text and JSON rendering helpers (see output.h). */
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

void out_json_print(struct json_object *o)
{
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						      JSON_C_TO_STRING_NOSLASHESCAPE),
	      stdout);
	fputc('\n', stdout);
}

void out_error(const char *cmd, const struct nlt_err *e)
{
	fprintf(stderr, "nltrust: %s%s%s\n", cmd ? cmd : "", cmd ? ": " : "", e->msg[0] ? e->msg : "failed");
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
