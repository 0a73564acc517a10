/* src/cli/fleet.c - one command over many targets (see fleet.h). */
#include "config.h"
#include "fleet.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "output.h"
#include "secret.h"
#include "util.h"

/* A child's stdout (its JSON document) and stderr (its error line, -v) are bounded. */
#define FLEET_OUT_MAX (4u << 20)
#define FLEET_ERR_MAX (64u << 10)

void fleet_target_free(struct fleet_target *t)
{
	free(t->host);
	free(t->domain);
	free(t->target_user);
	free(t->target_password_file);
	memset(t, 0, sizeof(*t));
}

static int host_ok(const char *h)
{
	size_t n = strlen(h);

	if (n == 0 || n > 255)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];
		if (c <= ' ' || c == 0x7f || c == '\\' || c == '/' || c == '"' || c == '\'')
			return 0;
	}
	return 1;
}

static int json_line(const char *line, size_t lineno, struct fleet_target *t, struct nlt_err *e)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	int r = -1;

	if (!tok)
		return nlt_seterr(e, NLT_EINTERNAL, "out of memory");
	o = json_tokener_parse_ex(tok, line, (int)strlen(line));
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)strlen(line)) {
		nlt_seterr(e, NLT_EUSAGE, "targets line %zu: not one JSON object", lineno);
		goto out;
	}
	if (!json_object_is_type(o, json_type_object)) {
		nlt_seterr(e, NLT_EUSAGE, "targets line %zu: not a JSON object", lineno);
		goto out;
	}
	t->target_auth = -1;
	json_object_object_foreach(o, k, v) {
		char **slot = NULL;
		if (strcmp(k, "target") == 0)
			slot = &t->host;
		else if (strcmp(k, "domain") == 0)
			slot = &t->domain;
		else if (strcmp(k, "target_user") == 0)
			slot = &t->target_user;
		else if (strcmp(k, "target_password_file") == 0)
			slot = &t->target_password_file;
		else if (strcmp(k, "target_auth") != 0) {
			nlt_seterr(e, NLT_EUSAGE, "targets line %zu: unknown key '%.40s' (target, domain, target_user, "
						  "target_password_file, target_auth)", lineno, k);
			goto out;
		}
		if (!json_object_is_type(v, json_type_string)) {
			nlt_seterr(e, NLT_EUSAGE, "targets line %zu: '%.40s' is not a string", lineno, k);
			goto out;
		}
		if (!slot) {
			const char *a = json_object_get_string(v);
			t->target_auth = strcmp(a, "auto") == 0 ? 0 : strcmp(a, "kerberos") == 0 ? 1
								   : strcmp(a, "ntlm") == 0	 ? 2 : -2;
			if (t->target_auth == -2) {
				nlt_seterr(e, NLT_EUSAGE, "targets line %zu: target_auth is not auto, kerberos or ntlm", lineno);
				goto out;
			}
			continue;
		}
		free(*slot);
		if (!(*slot = strdup(json_object_get_string(v)))) {
			nlt_seterr(e, NLT_EINTERNAL, "out of memory");
			goto out;
		}
	}
	if (!t->host) {
		nlt_seterr(e, NLT_EUSAGE, "targets line %zu: no \"target\"", lineno);
		goto out;
	}
	r = 1;
out:
	if (o)
		json_object_put(o);
	json_tokener_free(tok);
	return r;
}

