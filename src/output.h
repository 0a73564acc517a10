/* src/output.h - shared text and JSON rendering helpers (json-c). */
#ifndef NLT_OUTPUT_H
#define NLT_OUTPUT_H

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

/* DS_* flags as a JSON array of names, and as "pdc gc ldap ..." text. */
struct json_object *out_flags_json(uint32_t flags);
const char *out_flags_str(uint32_t flags, char *buf, size_t len);
/* A GUID in its registry form (Data1-Data2-Data3 little-endian, MS-DTYP 2.3.4.3). */
const char *out_guid_str(const uint8_t g[16], char *buf, size_t len);
/* A rounded millisecond value from microseconds, as a JSON double with 0.1 ms resolution. */
struct json_object *out_ms_json(uint64_t us);
/* Print a JSON document to stdout (pretty). */
void out_json_print(struct json_object *o);
/* Print the one-line error for a command: "nltrust: CMD: message". */
void out_error(const char *cmd, const struct nlt_err *e);
/* The JSON error object for --json failures: {"error":{"category","message","exit_code"}}. */
struct json_object *out_error_json(const struct nlt_err *e);

#endif
