/*
 * src/net/probe.h - per-DC reachability: TCP connects to every AD service port,
 * UDP CLDAP and UDP Kerberos, and the DC's clock, all concurrently under
 * one deadline.
 */
#ifndef NLT_PROBE_H
#define NLT_PROBE_H

#include <stdint.h>

#include "err.h"
#include "locate.h"

enum svc_id {
	SVC_DNS, SVC_DNS_UDP, SVC_KRB_TCP, SVC_KRB_UDP, SVC_EPM, SVC_LDAP, SVC_CLDAP, SVC_SMB,
	SVC_KPASSWD, SVC_LDAPS, SVC_GC, SVC_GC_SSL, SVC__COUNT
};

enum probe_status {
	PROBE_PENDING = 0, PROBE_OPEN, PROBE_REFUSED, PROBE_FILTERED, PROBE_UNREACH, PROBE_ERROR,
	PROBE_NOT_PROBED,   /* never sent: the deadline had run out before the port window */
	PROBE_INCONCLUSIVE, /* sent, silent, but the deadline cut the wait below PROBE_MIN_SILENCE_MS */
};
/* JSON/text names: "open", "refused", "filtered", "unreachable", "error", "not_probed", "inconclusive" */
const char *probe_status_str(int st);
/* Not a verdict about the port (not probed, or not waited for long enough)? */
int probe_status_unknown(int st);
/*
 * The status of a port that stayed silent: "filtered" only when it was
 * waited for at least PROBE_MIN_SILENCE_MS (one SYN retransmission), else
 * "inconclusive"; "not_probed" when nothing was sent.  Pure, unit-tested.
 */
int probe_silent_status(int sent, uint64_t waited_ms);

struct svc_def {
	const char *key;    /* JSON "service" */
	const char *label;  /* human name */
	uint16_t port;
	int udp;
	const char *impact; /* what breaks when it is unreachable */
};
extern const struct svc_def svc_defs[SVC__COUNT];

struct svc_result {
	int status;          /* enum probe_status */
	uint64_t latency_us;
	int required;        /* an unreachable required service is a problem (exit 1) */
	const char *required_why; /* for a service that is not always required: why it is here (or NULL) */
	uint64_t waited_ms;  /* a silent or unprobed port: how long it was waited for */
	/* engine */
	int fd;
	uint64_t start_us, next_tx_ms;
	int tries;
};

struct dc_probe {
	const struct dc_cand *cand; /* name, address, CLDAP result and flags from discovery */
	int client_resolver;        /* set by the caller: this DC is a nameserver of our resolv.conf */
	int dns_authoritative;      /* its 53/udp answered our SOA query for the domain authoritatively */
	struct svc_result svc[SVC__COUNT];
	int have_clock;
	int64_t skew_ms;            /* DC clock minus ours */
	int64_t dc_time;            /* unix seconds */
	const char *clock_source;   /* "kerberos" or "ldap" */
	char clock_detail[128];
};

#define PROBE_PORT_WINDOW_MS 3000
#define PROBE_MIN_SILENCE_MS 1000 /* a port silent for less than this is "inconclusive", not "filtered" */
#define PROBE_MAX_SKEW_MS (5 * 60 * 1000)

/*
 * ping's discovery deadline, reserving the port window up front: discovery
 * waits for every DC, so a dead one costs its whole share, and must not
 * leave a healthy DC's ports without time.  The probes get a third of the
 * budget, but at least PROBE_MIN_SILENCE_MS + 200 ms (enough to call a
 * silent port filtered) and at most PROBE_PORT_WINDOW_MS; discovery keeps at
 * least half, and never more than PROBE_PORT_WINDOW_MS.  Pure.
 */
uint64_t probe_discovery_deadline(uint64_t now_ms, uint64_t deadline_ms);

/*
 * Probe every DC at once, each port for at most PROBE_PORT_WINDOW_MS and
 * never past deadline_ms; returns 0 (results are in p) or -1 on a local
 * failure.  A port with no time left is PROBE_NOT_PROBED, never "filtered".
 */
int probe_dcs(struct dc_probe *p, size_t n, const char *realm, uint64_t deadline_ms, struct nlt_err *e);
/*
 * Decide which services are required for this DC, from its DS_* flags and
 * its role: DNS (53/tcp and 53/udp) is required on a DC that is one of the
 * client's nameservers (client_resolver) or that answers authoritatively
 * for the domain (dns_authoritative, known after the probe).  Not from
 * DS_DNS_CONTROLLER_FLAG: that flag says the DC's name is a DNS name, not
 * that it serves DNS.
 */
void probe_mark_required(struct dc_probe *p);

#endif