int fleet_parse_line(const char *line, size_t lineno, struct fleet_target *t, struct nlt_err *e)
{
	char buf[1024];
	size_t n;
	const char *p = line;
	int r;

	memset(t, 0, sizeof(*t));
	t->target_auth = -1;
	t->line = lineno;
	while (*p == ' ' || *p == '\t')
		p++;
	n = strlen(p);
	while (n && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0 || *p == '#')
		return 0;
	if (n >= sizeof(buf))
		return nlt_seterr(e, NLT_EUSAGE, "targets line %zu: longer than %zu bytes", lineno, sizeof(buf) - 1);
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (buf[0] == '{')
		r = json_line(buf, lineno, t, e);
	else if (!(t->host = strdup(buf)))
		r = nlt_seterr(e, NLT_EINTERNAL, "out of memory");
	else
		r = 1;
	if (r == 1 && !host_ok(t->host))
		r = nlt_seterr(e, NLT_EUSAGE, "targets line %zu: '%.60s' is not a host name or address", lineno, t->host);
	if (r == 1 && t->domain && !host_ok(t->domain))
		r = nlt_seterr(e, NLT_EUSAGE, "targets line %zu: '%.60s' is not a domain name", lineno, t->domain);
	if (r < 0)
		fleet_target_free(t);
	t->line = lineno;
	return r;
}

enum fleet_outcome fleet_outcome(int exit_code, const char *verdict)
{
	if (exit_code == 0 && (!verdict || strcmp(verdict, "healthy") == 0))
		return FLEET_OK;
	if (exit_code == 1 && (!verdict || strcmp(verdict, "broken") == 0 || strcmp(verdict, "problems") == 0))
		return FLEET_BROKEN;
	return FLEET_UNKNOWN;
}

int fleet_exit_code(const int *codes, size_t n)
{
	int min = 0;

	for (size_t i = 0; i < n; i++) {
		if (codes[i] == 1)
			return 1;
		if (codes[i] != 0 && (min == 0 || codes[i] < min))
			min = codes[i];
	}
	return min;
}

uint64_t fleet_budget_ms(const struct nlt_req *req)
{
	uint64_t t = req->timeout_ms > 0 ? (uint64_t)req->timeout_ms : NLT_DEFAULT_TIMEOUT_MS;

	if (!req->fix)
		return t;
	/* doctor --fix: the gathering, then up to three steps that each get a fresh deadline for the
	 * change and another for the verify after it; a rejoin adds the member's join call and the
	 * directory read after it.  A run is never stopped in the middle of a change it may still finish. */
	return 8 * t + (req->rejoin ? (req->join_timeout_ms > 0 ? (uint64_t)req->join_timeout_ms : 120000) + t : 0);
}

/* ---- the list ---- */

static int load_list(const char *path, struct fleet_target **out, size_t *n_out, struct nlt_err *e)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	struct fleet_target *v = NULL;
	size_t n = 0, cap = 0, lineno = 0, len = 0;
	char *line = NULL;
	int r = 0;

	if (!f)
		return nlt_seterr(e, NLT_ECONFIG, "cannot open the targets list %s: %s", path, strerror(errno));
	while (getline(&line, &len, f) >= 0) {
		struct fleet_target t;
		lineno++;
		r = fleet_parse_line(line, lineno, &t, e);
		if (r < 0)
			break;
		if (r == 0)
			continue;
		if (n == FLEET_MAX_TARGETS) {
			fleet_target_free(&t);
			r = nlt_seterr(e, NLT_EUSAGE, "the targets list %s has more than %d targets", path, FLEET_MAX_TARGETS);
			break;
		}
		if (n == cap) {
			struct fleet_target *nv = realloc(v, (cap ? cap * 2 : 64) * sizeof(*v));
			if (!nv) {
				fleet_target_free(&t);
				r = nlt_seterr(e, NLT_EINTERNAL, "out of memory");
				break;
			}
			v = nv;
			cap = cap ? cap * 2 : 64;
		}
		v[n++] = t;
		r = 0;
	}
	if (r == 0 && ferror(f))
		r = nlt_seterr(e, NLT_ECONFIG, "reading the targets list %s: %s", path, strerror(errno));
	if (r == 0 && n == 0)
		r = nlt_seterr(e, NLT_EUSAGE, "the targets list %s names no target", path);
	free(line);
	if (f != stdin)
		fclose(f);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			fleet_target_free(&v[i]);
		free(v);
		return -1;
	}
	*out = v;
	*n_out = n;
	return 0;
}

/* ---- secrets: read once here, handed to every child (secret_preset) ---- */

