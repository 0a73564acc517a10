/*
 * src/trust/advice.c - suggested commands that run as printed (src/trust/advice.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "advice.h"

/* Append s to buf at *pos, quoted for a POSIX shell when it holds anything but safe characters. */
static void put_word(char *buf, size_t len, size_t *pos, const char *s)
{
	int plain = *s != '\0';

	for (const char *c = s; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-", *c))
			plain = 0;
	if (*pos + 1 >= len)
		return;
	if (*pos)
		buf[(*pos)++] = ' ';
	if (plain) {
		for (; *s && *pos + 1 < len; s++)
			buf[(*pos)++] = *s;
	} else {
		if (*pos + 1 < len)
			buf[(*pos)++] = '\'';
		for (; *s && *pos + 5 < len; s++) {
			if (*s == '\'') {
				memcpy(buf + *pos, "'\\''", 4);
				*pos += 4;
			} else {
				buf[(*pos)++] = *s;
			}
		}
		if (*pos + 1 < len)
			buf[(*pos)++] = '\'';
	}
	buf[*pos] = '\0';
}

static void put_opt(char *buf, size_t len, size_t *pos, const char *opt, const char *val)
{
	put_word(buf, len, pos, opt);
	if (val)
		put_word(buf, len, pos, val);
}

const char *advice_cmd(const struct nlt_req *req, const char *command, const char *extra, enum advice_creds creds,
		       const char *domain, char *buf, size_t len)
{
	size_t pos = 0;
	char tb[16];

	if (!len)
		return buf;
	buf[0] = '\0';
	put_word(buf, len, &pos, "nltrust");
	put_word(buf, len, &pos, command);
	if (extra && *extra) {
		/* extra is ours (never user input): copied as it is */
		size_t n = strlen(extra);
		if (pos + 1 + n < len) {
			buf[pos++] = ' ';
			memcpy(buf + pos, extra, n + 1);
			pos += n;
		}
	}
	if (creds == ADVICE_ADMIN) {
		char cb[300];
		if (req->ccache && req->ccache[0]) {
			/* -C takes its value attached only (optional argument) */
			snprintf(cb, sizeof(cb), "--ccache=%s", req->ccache);
			put_word(buf, len, &pos, cb);
		} else if (req->ccache) {
			put_word(buf, len, &pos, "-C");
		} else
			put_opt(buf, len, &pos, "-U", req->user ? req->user : "Administrator");
		if (req->password_file && !req->ccache)
			put_opt(buf, len, &pos, "--password-file", req->password_file);
	}
	if (req->server)
		put_opt(buf, len, &pos, "-S", req->server);
	if (req->machine)
		put_opt(buf, len, &pos, "-m", req->machine);
	if (req->keytab)
		put_opt(buf, len, &pos, "-K", req->keytab);
	if (req->state_dir)
		put_opt(buf, len, &pos, "--state-dir", req->state_dir);
	if (req->timeout_ms && req->timeout_ms != NLT_DEFAULT_TIMEOUT_MS) {
		snprintf(tb, sizeof(tb), "%g", req->timeout_ms / 1000.0);
		put_opt(buf, len, &pos, "--timeout", tb);
	}
	if (domain && *domain)
		put_word(buf, len, &pos, domain);
	return buf;
}
