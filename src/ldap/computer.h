/*
 * src/ldap/computer.h - the directory's view of a computer object: read as an
 * administrator over the admin session's LDAP (admin.h), with findings in
 * plain words.  show-computer prints it; verify --target shows it beside the
 * remote verdict (src/trust/trust_target.c) and its judge weighs the
 * account's existence and state (src/trust/trust_remote.c).
 */
#ifndef NLT_COMPUTER_H
#define NLT_COMPUTER_H

#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "admin.h"
#include "err.h"

#define COMPUTER_MAX_SPN 64
#define COMPUTER_MAX_FINDINGS 12
/* Netlogon's default MaximumPasswordAge: members change their password every 30 days */
#define COMPUTER_MAX_PW_AGE_DAYS 30
/* how the "disabled" problem starts (verify --target weighs it as its own finding) */
#define COMPUTER_DISABLED_TEXT "the account is disabled"

struct computer_view {
	char sam[64], dn[512], dnshostname[256], os[128], osver[64];
	int found; /* 1: the object was read; 0: no such account (only sam is set) */
	int64_t uac, kvno, enctypes, pwdlastset, lastlogon;
	int have_uac, have_kvno, have_enctypes, have_pwdlastset, have_lastlogon;
	char created[32], changed[32];
	char *spn[COMPUTER_MAX_SPN];
	size_t n_spn;
	char problems[COMPUTER_MAX_FINDINGS][400];
	size_t n_problems;
	char notes[COMPUTER_MAX_FINDINGS][400];
	size_t n_notes;
};

/*
 * Read the computer account of NAME ("ws1", "WS1$") through s into c and
 * judge it (computer_judge).  0: found; 1: no such account (c->sam set,
 * c->found 0); -1 with e (bad name, LDAP failure).  Free with computer_free().
 */
int computer_read(struct admin_session *s, const char *name, struct computer_view *c, time_t now, struct nlt_err *e);
void computer_free(struct computer_view *c);

/* The findings (problems, notes) of a read object in domain (DNS name), at now.  Pure. */
void computer_judge(struct computer_view *c, const char *domain, time_t now);

/* The object's fields as text lines ("Flags:      ...", "SPNs: ...") and its findings (prefix before each). */
void computer_print_fields(const struct computer_view *c, time_t now);
void computer_print_findings(const struct computer_view *c, const char *indent);

/* Add the object's fields, problems and notes to the JSON object o (show-computer's shape). */
void computer_json_add(struct json_object *o, const struct computer_view *c, time_t now);

#endif