static int preload_secrets(const struct nlt_req *req, int *admin_preset, int *target_preset, struct nlt_err *e)
{
	struct secret s;
	char prompt[600];
	int r;

	*admin_preset = *target_preset = 0;
	if (req->user && !req->ccache && !req->password_file) {
		if (req->stdin_password)
			r = secret_from_fd(&s, 0, "password", e);
		else {
			snprintf(prompt, sizeof(prompt), "Password for %s: ", req->user);
			r = secret_from_tty(&s, prompt, e);
		}
		if (r < 0)
			return -1;
		r = secret_preset("password", &s);
		secret_free(&s);
		if (r < 0)
			return nlt_seterr(e, NLT_EINTERNAL, "secret preset failed");
		*admin_preset = 1;
	}
	if (req->target_user && !req->target_password_file) {
		if (req->target_stdin_password)
			r = secret_from_fd(&s, 0, "target password", e);
		else {
			snprintf(prompt, sizeof(prompt), "Password for %s on the targets: ", req->target_user);
			r = secret_from_tty(&s, prompt, e);
		}
		if (r < 0)
			return -1;
		r = secret_preset("target password", &s);
		secret_free(&s);
		if (r < 0)
			return nlt_seterr(e, NLT_EINTERNAL, "secret preset failed");
		*target_preset = 1;
	}
	return 0;
}

/* ---- children ---- */

struct job {
	pid_t pid;
	size_t idx;     /* into the targets */
	int out_fd, err_fd;
	char *out, *err;
	size_t out_n, err_n;
	uint64_t t0_ms, kill_at_ms;
	int killed;
};

static void child(const struct nlt_req *req, const struct fleet_target *t, int admin_preset, int target_preset,
		  int out_w, int err_w, int (*run_one)(const struct nlt_req *))
{
	struct nlt_req r = *req;
	int devnull;

	/* die with the parent; no terminal to prompt on (the parent asked for every secret already) */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	(void)setsid();
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
		_exit(7);
	r.targets = NULL;
	r.target = t->host;
	r.json = 1;
	if (t->domain)
		r.domain = t->domain;
	/* a line's own user takes the command line's password unless the line names its own file */
	if (t->target_user)
		r.target_user = t->target_user;
	if (t->target_password_file) {
		r.target_password_file = t->target_password_file;
		r.target_stdin_password = 0;
	} else if (target_preset) {
		r.target_password_file = NULL;
		r.target_stdin_password = 1;
	}
	if (t->target_auth >= 0)
		r.target_auth = t->target_auth;
	if (admin_preset) {
		r.password_file = NULL;
		r.stdin_password = 1;
	}
	exit(run_one(&r));
}

static int spawn(struct job *j, const struct nlt_req *req, const struct fleet_target *t, size_t idx, int admin_preset,
		 int target_preset, int (*run_one)(const struct nlt_req *), struct nlt_err *e)
{
	int po[2], pe[2];

	memset(j, 0, sizeof(*j));
	if (pipe2(po, O_CLOEXEC) < 0)
		return nlt_seterr(e, NLT_EINTERNAL, "pipe: %s", strerror(errno));
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return nlt_seterr(e, NLT_EINTERNAL, "pipe: %s", strerror(errno));
	}
	fflush(stdout);
	fflush(stderr);
	j->pid = fork();
	if (j->pid < 0) {
		close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
		return nlt_seterr(e, NLT_EINTERNAL, "fork: %s", strerror(errno));
	}
	if (j->pid == 0) {
		close(po[0]);
		close(pe[0]);
		child(req, t, admin_preset, target_preset, po[1], pe[1], run_one);
	}
	close(po[1]);
	close(pe[1]);
	j->idx = idx;
	j->out_fd = po[0];
	j->err_fd = pe[0];
	j->t0_ms = nlt_now_ms();
	j->kill_at_ms = j->t0_ms + fleet_budget_ms(req) + FLEET_GRACE_MS;
	return 0;
}

