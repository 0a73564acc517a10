/*
 * src/rpc/rpc.h - a DCE/RPC connection-oriented client over TCP (ncacn_ip_tcp),
 * with deadlines, fragmentation and reassembly, faults as readable errors,
 * and the Netlogon secure channel (schannel, auth type 68, level PRIVACY)
 * as its security provider.  The PDUs come from proto/dcerpc.c; sealing
 * from proto/nrpc_crypto.c.
 */
#ifndef NLT_RPC_H
#define NLT_RPC_H

#include <stddef.h>
#include <stdint.h>

#include "dcerpc.h"
#include "smb2c.h"
#include "err.h"
#include "util.h"

#define RPC_MAX_STUB (256 * 1024)

/*
 * A security provider: what rpc_call needs to protect requests and check
 * responses.  schannel is the one we have; a GSSAPI (Kerberos/NTLM over
 * SPNEGO) provider for SMB-less remote calls fills the same slots.
 */
struct rpc_sec {
	uint8_t auth_type, auth_level;
	uint32_t auth_context_id;
	size_t sig_len;                      /* bytes of the auth value in requests */
	/* sign/seal data[0..len) in place, write the signature to sig (sig_len bytes) */
	int (*wrap)(void *ctx, uint8_t *data, size_t len, uint8_t *sig);
	/* check and unseal a response; 0 or -1 */
	int (*unwrap)(void *ctx, uint8_t *data, size_t len, const uint8_t *sig, size_t sig_len);
	void *ctx;
};

/* schannel's provider state (MS-NRPC 3.3.4.2): the session key and the shared sequence counter */
struct rpc_schannel {
	uint8_t session_key[16];
	uint64_t seq;
};

/*
 * How PDUs travel.  NULL in struct rpc_conn means TCP (fd, xport.c).  send
 * hands over bytes (a transport may hold them until the next recv_some, so
 * that a bind and the first call leave in one write); recv_some returns at
 * least one byte, at most cap.  Both return 0, or -1 with e set (one line
 * naming the operation and peer).
 */
struct rpc_xport {
	int (*send)(void *ctx, const uint8_t *buf, size_t len, uint64_t deadline_ms, struct nlt_err *e);
	int (*recv_some)(void *ctx, uint8_t *buf, size_t cap, size_t *n, uint64_t deadline_ms, struct nlt_err *e);
	void (*close)(void *ctx);  /* may be NULL */
	void *ctx;
};

/*
 * The SMB named-pipe transport's view of the pipe: one write-and-read
 * (FSCTL_PIPE_TRANSCEIVE) and one read.  Normally smb2c's; a test scripts
 * them.  Each returns 0 or -1 with e set.
 */
struct rpc_pipe_ops {
	int (*transceive)(void *ctx, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap, size_t *out_len,
			  struct nlt_err *e);
	int (*read)(void *ctx, uint8_t *out, size_t cap, size_t *out_len, struct nlt_err *e);
	void (*close)(void *ctx); /* may be NULL */
	void *ctx;
};

#define RPC_PIPE_OUT 16384 /* a bind and the first call's fragments, held until the reply is read */
#define RPC_PIPE_IN (64 * 1024)
struct rpc_pipe {
	struct rpc_pipe_ops ops;
	uint8_t out[RPC_PIPE_OUT];
	size_t out_len;
	uint8_t in[RPC_PIPE_IN];
	size_t in_off, in_len;
	unsigned n_transceive, n_read; /* for tests and -v */
	/* smb2c-backed pipes */
	struct smb2c *smb;
	struct smb2_file_id fid;
	int fid_open;
};

struct rpc_conn {
	int fd;
	/* NULL: TCP on fd; else e.g. the SMB pipe (xport_store, pipe) */
	const struct rpc_xport *xp;
	struct rpc_xport xp_store;
	struct rpc_pipe *pipe;   /* malloc'ed, freed by rpc_close */
	char peer[80];        /* "dc1.lab.test (198.18.0.10:49152)" for messages */
	uint64_t deadline_ms;
	uint32_t call_id;
	uint16_t max_xmit, max_recv;
	uint16_t ctx_id;
	/* the security provider protecting calls (NULL: none) */
	const struct rpc_sec *sec;
	struct rpc_sec sec_store;
	struct rpc_schannel schannel;
	unsigned n_calls, n_connects;
	/* a bind (or schannel alter_context) sent together with the next call */
	uint8_t pending_bind[256];
	size_t pending_len;
	uint32_t pending_call_id;
	uint8_t pending_ptype;
	int pending_failed; /* the DC refused that bind/alter_context (rpc_call failed because of it) */
	/* pipelining: while corked, what is sent is held here and leaves in one write (rpc_flush) */
	int corked;
	uint8_t cork[2048];
	size_t cork_len;
	/* how the last receive failed (enum rpc_fail): lets a caller tell a refusal from garbage */
	int last_fail;
};

/* How a receive failed: the caller of a pipelined batch retries one at a time only after a refusal
 * or a connection closed between PDUs, never after garbage, a cut PDU or a deadline. */
