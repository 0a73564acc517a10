/*
 * proto/initshutdown.h - MS-RSP (Remote Shutdown Protocol) over
 * \PIPE\InitShutdown, interface 894de0c0-0d55-11d3-a322-00c04fa321a1 v1.0:
 * BaseAbortShutdown (opnum 1, MS-RSP 3.2.4.2) and BaseInitiateShutdownEx
 * (opnum 2, MS-RSP 3.2.4.3; Samba librpc/idl/initshutdown.idl InitEx).
 * Pure codecs: what rejoin --reboot sends to a member that needs a reboot
 * after a join.
 */
#ifndef NLT_PROTO_INITSHUTDOWN_H
#define NLT_PROTO_INITSHUTDOWN_H

#include <stddef.h>
#include <stdint.h>

#include "dcerpc.h"
#include "ndr.h"
#include "wire.h"

extern const struct dcerpc_syntax initshutdown_syntax; /* 894de0c0-0d55-11d3-a322-00c04fa321a1 v1.0 */
#define INITSHUTDOWN_OP_INIT 0
#define INITSHUTDOWN_OP_ABORT 1
#define INITSHUTDOWN_OP_INIT_EX 2

/* MS-RSP 3.2.4.1: a message longer than this (UTF-16 units) is refused by Windows (ERROR_INVALID_PARAMETER) */
#define INITSHUTDOWN_MESSAGE_MAX 512u
/* at most ten years (MAX_SHUTDOWN_TIMEOUT, MS-RSP 3.2.4.1) */
#define INITSHUTDOWN_TIMEOUT_MAX 315360000u

/* shutdown reason codes (MS-RSP 2.2.2): major | minor | flags */
#define SHTDN_REASON_FLAG_PLANNED 0x80000000u
#define SHTDN_REASON_MAJOR_OPERATINGSYSTEM 0x00020000u
#define SHTDN_REASON_MINOR_RECONFIG 0x00000004u

/*
 * BaseInitiateShutdownEx request: ServerName NULL (ignored by the server),
 * lpMessage as an RPC_UNICODE_STRING (NULL when message is NULL; Length
 * without the NUL, MaximumLength = Length + 2, as Windows' and Samba's
 * clients send it), dwTimeout, bForceAppsClosed, bRebootAfterShutdown,
 * dwReason.  WIRE_ELIMIT for a message over INITSHUTDOWN_MESSAGE_MAX units
 * or a timeout over INITSHUTDOWN_TIMEOUT_MAX, WIRE_EBAD for invalid UTF-8.
 */
int initshutdown_enc_init_ex(struct wwr *w, const char *message, uint32_t timeout_s, int force_apps, int reboot,
			     uint32_t reason);
/* BaseAbortShutdown request: ServerName NULL. */
int initshutdown_enc_abort(struct wwr *w);

/* Both replies are one WERROR and nothing else (WIRE_ETRAILING after it). */
int initshutdown_dec_rep(const uint8_t *stub, size_t len, uint32_t *werror);
int initshutdown_enc_rep(struct wwr *w, uint32_t werror); /* tests */

#endif