/* Read what is there; 1 at EOF (fd closed), 0 otherwise. */
static int drain(int *fd, char **buf, size_t *n, size_t max)
{
	char tmp[8192];
	ssize_t r = read(*fd, tmp, sizeof(tmp));

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (r <= 0) {
		close(*fd);
		*fd = -1;
		return 1;
	}
	if (*n + (size_t)r <= max) {
		char *nb = realloc(*buf, *n + (size_t)r + 1);
		if (nb) {
			memcpy(nb + *n, tmp, (size_t)r);
			*n += (size_t)r;
			nb[*n] = '\0';
			*buf = nb;
		}
	}
	return 0;
}

/* The child's last non-empty stderr line (its one-line error), without the trailing newline. */
static const char *last_line(char *s, size_t n, char *out, size_t len)
{
	size_t end = n, start;

	while (end && (s[end - 1] == '\n' || s[end - 1] == '\r'))
		end--;
	start = end;
	while (start && s[start - 1] != '\n')
		start--;
	snprintf(out, len, "%.*s", (int)(end - start), s + start);
	return out;
}

struct tally {
	size_t n, done, ok, broken, unknown;
	int *codes;
};

static void print_progress(const struct tally *ty, size_t running, int clear)
{
	if (clear) {
		fprintf(stderr, "\r%*s\r", 79, "");
		return;
	}
	fprintf(stderr, "\rnltrust: %zu/%zu done (%zu broken, %zu not known), %zu running ", ty->done, ty->n, ty->broken,
		ty->unknown, running);
}

/* One finished target: its line on stdout (NDJSON with --json), and its place in the tally. */
static void report(const struct nlt_req *req, const struct fleet_target *t, struct job *j, int status,
		   struct tally *ty)
{
	struct json_object *doc = NULL, *line, *er = NULL, *v;
	const char *verdict = NULL, *msg = NULL;
	char errline[600], safe[OUT_SAFE_SIZE(600)], hs[OUT_SAFE_SIZE(256)];
	int code;
	uint64_t ms = nlt_now_ms() - j->t0_ms;

	if (j->killed)
		code = 7;
	else if (WIFEXITED(status))
		code = WEXITSTATUS(status);
	else
		code = 7;
	if (j->out && j->out_n)
		doc = json_tokener_parse(j->out);
	if (doc && !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		doc = NULL;
	}
	if (doc && json_object_object_get_ex(doc, "verdict", &v) && json_object_is_type(v, json_type_string))
		verdict = json_object_get_string(v);
	if (doc && json_object_object_get_ex(doc, "error", &er) && json_object_is_type(er, json_type_object) &&
	    json_object_object_get_ex(er, "message", &v))
		msg = json_object_get_string(v);
	if (code > 7) /* a crash or a sanitizer's exit: never a verdict */
		code = 7;
	if (doc && !j->killed) {
		/* the document and the exit status must tell the same story; if not, neither is believed */
		int doc_code = 0;
		if (er && json_object_is_type(er, json_type_object) && json_object_object_get_ex(er, "exit_code", &v))
			doc_code = json_object_get_int(v);
		if (doc_code != code) {
			snprintf(errline, sizeof(errline), "the run's exit status %d disagrees with its report (exit %d)",
				 code, doc_code);
			msg = errline;
			code = 7;
			json_object_put(doc);
			doc = NULL;
			verdict = NULL;
		}
	}
	if (!msg && code != 0) {
		msg = j->killed ? "did not finish within its deadline; stopped"
		      : !WIFEXITED(status) ? "the run for this target ended abnormally"
		      : j->err_n ? last_line(j->err, j->err_n, errline, sizeof(errline))
				 : "failed without saying why";
	}
	if (code == 0 && !doc) /* success must come with its report */
		code = 7, msg = "no report from the run for this target";
	ty->codes[j->idx] = code;
	switch (fleet_outcome(code, verdict)) {
	case FLEET_OK: ty->ok++; break;
	case FLEET_BROKEN: ty->broken++; break;
	default: ty->unknown++; break;
	}
	ty->done++;
	if (req->json) {
		line = json_object_new_object();
		json_object_object_add(line, "target", json_object_new_string(t->host));
		json_object_object_add(line, "line", json_object_new_int64((int64_t)t->line));
		json_object_object_add(line, "exit_code", json_object_new_int(code));
		json_object_object_add(line, "elapsed_ms", json_object_new_int64((int64_t)ms));
		json_object_object_add(line, "result", doc ? json_object_get(doc) : NULL);
		if (code != 0 && !doc) {
			struct json_object *eo = json_object_new_object();
			struct nlt_err tmp;
			nlt_clearerr(&tmp);
			tmp.cat = (enum nlt_cat)code;
			json_object_object_add(eo, "exit_code", json_object_new_int(code));
			json_object_object_add(eo, "category", json_object_new_string(nlt_cat_name(tmp.cat)));
			json_object_object_add(eo, "message", json_object_new_string(msg));
			json_object_object_add(line, "error", eo);
		} else {
			json_object_object_add(line, "error", NULL);
		}
		out_json_print_line(line);
		json_object_put(line);
	} else if (!req->quiet || code != 0) {
		out_safe(t->host, hs, sizeof(hs));
		if (code == 0)
			printf("%s: %s\n", hs, verdict ? verdict : "ok");
		else
			printf("%s: %s (exit %d): %s\n", hs, verdict ? verdict : fleet_outcome(code, NULL) == FLEET_BROKEN ? "problems" : "not known",
			       code, out_safe(msg, safe, sizeof(safe)));
	}
	fflush(stdout);
	if (doc)
		json_object_put(doc);
}

