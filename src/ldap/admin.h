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
struct secret;
int admin_open_keep(struct admin_session *s, struct nlt_ctx *ctx, struct secret *keep, struct nlt_err *e);
void admin_close(struct admin_session *s);
/* The DC of the session as the shared JSON shape {name, address, site}. */
struct json_object *admin_dc_json(const struct admin_session *s);
/* DCs discovery chose first that admin_open() skipped (KDC or LDAP unreachable), with why:
 * a JSON array of {name, address, site, reason}, and one text line each on stdout. */
struct json_object *admin_skipped_json(const struct admin_session *s);
void admin_print_skipped(const struct admin_session *s);

#endif
