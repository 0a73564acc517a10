/*
 * src/trust/remote_repair.c - repair --target: the runbook's -Repair over the
 * target's \PIPE\netlogon (see remote_repair.h).  remote_repair_run() decides
 * the steps from the remote judge's verdicts; remote_repair() opens the
 * session and the pipe and gives it the calls.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "cmds.h"
#include "netlogon.h"
#include "remote_repair.h"

#include "rjoin.h"
#include "shutdown.h"
#include "target.h"
#include "util.h"

#define VERIFY_STATUS_RETURNED 0x80u
#define NT_OBJECT_NAME_NOT_FOUND 0xc0000034u

const char *repair_outcome_str(enum repair_outcome o)
{
	switch (o) {
	case REPAIR_UNDECIDED: break;
	case REPAIR_ALREADY_HEALTHY: return "already_healthy";
	case REPAIR_HEALED: return "healed";
	case REPAIR_ROTATED: return "rotated";
	case REPAIR_ROTATE_FAILED: return "rotate_failed";
	case REPAIR_REJOIN_NEEDED: return "rejoin_needed";
	case REPAIR_NOT_HEALED: return "not_healed";
	case REPAIR_UNKNOWN: return "unknown";
	case REPAIR_NO_NETLOGON: return "cannot_repair_remotely";
	case REPAIR_PLANNED: return "planned";
	case REPAIR_REJOINED: return "rejoined";
	}
	return "undecided";
}

const char *repair_step_str(enum repair_step_kind k)
{
	switch (k) {
	case RSTEP_NONE: break;
	case RSTEP_TC_VERIFY: return "TC_VERIFY";
	case RSTEP_REDISCOVER: return "REDISCOVER";
	case RSTEP_CHANGE_PASSWORD: return "CHANGE_PASSWORD";
	case RSTEP_STOP: return "stop";
	case RSTEP_REJOIN: return "rejoin";
	}
	return "none";
}

const char *repair_state_str(enum repair_step_state s)
{
	switch (s) {
	case RSTATE_NOT_RUN: break;
	case RSTATE_PLANNED: return "planned";
	case RSTATE_OK: return "ok";
	case RSTATE_FAILED: return "failed";
	case RSTATE_UNKNOWN: return "unknown";
	}
	return "not_run";
}

/* "1323 ERROR_WRONG_PASSWORD", or "Win32 error 4242" */
static const char *code_str(uint32_t code, char *buf, size_t n)
{
	const char *name = w32_name(code);

	if (name)
		snprintf(buf, n, "%u %s", code, name);
	else
		snprintf(buf, n, "Win32 error %u", code);
	return buf;
}

/* ---- the codes that choose the next step ---------------------------------------------------- */

/* the secret the member holds is gone or is not the DC's: only a rejoin (a new shared secret) fixes it */
static int secret_code(uint32_t c)
{
	return c == W32_WRONG_PASSWORD || c == W32_NO_TRUST_LSA_SECRET || c == W32_NO_TRUST_SAM_ACCOUNT ||
	       c == W32_DOMAIN_TRUST_INCONSISTENT;
}

/* the member could not reach a DC (dead, unreachable, or gone): REDISCOVER may find another */
static int dc_code(uint32_t c)
{
	return c == 53u /* ERROR_BAD_NETPATH */ || c == 1231u /* ERROR_NETWORK_UNREACHABLE */ ||
	       c == 1232u /* ERROR_HOST_UNREACHABLE */ || c == W32_NO_LOGON_SERVERS || c == 1722u /* RPC_S_SERVER_UNAVAILABLE */ ||
	       c == 1726u /* RPC_S_CALL_FAILED */ || c == 1727u /* RPC_S_CALL_FAILED_DNE */;
}

enum vclass { V_HEALTHY = 1, V_SECRET, V_NODC, V_BROKEN, V_UNKNOWN };

/* what the judged TC_VERIFY means for the runbook; *code: the code that decided */
static enum vclass classify(const struct repair_step *s, uint32_t *code)
{
	const struct trust_remote_call *c = &s->call;
	uint32_t codes[3];
	size_t n = 0;

