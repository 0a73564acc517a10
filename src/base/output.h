/* src/base/output.h - shared text and JSON rendering helpers (json-c). */
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
/*
 * Server-supplied text made safe to print to a terminal.
 *
 * out_safe() copies the NUL-terminated string s (NULL reads as "") into buf,
 * len bytes, and returns buf (or "" when buf is NULL or len is 0).
 * out_safe_n() does the same for n bytes that may hold NULs (an LDAP value).
 * Written as "\xNN" (lower-case hex, one escape per byte):
 *   - C0 controls 0x00-0x1f (ESC, BEL, CR, LF, TAB, ...) and DEL 0x7f;
 *   - C1 controls U+0080-U+009F, i.e. both bytes of their UTF-8 forms
 *     (c2 80 .. c2 9f), since terminals may act on them as on ESC [;
 *   - every byte that is not part of well-formed UTF-8 (RFC 3629: no
 *     overlong forms, no surrogates, nothing above U+10FFFF, no truncated
 *     sequences): each such byte alone, then decoding resumes at the next.
 * Everything else, including valid non-ASCII UTF-8, is copied as is; the
 * backslash is not escaped, so out_safe(out_safe(x)) == out_safe(x) and
 * messages may be escaped where server text enters them and again where
 * they are printed.  When buf is too small the output stops before the
 * first escape or UTF-8 sequence that does not fit whole (never half an
 * escape or half a character) and is always NUL-terminated.
 * OUT_SAFE_SIZE(n) is the size that never truncates n input bytes.
 * Use it for every text print of server data; JSON goes through out_json_print().
 */
#define OUT_SAFE_SIZE(n) (4 * (n) + 1)
const char *out_safe(const char *s, char *buf, size_t len);
const char *out_safe_n(const void *s, size_t n, char *buf, size_t len);
/* Text t wrapped at spaces so that no line passes column width: the caller
 * has printed col characters of the first line already; later lines are
 * indented to cont.  A word longer than a line is cut.  Each line leaves at
 * least 20 columns for text, even when that passes width. */
void out_wrap(FILE *f, const char *t, size_t col, size_t cont, size_t width);
/* Print a JSON document to stdout (pretty).  Terminal- and parser-safe:
 * DEL and C1 inside strings become \u007f/\u0080..\u009f, bytes that are
 * not UTF-8 become \ufffd (json-c itself escapes only C0). */
void out_json_print(struct json_object *o);
/* The same, on one line (NDJSON). */
void out_json_print_line(struct json_object *o);
/* NDJSON: out_json_print() (and so the final document) writes one line per document. */
void out_json_lines(int on);
/* Print the one-line error for a command: "nltrust: CMD: message", the whole
 * message through out_safe() (errors embed server text). */
void out_error(const char *cmd, const struct nlt_err *e);
/* The JSON error object for --json failures: {"error":{"category","message","exit_code"}}. */
struct json_object *out_error_json(const struct nlt_err *e);

/*
 * The one JSON document of a command (doc/json/README.md: the shared shapes).
 * A command hands its document to out_json_doc() (which takes the reference)
 * instead of printing it; main() calls out_json_finish() once, on every exit
 * path, which prints {"command": CMD, ...the document..., "error": E}: E is
 * null on success and {exit_code, category, message} of the final error when
 * the command failed, so a failure before any document (usage, no DC, a wrong
 * password) is still one document on stdout.
 */
void out_json_doc(struct json_object *o);
void out_json_finish(const char *cmd, const struct nlt_err *e);
/* The shared DC shape {"name", "address", "site"} (null for what is unknown). */
struct json_object *out_dc_json(const char *name, const char *address, const char *site);
/* The shared finding shape {"kind", "message"[, "dc"]}: kind is problem, pending,
 * could_not_check or note; dc names the DC it is about, when it is about one. */
struct json_object *out_finding_json(const char *kind, const char *message, const char *dc);

#endif