int fleet_run(const struct nlt_req *req, int (*run_one)(const struct nlt_req *req), struct nlt_err *e)
{
	struct fleet_target *tv = NULL;
	struct job *jobs = NULL;
	struct tally ty;
	size_t n = 0, next = 0, running = 0, maxj;
	int admin_preset = 0, target_preset = 0, rc = -1, progress;
	uint64_t t0 = nlt_now_ms();

	memset(&ty, 0, sizeof(ty));
	if (strcmp(req->targets, "-") == 0 && (req->stdin_password || req->target_stdin_password))
		return nlt_seterr(e, NLT_EUSAGE, "--targets - reads the list from standard input: the passwords must "
						 "come from a file or the terminal");
	if (load_list(req->targets, &tv, &n, e) < 0)
		return -1;
	if (preload_secrets(req, &admin_preset, &target_preset, e) < 0)
		goto out;
	maxj = req->jobs > 0 ? (size_t)req->jobs : FLEET_DEFAULT_JOBS;
	if (maxj > n)
		maxj = n;
	jobs = calloc(maxj, sizeof(*jobs));
	ty.codes = calloc(n, sizeof(int));
	if (!jobs || !ty.codes) {
		nlt_seterr(e, NLT_EINTERNAL, "out of memory");
		goto out;
	}
	ty.n = n;
	progress = isatty(2) && !req->quiet;
	for (size_t i = 0; i < maxj; i++)
		jobs[i].pid = 0;
	while (next < n || running) {
		struct pollfd pf[2 * FLEET_MAX_JOBS];
		size_t map[2 * FLEET_MAX_JOBS], np = 0;
		uint64_t now = nlt_now_ms(), wake = now + 250;

		for (size_t i = 0; i < maxj && next < n; i++)
			if (jobs[i].pid == 0) {
				if (spawn(&jobs[i], req, &tv[next], next, admin_preset, target_preset, run_one, e) < 0)
					goto out;
				next++;
				running++;
			}
		if (progress)
			print_progress(&ty, running, 0);
		for (size_t i = 0; i < maxj; i++) {
			if (jobs[i].pid == 0)
				continue;
			if (jobs[i].out_fd >= 0)
				pf[np].fd = jobs[i].out_fd, pf[np].events = POLLIN, map[np++] = i;
			if (jobs[i].err_fd >= 0)
				pf[np].fd = jobs[i].err_fd, pf[np].events = POLLIN, map[np++] = i;
			if (jobs[i].kill_at_ms < wake)
				wake = jobs[i].kill_at_ms;
		}
		if (!np) /* every pipe closed: the children are exiting */
			wake = now + 5 < wake ? now + 5 : wake;
		if (poll(np ? pf : NULL, np, wake > now ? (int)(wake - now) : 0) < 0 && errno != EINTR) {
			nlt_seterr(e, NLT_EINTERNAL, "poll: %s", strerror(errno));
			goto out;
		}
		for (size_t k = 0; k < np; k++) {
			struct job *j = &jobs[map[k]];
			if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (pf[k].fd == j->out_fd)
				(void)drain(&j->out_fd, &j->out, &j->out_n, FLEET_OUT_MAX);
			else if (pf[k].fd == j->err_fd)
				(void)drain(&j->err_fd, &j->err, &j->err_n, FLEET_ERR_MAX);
		}
		now = nlt_now_ms();
		for (size_t i = 0; i < maxj; i++) {
			struct job *j = &jobs[i];
			int status = 0;
			if (j->pid == 0)
				continue;
			if (!j->killed && now >= j->kill_at_ms) {
				kill(j->pid, SIGKILL);
				j->killed = 1;
			}
			if (j->out_fd >= 0 || j->err_fd >= 0) {
				if (!j->killed)
					continue;
				/* killed: its pipes close with it */
			}
			if (waitpid(j->pid, &status, j->killed ? 0 : WNOHANG) <= 0)
				continue;
			if (j->out_fd >= 0)
				close(j->out_fd);
			if (j->err_fd >= 0)
				close(j->err_fd);
			report(req, &tv[j->idx], j, status, &ty);
			free(j->out);
			free(j->err);
			memset(j, 0, sizeof(*j));
			running--;
		}
	}
	if (progress)
		print_progress(&ty, 0, 1);
	rc = fleet_exit_code(ty.codes, n);
	if (req->json) {
		struct json_object *o = json_object_new_object(), *s = json_object_new_object();
		json_object_object_add(o, "command", json_object_new_string(opts_cmd_name(req->cmd)));
		json_object_object_add(s, "targets", json_object_new_int64((int64_t)n));
		json_object_object_add(s, "ok", json_object_new_int64((int64_t)ty.ok));
		json_object_object_add(s, "broken", json_object_new_int64((int64_t)ty.broken));
		json_object_object_add(s, "not_known", json_object_new_int64((int64_t)ty.unknown));
		json_object_object_add(s, "jobs", json_object_new_int64((int64_t)maxj));
		json_object_object_add(s, "elapsed_ms", json_object_new_int64((int64_t)(nlt_now_ms() - t0)));
		json_object_object_add(s, "exit_code", json_object_new_int(rc));
		json_object_object_add(o, "summary", s);
		out_json_print_line(o);
		json_object_put(o);
	} else if (!req->quiet) {
		printf("\n%zu target(s): %zu ok, %zu broken, %zu not known (%.1f s, %zu at a time)\n", n, ty.ok, ty.broken,
		       ty.unknown, (double)(nlt_now_ms() - t0) / 1000.0, maxj);
	}
	fflush(stdout);
out:
	if (jobs)
		for (size_t i = 0; i < maxj; i++)
			if (jobs[i].pid > 0) {
				kill(jobs[i].pid, SIGKILL);
				(void)waitpid(jobs[i].pid, NULL, 0);
				if (jobs[i].out_fd >= 0)
					close(jobs[i].out_fd);
				if (jobs[i].err_fd >= 0)
					close(jobs[i].err_fd);
				free(jobs[i].out);
				free(jobs[i].err);
			}
	free(jobs);
	free(ty.codes);
	for (size_t i = 0; i < n; i++)
		fleet_target_free(&tv[i]);
	free(tv);
	return rc;
}