	*code = 0;
	if (s->verdict == TRUST_HEALTHY)
		return V_HEALTHY;
	if (c->state == RCALL_ANSWERED) {
		if (c->werror) {
			codes[n++] = c->werror;
		} else if (c->present) {
			if (c->flags & VERIFY_STATUS_RETURNED)
				codes[n++] = c->pdc_status;
			codes[n++] = c->tc_status;
		}
	}
	if (s->verdict == TRUST_BROKEN) {
		for (size_t i = 0; i < n; i++)
			/* 5 as a channel status: the DC refused the member's secret (5 as the call's WERROR is the
			 * caller's lack of rights, never a broken channel: the judge calls that inconclusive) */
			if (secret_code(codes[i]) || (codes[i] == W32_ACCESS_DENIED && !c->werror)) {
				*code = codes[i];
				return V_SECRET;
			}
		for (size_t i = 0; i < n; i++)
			if (codes[i]) {
				*code = codes[i];
				break;
			}
		return V_BROKEN;
	}
	for (size_t i = 0; i < n; i++)
		if (dc_code(codes[i])) {
			*code = codes[i];
			return V_NODC;
		}
	return V_UNKNOWN;
}

/* ---- steps ---------------------------------------------------------------------------------- */

struct run {
	const struct repair_request *rq;
	repair_control_fn fn;
	void *arg;
	struct repair_result *res;
};

static struct repair_step *add_step(struct repair_result *res, enum repair_step_kind kind, uint32_t code,
				    uint32_t level, const char *data)
{
	struct repair_step *s;

	if (res->n >= REPAIR_MAX_STEPS)
		s = &res->step[REPAIR_MAX_STEPS - 1]; /* cannot happen: at most 6 steps */
	else
		s = &res->step[res->n++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->code = code;
	s->level = level;
	snprintf(s->data, sizeof(s->data), "%s", data ? data : "");
	return s;
}

static void fmt(char *buf, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *buf, size_t n, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, n, f, ap);
	va_end(ap);
}

static void to_call(struct trust_remote_call *rc, int r, const struct nrpc_netlogon_info *in, const struct nlt_err *e)
{
	memset(rc, 0, sizeof(*rc));
	if (r < 0) {
		rc->state = RCALL_COULD_NOT_RUN;
		snprintf(rc->error, sizeof(rc->error), "%s", e->msg[0] ? e->msg : "no reason recorded");
		rc->err_cat = e->cat == NLT_OK ? NLT_EPROTO : e->cat;
		return;
	}
	rc->state = RCALL_ANSWERED;
	rc->werror = in->werror;
	rc->present = in->present;
	rc->flags = in->flags;
	rc->pdc_status = in->pdc_connection_status;
	rc->tc_status = in->tc_connection_status;
	snprintf(rc->trusted_dc, sizeof(rc->trusted_dc), "%s", in->trusted_dc_name);
}

static int call(struct run *x, struct repair_step *s)
{
	struct nrpc_netlogon_info info;
	struct nlt_err e;
	int r;

	memset(&info, 0, sizeof(info));
	nlt_clearerr(&e);
	r = x->fn(x->arg, s->code, s->level, s->data, &info, &e);
	to_call(&s->call, r, &info, &e);
	return r;
}

/* a DC name as the target gave it ("\\dc2.other.test"), without the backslashes */
static const char *bare(const char *dc)
{
	while (*dc == '\\')
		dc++;
	return dc;
}

/* -S DC and the DC the member uses: the same, as far as names tell (equal, or one is the other's first label) */
static int same_dc(const char *want, const char *used)
{
	size_t a, b;

	want = bare(want);
	used = bare(used);
	if (!*want || !*used)
		return 0;
	if (strcasecmp(want, used) == 0)
		return 1;
	a = strcspn(want, ".");
	b = strcspn(used, ".");
	if ((want[a] == '\0') != (used[b] == '\0') && a == b)
		return strncasecmp(want, used, a) == 0;
	return 0;
}

/* TC_VERIFY, judged; why: what this verification is for */
static enum vclass verify(struct run *x, const char *why, uint32_t *code)
{
	struct trust_remote_evidence ev;
	struct repair_step *s = add_step(x->res, RSTEP_TC_VERIFY, NRPC_CONTROL_TC_VERIFY, 2, x->rq->domain);
	enum vclass v;

