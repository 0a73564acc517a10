/*
 * src/rpc/shutdown.h - ask a target to reboot (or not to) over its
 * \PIPE\InitShutdown (MS-RSP BaseInitiateShutdownEx / BaseAbortShutdown,
 * proto/initshutdown.c), on the SMB session of src/rpc/target.c.  A Windows
 * member needs a reboot after a join (rejoin --reboot); a Samba member runs
 * its smb.conf "shutdown script" instead (the lab writes a marker file).
 */
#ifndef NLT_SHUTDOWN_H
#define NLT_SHUTDOWN_H

#include <stdint.h>

#include "err.h"

struct target;

/* What became of the request.  0 is never "accepted". */
enum reboot_outcome {
	REBOOT_NOT_SENT = 0, /* nothing reached the target (pipe or bind failed, bad arguments): no reboot */
	REBOOT_ACCEPTED,     /* the target answered WERR_OK: a reboot is scheduled in delay_s seconds */
	REBOOT_REFUSED,      /* the target answered an error (named in e): no reboot */
	REBOOT_UNKNOWN,      /* the request was sent and no answer came: a reboot may be scheduled */
};

/*
 * Ask t to reboot in delay_s seconds (0..INITSHUTDOWN_TIMEOUT_MAX) showing
 * message (NULL: none; at most 512 characters) to its users, applications
 * closed without saving (Windows forces that anyway when delay_s > 0),
 * reason "Operating System: Reconfiguration (Planned)".  0 when the target
 * accepted; -1 with e otherwise (5 ERROR_ACCESS_DENIED: the account lacks
 * SeRemoteShutdownPrivilege, exit 5; 1115/1190 a shutdown is already
 * under way or scheduled).  *outcome (may be NULL) says what became of it.
 */
int target_reboot(struct target *t, const char *message, uint32_t delay_s, enum reboot_outcome *outcome,
		  struct nlt_err *e);
/* Cancel a scheduled shutdown (BaseAbortShutdown).  0 when the target accepted. */
int target_abort_reboot(struct target *t, struct nlt_err *e);

#endif