enum rpc_fail {
	RPC_FAIL_NONE = 0,
	RPC_FAIL_REFUSED, /* a bind_nak, a rejected context, an alter_context without the schannel token, a fault */
	RPC_FAIL_CLOSED,  /* the peer closed the connection at a PDU boundary */
	RPC_FAIL_OTHER,   /* a deadline, a cut or malformed PDU, an answer for another call, a bad seal */
};

/* A request (or alter_context) sent and not yet answered. */
struct rpc_inflight {
	uint32_t call_id;
	uint8_t ptype;                /* DCERPC_PT_REQUEST or DCERPC_PT_ALTER */
	const struct rpc_sec *sec;    /* the provider its answer is checked with (NULL: none) */
	char what[48];
};

int rpc_connect(struct rpc_conn *c, const char *name, const struct nlt_addr *addr, uint16_t port, uint64_t deadline_ms,
		struct nlt_err *e);
void rpc_close(struct rpc_conn *c);

/*
 * ncacn_np: an RPC connection over an open pipe described by ops (taken
 * over: rpc_close calls ops->close).  No RPC authentication: the SMB
 * session authenticates, signs or seals.  peer names the pipe in messages.
 */
int rpc_open_pipe_ops(struct rpc_conn *c, const struct rpc_pipe_ops *ops, const char *peer, uint64_t deadline_ms,
		      struct nlt_err *e);
/*
 * CREATE pipe ("lsarpc", "srvsvc", "netlogon", ...) on the session's IPC$
 * and set c up over it, then bind iface without RPC auth, deferred: the
 * bind leaves with the first rpc_call in one FSCTL_PIPE_TRANSCEIVE.
 */
int rpc_bind_ncacn_np(struct rpc_conn *c, struct smb2c *s, const char *pipe, const struct dcerpc_syntax *iface,
		      struct nlt_err *e);

/*
 * Bind to iface without authentication, sent together with the first
 * rpc_call (bind and request in one write; the bind_ack is read before the
 * response): one round trip less than bind, then call.
 */
int rpc_bind_deferred(struct rpc_conn *c, const struct dcerpc_syntax *iface, struct nlt_err *e);
/*
 * Bind to iface with schannel (MS-NRPC 3.3.1): NL_AUTH_MESSAGE negotiate
 * naming the NetBIOS domain and computer; every later call is signed and
 * sealed with session_key.
 */
int rpc_bind_schannel(struct rpc_conn *c, const struct dcerpc_syntax *iface, const uint8_t session_key[16],
		      const char *netbios_domain, const char *computer, struct nlt_err *e);

/*
 * Add schannel to an association already bound without authentication
 * (alter_context), sent together with the next rpc_call (alter_context and
 * the sealed request in one write).  When the DC
 * refuses the alter_context, that rpc_call fails with pending_failed set.
 */
int rpc_alter_schannel_deferred(struct rpc_conn *c, const struct dcerpc_syntax *iface, const uint8_t session_key[16],
				const char *netbios_domain, const char *computer, struct nlt_err *e);

/* One call; *out (malloc'ed, caller frees) holds the reassembled (unsealed) response stub. */
int rpc_call(struct rpc_conn *c, uint16_t opnum, const uint8_t *stub, size_t stub_len, uint8_t **out, size_t *out_len,
	     const char *what, struct nlt_err *e);

/*
 * Pipelining (several requests in one write, their answers read in order).  rpc_cork: hold what is
 * sent; rpc_flush: send it in one write.  rpc_send_request encodes (and, with a provider, seals)
 * one call and records it in *f; rpc_send_alter_schannel sends an alter_context adding schannel
 * and installs the provider for the requests after it (not for answers to calls already sent:
 * each *f keeps its own).  rpc_recv_response / rpc_recv_alter read the next PDU, which must be
 * the answer to f (call_id checked): 0, or -1 with e and c->last_fail.  rpc_drain reads and drops
 * the answers to f[0..n) for at most ms, stopping at the first failure; it returns how many came.
 * No deferred bind may be pending (EINTERNAL).
 */
void rpc_cork(struct rpc_conn *c);
int rpc_flush(struct rpc_conn *c, struct nlt_err *e);
int rpc_send_request(struct rpc_conn *c, uint16_t opnum, const uint8_t *stub, size_t stub_len, const char *what,
		     struct rpc_inflight *f, struct nlt_err *e);
int rpc_send_alter_schannel(struct rpc_conn *c, const struct dcerpc_syntax *iface, const uint8_t session_key[16],
			    const char *netbios_domain, const char *computer, struct rpc_inflight *f, struct nlt_err *e);
int rpc_recv_response(struct rpc_conn *c, const struct rpc_inflight *f, uint8_t **out, size_t *out_len,
		      struct nlt_err *e);
int rpc_recv_alter(struct rpc_conn *c, const struct rpc_inflight *f, struct nlt_err *e);
unsigned rpc_drain(struct rpc_conn *c, const struct rpc_inflight *f, unsigned n, unsigned ms);
/* alter_context adding schannel, sent alone and its answer read (one round trip). */
int rpc_alter_schannel(struct rpc_conn *c, const struct dcerpc_syntax *iface, const uint8_t session_key[16],
		       const char *netbios_domain, const char *computer, struct nlt_err *e);

/* Readable name for a DCE/RPC fault or NTSTATUS-ish code. */
const char *rpc_status_str(uint32_t status);

#endif