	call(x, s);
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.target, sizeof(ev.target), "%s", x->rq->target);
	snprintf(ev.domain, sizeof(ev.domain), "%s", x->rq->domain);
	snprintf(ev.repair_cmd, sizeof(ev.repair_cmd), "%s", x->rq->rejoin_cmd ? x->rq->rejoin_cmd : "");
	ev.verify = s->call;
	trust_remote_judge(&ev, &x->res->report);
	s->verdict = x->res->report.verdict;
	s->cat = x->res->report.cat;
	s->state = s->verdict == TRUST_HEALTHY ? RSTATE_OK
		 : s->verdict == TRUST_BROKEN ? RSTATE_FAILED : RSTATE_UNKNOWN;
	x->res->healthy = s->verdict == TRUST_HEALTHY ? 1 : s->verdict == TRUST_BROKEN ? 0 : -1;
	fmt(s->did, sizeof(s->did), "asked %s to verify its secure channel to %s (%s)", x->rq->target, x->rq->domain, why);
	fmt(s->saw, sizeof(s->saw), "%s", x->res->report.summary);
	v = classify(s, code);
	return v;
}

/* a step that was not run (--dry-run) */
static void planned(struct run *x, enum repair_step_kind kind, uint32_t code, uint32_t level, const char *data,
		    const char *did)
{
	struct repair_step *s = add_step(x->res, kind, code, level, data);

	s->state = RSTATE_PLANNED;
	fmt(s->did, sizeof(s->did), "would %s", did);
	fmt(s->saw, sizeof(s->saw), "not run: --dry-run");
}

static void finish(struct repair_result *res, enum repair_outcome o, enum nlt_cat cat, const char *f, ...)
	__attribute__((format(printf, 4, 5)));
static void finish(struct repair_result *res, enum repair_outcome o, enum nlt_cat cat, const char *f, ...)
{
	va_list ap;

	res->outcome = o;
	res->cat = cat;
	va_start(ap, f);
	vsnprintf(res->summary, sizeof(res->summary), f, ap);
	va_end(ap);
}

/* the last TC_VERIFY's DC, bare ("not named" when none) */
static const char *last_dc(const struct repair_result *res)
{
	for (size_t i = res->n; i-- > 0;)
		if (res->step[i].kind == RSTEP_TC_VERIFY && res->step[i].call.trusted_dc[0])
			return bare(res->step[i].call.trusted_dc);
	return "not named";
}

/* the secret is gone: stop, rejoin needed */
static void stop_rejoin(struct run *x, uint32_t code, const char *after)
{
	struct repair_result *res = x->res;
	struct repair_step *s = add_step(res, RSTEP_STOP, 0, 0, NULL);
	char c[80];

	code_str(code, c, sizeof(c));
	s->state = RSTATE_OK;
	snprintf(res->rejoin_cmd, sizeof(res->rejoin_cmd), "%s", x->rq->rejoin_cmd ? x->rq->rejoin_cmd : "");
	fmt(s->did, sizeof(s->did), "stopped: neither REDISCOVER nor CHANGE_PASSWORD can fix a secret the DC does not share");
	fmt(s->saw, sizeof(s->saw), "%s%s", res->rejoin_cmd[0] ? "run: " : "rejoin it", res->rejoin_cmd);
	finish(res, REPAIR_REJOIN_NEEDED, NLT_EPROBLEM,
	       "Rejoin needed: %s%s's trust secret for %s is gone or wrong (TC_VERIFY: %s); nothing was healed%s%s",
	       after, x->rq->target, x->rq->domain, c, res->rejoin_cmd[0] ? "; run: " : "", res->rejoin_cmd);
}

/* a TC_VERIFY that is neither healthy nor a case for the next step: the outcome says which */
static void stop_other(struct run *x, enum vclass v, uint32_t code, const char *after)
{
	struct repair_result *res = x->res;
	const char *why = res->report.decisive >= 0 ? res->report.f[res->report.decisive].text : res->report.summary;
	char c[80];

	if (v == V_SECRET) {
		stop_rejoin(x, code, after);
		return;
	}
	if (v == V_BROKEN) {
		finish(res, REPAIR_NOT_HEALED, NLT_EPROBLEM,
		       "Not healed: %s%s; this runbook has no step for %s (REDISCOVER fixes a dead or wrong DC, "
		       "CHANGE_PASSWORD a working channel, rejoin a lost secret)",
		       after, why, code ? code_str(code, c, sizeof(c)) : "it");
		return;
	}
	finish(res, REPAIR_UNKNOWN, res->report.cat == NLT_OK ? NLT_EINTERNAL : res->report.cat,
	       "Unknown: %s%s; nothing more was tried", after, why);
}

static void rotate(struct run *x, const char *after);

