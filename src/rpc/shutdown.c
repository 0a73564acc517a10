/* src/rpc/shutdown.c - reboot a target over \PIPE\InitShutdown (see shutdown.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "initshutdown.h"
#include "shutdown.h"
#include "target.h"

#define W32_ACCESS_DENIED 5u
#define W32_INVALID_PARAMETER 87u
#define W32_SHUTDOWN_IN_PROGRESS 1115u
#define W32_NO_SHUTDOWN_IN_PROGRESS 1116u
#define W32_SHUTDOWN_IS_SCHEDULED 1190u
#define W32_SHUTDOWN_USERS_LOGGED_ON 1191u

static const char *werror_words(uint32_t w)
{
	switch (w) {
	case W32_ACCESS_DENIED:
		return "ERROR_ACCESS_DENIED: the account lacks SeRemoteShutdownPrivilege there (a member of its "
		       "Administrators has it)";
	case W32_INVALID_PARAMETER: return "ERROR_INVALID_PARAMETER";
	case W32_SHUTDOWN_IN_PROGRESS: return "ERROR_SHUTDOWN_IN_PROGRESS: a shutdown is already under way";
	case W32_NO_SHUTDOWN_IN_PROGRESS: return "ERROR_NO_SHUTDOWN_IN_PROGRESS: no shutdown was scheduled";
	case W32_SHUTDOWN_IS_SCHEDULED: return "ERROR_SHUTDOWN_IS_SCHEDULED: a shutdown is already scheduled";
	case W32_SHUTDOWN_USERS_LOGGED_ON: return "ERROR_SHUTDOWN_USERS_LOGGED_ON";
	default: return NULL;
	}
}

/* open \PIPE\InitShutdown, send one request, decode its WERROR; *sent once the call went out */
static int shutdown_call(struct target *t, uint16_t op, const uint8_t *req, size_t n, const char *what,
			 uint32_t *werror, int *sent, struct nlt_err *e)
{
	struct rpc_conn c;
	uint8_t *rep = NULL;
	size_t rep_len = 0;
	int r = -1;

	*sent = 0;
	memset(&c, 0, sizeof(c));
	t->smb.last_status = 0;
	if (target_rpc(t, "InitShutdown", &initshutdown_syntax, &c, e) < 0) {
		if (t->smb.last_status == 0xc0000034)
			nlt_seterr(e, NLT_EPROTO, "%s on %s: it does not serve \\PIPE\\InitShutdown", what, t->host);
		goto out;
	}
	*sent = 1;
	if (rpc_call(&c, op, req, n, &rep, &rep_len, what, e) < 0)
		goto out;
	if (initshutdown_dec_rep(rep, rep_len, werror) != WIRE_OK) {
		nlt_seterr(e, NLT_EPROTO, "%s on %s: malformed reply (%zu bytes)", what, t->host, rep_len);
		goto out;
	}
	r = 0;
out:
	free(rep);
	if (c.pipe || c.xp)
		rpc_close(&c);
	return r;
}

static int refused(struct target *t, const char *what, uint32_t werror, struct nlt_err *e)
{
	const char *words = werror_words(werror);

	if (words)
		return nlt_seterr(e, werror == W32_ACCESS_DENIED ? NLT_EAUTH : NLT_EPROBLEM, "%s on %s: refused: %u %s",
				  what, t->host, werror, words);
	return nlt_seterr(e, NLT_EPROBLEM, "%s on %s: refused: Win32 error %u", what, t->host, werror);
}

int target_reboot(struct target *t, const char *message, uint32_t delay_s, enum reboot_outcome *outcome,
		  struct nlt_err *e)
{
	uint8_t req[2048];
	struct wwr w;
	uint32_t werror = 0;
	int sent = 0;
	enum reboot_outcome o = REBOOT_NOT_SENT;
	const char *what = "InitiateSystemShutdownEx (reboot)";

	wwr_init(&w, req, sizeof(req));
	if (initshutdown_enc_init_ex(&w, message, delay_s, 1, 1,
				     SHTDN_REASON_FLAG_PLANNED | SHTDN_REASON_MAJOR_OPERATINGSYSTEM |
					     SHTDN_REASON_MINOR_RECONFIG) != WIRE_OK) {
		nlt_seterr(e, NLT_EUSAGE, "%s on %s: the message (at most %u characters, UTF-8) or the delay (at most %u s) "
			   "is not acceptable", what, t->host, INITSHUTDOWN_MESSAGE_MAX, INITSHUTDOWN_TIMEOUT_MAX);
		goto out;
	}
	if (shutdown_call(t, INITSHUTDOWN_OP_INIT_EX, req, wwr_len(&w), what, &werror, &sent, e) < 0) {
		if (sent) {
			size_t n = strlen(e->msg);
			o = REBOOT_UNKNOWN;
			snprintf(e->msg + n, sizeof(e->msg) - n, "; the request was sent: a reboot may be scheduled");
		}
		goto out;
	}
	if (werror) {
		o = REBOOT_REFUSED;
		refused(t, what, werror, e);
		goto out;
	}
	o = REBOOT_ACCEPTED;
out:
	if (outcome)
		*outcome = o;
	return o == REBOOT_ACCEPTED ? 0 : -1;
}

int target_abort_reboot(struct target *t, struct nlt_err *e)
{
	uint8_t req[16];
	struct wwr w;
	uint32_t werror = 0;
	int sent = 0;
	const char *what = "AbortSystemShutdown";

	wwr_init(&w, req, sizeof(req));
	if (initshutdown_enc_abort(&w) != WIRE_OK)
		return nlt_seterr(e, NLT_EINTERNAL, "%s: cannot encode the request", what);
	if (shutdown_call(t, INITSHUTDOWN_OP_ABORT, req, wwr_len(&w), what, &werror, &sent, e) < 0)
		return -1;
	if (werror)
		return refused(t, what, werror, e);
	return 0;
}
