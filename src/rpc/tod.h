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

#endif