/* REDISCOVER (to -S DC when given), then TC_VERIFY; initially_healthy: only -S asked for it */
static void rediscover(struct run *x, int initially_healthy, const char *why)
{
	struct repair_result *res = x->res;
	const struct repair_request *rq = x->rq;
	char data[320], c[80], dc_seen[320];
	struct repair_step *s;
	enum vclass v;
	uint32_t code = 0;

	if (rq->dc)
		snprintf(data, sizeof(data), "%s\\%s", rq->domain, bare(rq->dc));
	else
		snprintf(data, sizeof(data), "%s", rq->domain);
	if (rq->dry_run) {
		char d[200];
		fmt(d, sizeof(d), "REDISCOVER %s (%s)", data, why);
		planned(x, RSTEP_REDISCOVER, NRPC_CONTROL_REDISCOVER, 2, data, d);
		planned(x, RSTEP_TC_VERIFY, NRPC_CONTROL_TC_VERIFY, 2, rq->domain, "TC_VERIFY again");
		if (rq->rotate)
			planned(x, RSTEP_CHANGE_PASSWORD, NRPC_CONTROL_CHANGE_PASSWORD, 1, rq->domain,
				"CHANGE_PASSWORD if the channel then works, and TC_VERIFY again");
		finish(res, REPAIR_PLANNED, initially_healthy ? NLT_OK : res->report.cat,
		       "Dry run: nothing changed; would REDISCOVER %s (%s), then TC_VERIFY", data, why);
		return;
	}
	s = add_step(res, RSTEP_REDISCOVER, NRPC_CONTROL_REDISCOVER, 2, data);
	fmt(s->did, sizeof(s->did), "asked %s to find a DC of %s again and set up a new secure channel%s%s (%s)",
	    rq->target, rq->domain, rq->dc ? " to " : "", rq->dc ? bare(rq->dc) : "", why);
	if (call(x, s) < 0) {
		s->state = RSTATE_UNKNOWN;
		res->changed = -1;
		fmt(s->saw, sizeof(s->saw), "no answer (%s): whether it rediscovered is unknown; TC_VERIFY decides",
		    s->call.error);
	} else if (s->call.werror) {
		s->state = RSTATE_FAILED;
		fmt(s->saw, sizeof(s->saw), "%s refused or failed: %s", rq->target, code_str(s->call.werror, c, sizeof(c)));
	} else if (!s->call.present || !s->call.trusted_dc[0]) {
		s->state = RSTATE_UNKNOWN;
		res->changed = -1;
		fmt(s->saw, sizeof(s->saw), "answered success but named no DC: whether it has a channel is unknown");
	} else {
		s->state = RSTATE_OK;
		res->changed = 1;
		snprintf(dc_seen, sizeof(dc_seen), "%s", bare(s->call.trusted_dc));
		fmt(s->saw, sizeof(s->saw), "%s set up a secure channel to DC %s (tc_connection_status %s)", rq->target,
		    dc_seen, code_str(s->call.tc_status, c, sizeof(c)));
	}
	v = verify(x, "after REDISCOVER", &code);
	if (v != V_HEALTHY) {
		stop_other(x, v, code, "after REDISCOVER, ");
		return;
	}
	if (rq->rotate) {
		rotate(x, "after REDISCOVER, ");
		return;
	}
	if (s->state == RSTATE_OK) {
		char note[400] = "";
		if (rq->dc && !same_dc(rq->dc, last_dc(res)))
			fmt(note, sizeof(note), " (it chose %s, not %s as far as the names tell)", last_dc(res), bare(rq->dc));
		finish(res, REPAIR_HEALED, NLT_OK, "Healed: %s %s its secure channel to %s with REDISCOVER; TC_VERIFY "
		       "healthy on DC %s%s", rq->target, initially_healthy ? "moved" : "set up again", rq->domain,
		       last_dc(res), note);
	} else if (initially_healthy) {
		finish(res, REPAIR_ALREADY_HEALTHY, NLT_OK, "Healthy, not moved: REDISCOVER %s did not succeed (%s); "
		       "TC_VERIFY healthy on DC %s", data, s->saw, last_dc(res));
	} else {
		finish(res, REPAIR_HEALED, NLT_OK, "Healed: TC_VERIFY healthy on DC %s after REDISCOVER, which itself "
		       "reported: %s", last_dc(res), s->saw);
	}
}

