/*
 * src/trust/trust_remote.h - the judge of a secure channel seen from outside:
 * NetrLogonControl2Ex TC_QUERY and TC_VERIFY (level 2) asked of a target
 * (a Windows member about its domain, or a DC about a trusted domain) in,
 * findings + one verdict + the exit category out (struct trust_report of
 * src/trust/trust.h, the same verdicts as the local judge).  Pure: no I/O.
 *
 * The rule (shared/REMOTE.md 1): TC_QUERY only reports the status of the
 * channel's last use and stays OK on a broken trust (the trap PowerShell's
 * Test-ComputerSecureChannel falls into), so it can prove a trust broken but
 * never healthy.  HEALTHY needs TC_VERIFY answered with WERR_OK, flag 0x80
 * (VERIFY_STATUS_RETURNED) set, pdc_connection_status 0 (the verification
 * result) and tc_connection_status 0.  A call that could not run, or was
 * refused (5 ACCESS_DENIED: the caller is no administrator there), leaves
 * the verdict INCONCLUSIVE with that failure's exit category, unless the
 * other call already proved the trust broken.
 */
#ifndef NLT_TRUST_REMOTE_H
#define NLT_TRUST_REMOTE_H

#include <stdint.h>

#include "err.h"
#include "trust.h"

/* Win32 codes in NETLOGON_INFO_2 and in the call's own WERROR */
#define W32_ACCESS_DENIED 5u
#define W32_INVALID_PARAMETER 87u
#define W32_NOT_SUPPORTED 50u
#define W32_INVALID_LEVEL 124u
#define W32_NO_LOGON_SERVERS 1311u
#define W32_WRONG_PASSWORD 1323u
#define W32_NO_SUCH_DOMAIN 1355u
#define W32_INVALID_DOMAIN_ROLE 1354u
#define W32_NO_TRUST_LSA_SECRET 1786u
#define W32_NO_TRUST_SAM_ACCOUNT 1787u
#define W32_TRUSTED_DOMAIN_FAILURE 1788u
#define W32_TRUSTED_RELATIONSHIP_FAILURE 1789u
#define W32_TRUST_FAILURE 1790u
#define W32_DOMAIN_TRUST_INCONSISTENT 1810u
#define W32_INVALID_COMPUTERNAME 1210u

/* One NetrLogonControl2Ex call.  0: it was never attempted. */
enum rcall_state {
	RCALL_NOT_RUN = 0,
	RCALL_COULD_NOT_RUN, /* attempted, no answer (transport, fault, malformed reply): .error says why */
	RCALL_ANSWERED,      /* the server answered; .werror is the call's own result */
};

struct trust_remote_call {
	enum rcall_state state;
	char error[512];       /* RCALL_COULD_NOT_RUN: one line naming operation, peer and cause */
	enum nlt_cat err_cat;  /* its category (NLT_OK is taken as a problem, never success) */
	uint32_t werror;       /* the call's WERROR (0 = the info below is the answer) */
	int present;           /* the NETLOGON_INFO_2 pointer was non-NULL */
	uint32_t flags;
	uint32_t pdc_status;   /* pdc_connection_status: the verification result when flags & 0x80 */
	uint32_t tc_status;    /* tc_connection_status: the last secure-channel setup */
	char trusted_dc[320];  /* "\\dc2.other.test" ("" when NULL) */
};

struct trust_remote_evidence {
	char target[256];      /* the host that was asked ("win1.lab.test") */
	char domain[256];      /* the domain whose channel it was asked about */
	int no_netlogon;       /* the target serves no \PIPE\netlogon (a Samba or Linux member) */
	char no_netlogon_why[240];
	char repair_cmd[400];  /* what to run when the trust is broken ("" when none is known yet) */
	struct trust_remote_call query;  /* TC_QUERY, level 2 */
	struct trust_remote_call verify; /* TC_VERIFY, level 2 */
};

/* "ERROR_WRONG_PASSWORD" for 1323, NULL for a code this table does not know */
const char *w32_name(uint32_t code);

/* Judge the evidence into rep (findings, verdict, exit category, summary). */
void trust_remote_judge(const struct trust_remote_evidence *ev, struct trust_report *rep);

#endif
