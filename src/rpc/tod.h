/*
 * src/rpc/tod.h - a remote member's clock: srvsvc NetrRemoteTOD (MS-SRVS 3.1.4.21) over the SMB
 * session a target already has (src/rpc/target.h), measured against this host's wall clock.
 */
#ifndef NLT_TOD_H
#define NLT_TOD_H

#include <stdint.h>

#include "err.h"
#include "srvsvc.h"
#include "target.h"

struct target_tod {
	struct srvsvc_tod tod;  /* the answer as decoded */
	int64_t offset_ms;      /* the member's clock minus this host's, at the midpoint of the exchange */
	int64_t uncertainty_ms; /* half the exchange, plus the answer's resolution (1 s without hundredths) */
	uint64_t elapsed_us;    /* the whole call: CREATE \PIPE\srvsvc, bind + NetrRemoteTOD */
};

/*
 * Ask t's srvsvc for its time of day (a pipe of its own: CREATE, then the bind and the request
 * pipelined).  -1 with e (one line naming the call, the host and the cause) when there is no
 * answer, when it does not decode (NLT_EPROTO), or when the server refused (NET_API_STATUS).
 */
int target_remote_tod(struct target *t, struct target_tod *out, struct nlt_err *e);

/*
 * A server's clock without a session: the SystemTime of its SMB2 NEGOTIATE answer (MS-SMB2 2.2.4),
 * on a connection of its own to addr (port 445), offered 2.0.2/2.1/3.0 (no 3.1.1 contexts needed),
 * closed without a session.  For a logon that failed: was the member's clock why?  offset_ms and
 * uncertainty_ms as in struct target_tod.  -1 with e when there is no usable answer.
 */
int tod_negotiate_clock(const struct nlt_addr *addr, const char *host, uint64_t deadline_ms, int64_t *offset_ms,
			int64_t *uncertainty_ms, struct nlt_err *e);

/* Kerberos' default clock skew (krb5.conf clockskew; Windows' "Maximum tolerance ... clock synchronization") */
#define TOD_KERBEROS_SKEW_S 300

/*
 * After t's Kerberos logon was refused (NLT_EAUTH): ask its clock with tod_negotiate_clock and, when
 * it is more than TOD_KERBEROS_SKEW_S off this host's, append to e->msg that the clock, not the
 * trust, may be why.  Nothing is appended when its clock is fine or cannot be read (-v says which).
 */
void tod_logon_clock_hint(const struct target *t, uint64_t deadline_ms, struct nlt_err *e);

#endif