/* CHANGE_PASSWORD on a working channel, then TC_VERIFY */
static void rotate(struct run *x, const char *after)
{
	struct repair_result *res = x->res;
	const struct repair_request *rq = x->rq;
	struct repair_step *s;
	enum vclass v;
	uint32_t code = 0;
	char c[80];

	if (rq->dry_run) {
		planned(x, RSTEP_CHANGE_PASSWORD, NRPC_CONTROL_CHANGE_PASSWORD, 1, rq->domain,
			"ask the target to change its trust password (CHANGE_PASSWORD)");
		planned(x, RSTEP_TC_VERIFY, NRPC_CONTROL_TC_VERIFY, 2, rq->domain, "TC_VERIFY again");
		finish(res, REPAIR_PLANNED, NLT_OK,
		       "Dry run: nothing changed; the channel is healthy (DC %s); would CHANGE_PASSWORD, then TC_VERIFY",
		       last_dc(res));
		return;
	}
	s = add_step(res, RSTEP_CHANGE_PASSWORD, NRPC_CONTROL_CHANGE_PASSWORD, 1, rq->domain);
	fmt(s->did, sizeof(s->did), "asked %s to set a new trust password for %s with its DC (--rotate)", rq->target,
	    rq->domain);
	if (call(x, s) < 0) {
		s->state = RSTATE_UNKNOWN;
		res->changed = -1;
		fmt(s->saw, sizeof(s->saw), "no answer (%s): whether the password changed is unknown", s->call.error);
	} else if (s->call.werror) {
		s->state = RSTATE_FAILED;
		fmt(s->saw, sizeof(s->saw), "refused: %s", code_str(s->call.werror, c, sizeof(c)));
	} else if (!s->call.present) {
		s->state = RSTATE_UNKNOWN;
		res->changed = -1;
		fmt(s->saw, sizeof(s->saw), "answered success without NETLOGON_INFO_1: whether the password changed is unknown");
	} else if (s->call.pdc_status) {
		s->state = RSTATE_FAILED;
		fmt(s->saw, sizeof(s->saw), "the change failed: %s", code_str(s->call.pdc_status, c, sizeof(c)));
	} else {
		s->state = RSTATE_OK;
		res->changed = 1;
		fmt(s->saw, sizeof(s->saw), "%s reports the new password set (pdc_connection_status 0)", rq->target);
	}
	v = verify(x, "after CHANGE_PASSWORD", &code);
	if (v != V_HEALTHY) {
		char a[120];
		fmt(a, sizeof(a), "%safter CHANGE_PASSWORD (%s), ", after, repair_state_str(s->state));
		stop_other(x, v, code, a);
		return;
	}
	if (s->state == RSTATE_OK) {
		finish(res, REPAIR_ROTATED, NLT_OK, "Rotated: %s%s changed its trust password for %s and TC_VERIFY is "
		       "healthy on DC %s", after, rq->target, rq->domain, last_dc(res));
	} else if (s->state == RSTATE_FAILED) {
		uint32_t w = s->call.werror;
		finish(res, REPAIR_ROTATE_FAILED,
		       w == W32_ACCESS_DENIED ? NLT_EAUTH
		       : (w == W32_NOT_SUPPORTED || w == W32_INVALID_DOMAIN_ROLE || w == W32_INVALID_LEVEL ||
			  w == W32_INVALID_PARAMETER) ? NLT_EPROTO : NLT_EPROBLEM,
		       "Not rotated: CHANGE_PASSWORD %s; the channel is still healthy (TC_VERIFY, DC %s) with the old "
		       "password", s->saw, last_dc(res));
	} else {
		finish(res, REPAIR_ROTATE_FAILED, s->call.state == RCALL_COULD_NOT_RUN ? trust_unknown_cat(s->call.err_cat) : NLT_EPROTO,
		       "Unknown: CHANGE_PASSWORD %s; the channel is healthy (TC_VERIFY, DC %s), with the old or the new "
		       "password", s->saw, last_dc(res));
	}
}

