/*
 * src/krb/kpasswd.h - kpasswd (RFC 3244) over our own TCP connection, under the
 * command's deadline.  MIT builds and checks the Kerberos parts (AP-REQ with
 * a subkey, KRB-PRIV, AP-REP); proto/kpasswd.c frames them; this file owns
 * the socket.  MIT's krb5_change_password / krb5_set_password_using_ccache
 * have no transport hook: a port that died after our reachability check was
 * bounded only by MIT's own timeouts (~30 s), not by --timeout.
 */
#ifndef NLT_KPASSWD_H
#define NLT_KPASSWD_H

#include <krb5.h>
#include <stdint.h>

#include "err.h"
#include "krb.h"

#define KPASSWD_PORT 464

/* What the DC said.  0 is "nothing ran": a zeroed outcome never reads as an acknowledgement. */
enum kpw_answer {
	KPW_ANS_NONE = 0,
	KPW_ANS_ACKED,   /* a KRB-PRIV that verified (AP-REP + rd_priv) with result 0 */
	KPW_ANS_REFUSED, /* a KRB-PRIV that verified, result != 0: a clear refusal */
	KPW_ANS_UNKNOWN, /* sent, then: timeout, drop, KRB-ERROR (unauthenticated), a reply that did not verify */
};

struct kpw_outcome {
	enum kpw_answer answer;
	uint16_t result;     /* when ACKED/REFUSED */
	char note[400];      /* one line for UNKNOWN/REFUSED: what happened, naming the peer */
	uint64_t elapsed_us;
};

/* Connect to dc:464 under the deadline (the check before anything is journalled).  fd or -1 with e. */
int kpw_connect(struct nlt_krb *k, const struct nlt_addr *dc, int *xp_status, struct nlt_err *e);
/*
 * The same in two halves, so that the handshake overlaps other work: start (0 with *fd, the
 * connect in progress, or -1 with e), then finish (waits under the deadline; 0, or -1 with e and
 * *fd closed).
 */
int kpw_connect_start(struct nlt_krb *k, const struct nlt_addr *dc, int *fd, struct nlt_err *e);
int kpw_connect_finish(struct nlt_krb *k, const struct nlt_addr *dc, int *fd, struct nlt_err *e);

/*
 * Change (target NULL: the ticket's own principal, version 1 message) or
 * set (target "WS1$@REALM", RFC 3244 set-password) the password with the
 * kadmin/changepw ticket creds over the connection *fd (connected by
 * kpw_connect(); closed and set to -1 here).  Returns -1 with e only when
 * nothing was sent (nothing can have reached the DC); otherwise 0 and
 * *out says what the DC answered.
 */
int kpw_change(struct nlt_krb *k, int *fd, const krb5_creds *creds, const char *pw, const char *target,
	       struct kpw_outcome *out, struct nlt_err *e);

/* A kadmin/changepw ticket from the command's ccache (a TGS exchange; --admin set-password). */
int kpw_changepw_ticket(struct nlt_krb *k, krb5_creds **out, struct nlt_err *e);

#endif
