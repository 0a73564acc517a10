/*
 * src/ldap/admin.h - the administrator's credentials and a directory session on
 * the chosen DC, shared by the commands that read or change computer
 * objects.
 *
 * Discovery (or -S) picks a writable DC; Kerberos is pinned to it
 * (krb.h); the admin's TGT comes from -C (an existing ccache) or from a
 * password read from --stdin-password, --password-file or the terminal,
 * turned into a MEMORY ccache; LDAP binds to the same DC with GSSAPI.
 */
#ifndef NLT_ADMIN_H
#define NLT_ADMIN_H

#include "cmds.h"
#include "krb.h"
#include "ldapconn.h"
#include "locate.h"
#include "output.h"

struct secret;

struct admin_session {
	struct locate_result res;
	const struct dc_cand *dc;
	struct nlt_krb k;
	int have_krb;
	struct nlt_ldap ld;
	int have_ld;
	char realm[256];
	char principal[300]; /* who we act as */
};

/* Locate a writable DC, get the admin's credentials, bind LDAP.  -1 with e. */
int admin_open(struct admin_session *s, struct nlt_ctx *ctx, struct nlt_err *e);
/*
 * The same, and the admin's password (when one was read: not with -C) copied to keep for a
 * second use (the remote join hands it to the member); the caller wipes it with secret_free().
 */
int admin_open_keep(struct admin_session *s, struct nlt_ctx *ctx, struct secret *keep, struct nlt_err *e);
void admin_close(struct admin_session *s);

/*
 * The pieces admin_open() is made of, for a caller that runs them itself (rejoin --target runs the
 * directory half in a thread of its own).  admin_name_dc: s->dc, the realm and the principal from
 * the chosen candidate of s->res and -U.  admin_login: the admin's TGT from the password into
 * s->k's ccache, each refusal named (exit 5; an unreachable KDC 4).  admin_failover: after the
 * error why on s->dc, mark it unreachable and move s to the next suitable DC (closing what was
 * open): 0 moved, -1 when why is not a reachability error, -S pinned the DC, or none is left.
 */
/* The admin's password (-U needed): standard input, --password-file or the terminal, asked as principal. */
int admin_read_password(const struct nlt_req *req, const char *principal, struct secret *pw, struct nlt_err *e);
void admin_name_dc(struct admin_session *s, const struct nlt_req *req, const char *domain);
int admin_login(struct admin_session *s, const struct secret *pw, struct nlt_err *e);
int admin_failover(struct admin_session *s, const struct nlt_req *req, const struct nlt_err *why);
/* The DC of the session as the shared JSON shape {name, address, site}. */
struct json_object *admin_dc_json(const struct admin_session *s);
/* DCs discovery chose first that admin_open() skipped (KDC or LDAP unreachable), with why:
 * a JSON array of {name, address, site, reason}, and one text line each on stdout. */
struct json_object *admin_skipped_json(const struct admin_session *s);
void admin_print_skipped(const struct admin_session *s);

#endif