void remote_repair_run(const struct repair_request *rq, repair_control_fn fn, void *arg, struct repair_result *res)
{
	struct run x = { rq, fn, arg, res };
	enum vclass v;
	uint32_t code = 0;
	char c[80], why[400];

	memset(res, 0, sizeof(*res));
	res->report.decisive = -1;
	res->healthy = -1;
	if (rq->no_netlogon) {
		struct repair_step *s = add_step(res, RSTEP_STOP, 0, 0, NULL);
		s->state = RSTATE_OK;
		fmt(s->did, sizeof(s->did), "stopped before any call: %s serves no \\PIPE\\netlogon", rq->target);
		fmt(s->saw, sizeof(s->saw), "%s", rq->no_netlogon_why ? rq->no_netlogon_why : "");
		finish(res, REPAIR_NO_NETLOGON, NLT_EPROTO,
		       "cannot repair %s remotely: it serves no \\PIPE\\netlogon%s%s (a Samba or Linux member has none); "
		       "run nltrust verify and reset-password on it",
		       rq->target, rq->no_netlogon_why && *rq->no_netlogon_why ? ": " : "",
		       rq->no_netlogon_why ? rq->no_netlogon_why : "");
		return;
	}
	v = verify(&x, "first, before any change", &code);
	switch (v) {
	case V_HEALTHY:
		if (rq->dc && !same_dc(rq->dc, last_dc(res))) {
			fmt(why, sizeof(why), "-S names %s, the member uses %s", bare(rq->dc), last_dc(res));
			rediscover(&x, 1, why);
		} else if (rq->rotate) {
			rotate(&x, "");
		} else {
			finish(res, REPAIR_ALREADY_HEALTHY, NLT_OK,
			       "Already healthy: %s verified its secure channel to %s (TC_VERIFY, DC %s); nothing changed",
			       rq->target, rq->domain, last_dc(res));
		}
		return;
	case V_NODC:
		fmt(why, sizeof(why), "TC_VERIFY: %s finds no DC, %s", rq->target, code_str(code, c, sizeof(c)));
		rediscover(&x, 0, why);
		return;
	case V_SECRET:
	case V_BROKEN:
	case V_UNKNOWN:
		stop_other(&x, v, code, "");
		return;
	}
}

/* ---- the command's side: session, pipe, calls ------------------------------------------------ */

static int control(void *arg, uint32_t code, uint32_t level, const char *data, struct nrpc_netlogon_info *out,
		   struct nlt_err *e)
{
	int r = nl_logon_control2ex((struct rpc_conn *)arg, NULL, code, level, data, out, e);

	nlt_vlog("repair --target: %s level %u %s: %s", nl_control_str(code), level, data,
		 r == 0 ? "answered" : e->msg);
	return r;
}

/* append a word for a POSIX shell: quoted unless it is plain */
static void put_word(char *buf, size_t len, const char *s)
{
	size_t pos = strlen(buf);
	int plain = *s != '\0';

	for (const char *c = s; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("@%+=:,./_-", *c))
			plain = 0;
	if (pos + 2 >= len)
		return;
	if (pos)
		buf[pos++] = ' ';
	if (!plain)
		buf[pos++] = '\'';
	for (; *s && pos + 6 < len; s++) {
		if (*s == '\'') {
			memcpy(buf + pos, "'\\''", 4);
			pos += 4;
		} else {
			buf[pos++] = *s;
		}
	}
	if (!plain)
		buf[pos++] = '\'';
	buf[pos] = '\0';
}

/* nltrust rejoin --target HOST [target credentials] <admin and identity options> DOMAIN, as advice_cmd() builds it */
static void rejoin_cmd(const struct nlt_req *req, const char *host, const char *domain, char *out, size_t len)
{
	char extra[700] = "";

	put_word(extra, sizeof(extra), "--target");
	put_word(extra, sizeof(extra), host);
	if (req->target_user) {
		put_word(extra, sizeof(extra), "--target-user");
		put_word(extra, sizeof(extra), req->target_user);
	}
	if (req->target_password_file) {
		put_word(extra, sizeof(extra), "--target-password-file");
		put_word(extra, sizeof(extra), req->target_password_file);
	}
	if (req->target_auth) {
		put_word(extra, sizeof(extra), "--target-auth");
		put_word(extra, sizeof(extra), req->target_auth == 1 ? "kerberos" : "ntlm");
	}
	advice_cmd(req, "rejoin", extra, ADVICE_ADMIN, domain, out, len);
}

void remote_repair_cmd(const struct nlt_req *req, const char *host, const char *domain, char *out, size_t len)
{
	/* only the target's options: -S means another thing to repair (REDISCOVER to that DC), and the
	 * directory options of verify --target do not apply */
	char t[16];

	snprintf(out, len, "nltrust repair");
	put_word(out, len, "--target");
	put_word(out, len, host);
	if (req->target_user) {
		put_word(out, len, "--target-user");
		put_word(out, len, req->target_user);
	}
	if (req->target_password_file) {
		put_word(out, len, "--target-password-file");
		put_word(out, len, req->target_password_file);
	} else if (req->target_stdin_password) {
		put_word(out, len, "--target-stdin-password");
	}
	if (req->target_auth) {
		put_word(out, len, "--target-auth");
		put_word(out, len, req->target_auth == 1 ? "kerberos" : "ntlm");
	}
	if (req->timeout_ms != NLT_DEFAULT_TIMEOUT_MS) {
		snprintf(t, sizeof(t), "%g", req->timeout_ms / 1000.0);
		put_word(out, len, "--timeout");
		put_word(out, len, t);
	}
	if (domain && *domain)
		put_word(out, len, domain);
}

static void fill_info(struct trust_target_info *ti, const struct target *t)
{
	snprintf(ti->host, sizeof(ti->host), "%s", t->host);
	snprintf(ti->addr, sizeof(ti->addr), "%s", t->addr_str);
	snprintf(ti->dialect, sizeof(ti->dialect), "%s", target_dialect_str(t->smb.dialect));
	snprintf(ti->signing, sizeof(ti->signing), "%s", target_sign_str(&t->smb));
	snprintf(ti->encryption, sizeof(ti->encryption), "%s", target_cipher_str(&t->smb));
	snprintf(ti->auth, sizeof(ti->auth), "%s", t->mech == 2 ? "NTLM" : "Kerberos");
	snprintf(ti->account_kind, sizeof(ti->account_kind), "%s",
		 t->user.kind == TACCT_LOCAL ? "local" : t->user.kind == TACCT_DOMAIN ? "domain" : "ccache");
}

/*
 * --rejoin after "rejoin needed": never on a DC (its channel to another
 * domain is a trust between domains, which a rejoin would not repair and a
 * join of a DC must not be tried) nor when the role could not be read; else
 * rjoin_run() (the preflight, the join, the directory re-read).  Healed is
 * not claimed: the member's channel is verified only after it restarts.
 */
static void repair_rejoin(struct nlt_ctx *ctx, struct repair_result *res, int is_dc, const char *domain)
{
	static struct rjoin_result rj; /* large */
	struct repair_step *s = add_step(res, RSTEP_REJOIN, 0, 0, domain);
	struct nlt_err re;
	const char *host = ctx->req->target;

	memset(&re, 0, sizeof(re));
	fmt(s->did, sizeof(s->did), "rejoin %.120s to %.60s (--rejoin)", host, domain);
	if (is_dc != 0) {
		s->state = RSTATE_NOT_RUN;
		fmt(s->saw, sizeof(s->saw), "%s", is_dc > 0
			? "not done: the target is a domain controller (or its channel is to a domain other than its own): "
			  "that channel is a trust between domains, which a rejoin does not repair (recreate the trust on "
			  "both sides)"
			: "not done: the target's own domain could not be read (LSA), and a DC must not be joined");
		if (is_dc > 0)
			res->rejoin_cmd[0] = '\0';
		finish(res, REPAIR_REJOIN_NEEDED, NLT_EPROBLEM, "%.300s: %.500s", host, s->saw);
		return;
	}
	if (ctx->req->dry_run) {
		s->state = RSTATE_PLANNED;
		fmt(s->saw, sizeof(s->saw), "not run: --dry-run");
		return;
	}
	memset(&rj, 0, sizeof(rj));
	if (rjoin_run(ctx, RJOIN_REJOIN, &rj, &re) == 0 || (rj.password_new == 1 && rj.reboot_asked)) {
		if (rj.password_new == 1) {
			/* rejoined; with --reboot, a restart that was not scheduled is an error of its own (exit of its kind) */
			int rb_failed = rj.reboot_asked && rj.reboot_outcome != REBOOT_ACCEPTED;
			s->state = RSTATE_OK;
			res->rejoin_cmd[0] = '\0';
			fmt(s->saw, sizeof(s->saw), "the member answered WERR_OK and %s on %.200s shows its new password%s%.200s",
			    rj.sam, rj.dc, !rj.reboot_asked ? "; a restart is pending"
					   : rb_failed ? "; the restart was NOT scheduled: " : "; it restarts (--reboot)",
			    rb_failed ? rj.reboot_error : "");
			finish(res, REPAIR_REJOINED, rb_failed ? (re.cat != NLT_OK ? re.cat : NLT_EPROTO) : NLT_OK,
			       "rejoined %.200s to %.100s%s; its secure channel is verified only after it restarts: nltrust "
			       "verify --target %.200s",
			       host, domain, rb_failed ? " (the restart was not scheduled: restart it by hand)" : "", host);
			return;
		}
	}
	/* no answer, or a WERR_OK the directory does not confirm: what the member holds now is not known */
	s->state = rj.join.ran && (!rj.join.answered || rj.join.werror == 0) ? RSTATE_UNKNOWN : RSTATE_FAILED;
	fmt(s->saw, sizeof(s->saw), "%.440s%s%.150s", re.msg[0] ? re.msg : "the rejoin did not confirm a new password",
	    rj.finish_cmd[0] ? "; finish with: " : "", rj.finish_cmd);
	finish(res, REPAIR_REJOIN_NEEDED, re.cat != NLT_OK ? re.cat : NLT_EPROBLEM, "%.300s: rejoin failed: %.550s", host,
	       s->saw);
}

int remote_repair(struct nlt_ctx *ctx, struct repair_result *res, struct trust_target_info *ti, char *domain,
		  size_t domain_len, struct nlt_err *e)
{
	const struct nlt_req *req = ctx->req;
	struct repair_request rq;
	struct target t;
	struct target_info *tinfo = NULL;
	struct rpc_conn c;
	char why[120] = "", cmd[600];
	int r = -1, is_dc = -1;

	memset(&rq, 0, sizeof(rq));
	memset(ti, 0, sizeof(*ti));
	memset(&c, 0, sizeof(c));
	domain[0] = '\0';
	if (target_open(&t, ctx, req->target, e) < 0)
		return -1;
	fill_info(ti, &t);
	if (req->domain && *req->domain && req->rejoin) {
		/* --rejoin: is the target a DC (its channel to DOMAIN is then a trust, which a rejoin does not fix)? */
		tinfo = calloc(1, sizeof(*tinfo));
		if (!tinfo) {
			nlt_seterr(e, NLT_EINTERNAL, "out of memory");
			goto out;
		}
		if (target_show(&t, tinfo, e) < 0)
			goto out;
		/* a member holds a channel to its own domain only: a channel to another domain is a DC's trust
		 * (Samba's DC does not set the DC bits in srvsvc, so its LSA domain decides) */
		if (!tinfo->have_lsa)
			is_dc = -1;
		else if ((tinfo->have_srv && (tinfo->srv.type & SV_TYPE_DOMAIN_CTRL)) ||
			 (!nlt_name_eq(req->domain, tinfo->lsa.dns_domain) && !nlt_name_eq(req->domain, tinfo->lsa.name)))
			is_dc = 1;
		else
			is_dc = 0;
		if (tinfo->netlogon == 0) {
			rq.no_netlogon = 1;
			snprintf(why, sizeof(why), "opening it gave STATUS_OBJECT_NAME_NOT_FOUND");
		}
	}
	if (req->domain && *req->domain) {
		snprintf(domain, domain_len, "%s", req->domain);
	} else {
		tinfo = calloc(1, sizeof(*tinfo));
		if (!tinfo) {
			nlt_seterr(e, NLT_EINTERNAL, "out of memory");
			goto out;
		}
		if (trust_target_own_domain(&t, tinfo, "repair", domain, domain_len, e) < 0)
			goto out;
		ti->domain_from_lsa = 1;
		/* not a PDC (refused above); a role srvsvc did not give stays unknown: no rejoin then */
		is_dc = tinfo->have_srv ? 0 : -1;
		if (tinfo->netlogon == 0) {
			rq.no_netlogon = 1;
			snprintf(why, sizeof(why), "opening it gave STATUS_OBJECT_NAME_NOT_FOUND");
		}
	}
	rejoin_cmd(req, t.host, domain, cmd, sizeof(cmd));
	rq.target = t.host;
	rq.domain = domain;
	rq.dc = req->server;
	rq.rotate = req->rotate;
	rq.dry_run = req->dry_run;
	rq.rejoin_cmd = cmd;
	rq.no_netlogon_why = why;
	if (!rq.no_netlogon) {
		t.smb.last_status = 0;
		if (target_rpc(&t, "netlogon", &nrpc_syntax, &c, e) < 0) {
			if (t.smb.last_status != NT_OBJECT_NAME_NOT_FOUND)
				goto out; /* nothing was asked: e says why (exit of its category) */
			rq.no_netlogon = 1;
			snprintf(why, sizeof(why), "opening it gave STATUS_OBJECT_NAME_NOT_FOUND");
		}
	}
	remote_repair_run(&rq, control, &c, res);
	r = 0;
	if (res->outcome == REPAIR_REJOIN_NEEDED && req->rejoin) {
		if (c.pipe || c.xp)
			rpc_close(&c);
		memset(&c, 0, sizeof(c));
		target_close(&t);
		repair_rejoin(ctx, res, is_dc, domain);
	}
out:
	if (c.pipe || c.xp)
		rpc_close(&c);
	free(tinfo);
	target_close(&t);
	return r;
}
