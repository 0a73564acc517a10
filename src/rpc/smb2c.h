/*
 * src/rpc/smb2c.h - a minimal SMB2/3 client for named pipes on IPC$: TCP 445
 * with direct-TCP framing, NEGOTIATE (2.0.2 .. 3.1.1 with pre-auth
 * integrity), SESSION_SETUP with SPNEGO through MIT GSSAPI (Kerberos from
 * the default credential cache), TREE_CONNECT IPC$, CREATE of a pipe,
 * FSCTL_PIPE_TRANSCEIVE (+ READ for the rest), CLOSE, LOGOFF.
 *
 * Every response of an established session must be signed and is
 * verified, or arrives encrypted (then the AEAD tag authenticates it);
 * encryption is used when the session or the share asks for it (or when
 * the caller forces it).  Guest and anonymous sessions are refused, never
 * fallen back to.  Everything runs under the caller's absolute deadline.
 * Messages come from proto/smb2.c, keys and signatures from
 * proto/smb2_crypto.c.
 */
#ifndef NLT_SMB2_CLIENT_H
#define NLT_SMB2_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "smb2.h"
#include "smb2_crypto.h"
#include "util.h"

#define SMB2C_BUF (256 * 1024)
#define SMB2C_MAX_IO (64 * 1024) /* one READ/IOCTL output: one credit */

#define SMB2C_MAX_PENDING 8 /* requests in flight at once (pipelined, not compounded) */

struct smb2c {
	int fd;
	uint64_t deadline_ms;
	char peer[300];         /* "host (addr)" for error lines */
	char host[256];         /* the server's DNS name: cifs/<host> */
	uint64_t next_mid;
	uint16_t credits;       /* granted and not yet spent */
	/* negotiated */
	uint16_t dialect;
	uint16_t server_security_mode;
	uint32_t server_caps;
	uint16_t cipher;        /* SMB2_CIPHER_NONE when none */
	uint16_t sign_alg;
	uint32_t max_read, max_transact;
	uint8_t server_guid[SMB2_GUID_LEN];
	struct smb2_negotiate_req neg;  /* what we offered (for VALIDATE_NEGOTIATE_INFO) */
	int validated;          /* 3.0/3.0.2: FSCTL_VALIDATE_NEGOTIATE_INFO matched */
	uint8_t preauth[SMB2_PREAUTH_HASH_LEN]; /* connection, then the session's */
	/* session */
	uint64_t session_id;
	uint16_t session_flags;
	int have_keys;
	struct smb2_keys keys;
	int encrypt;            /* encrypt every request from now on */
	int force_encrypt;      /* caller's choice */
	uint32_t max_io;
	uint32_t tree_id;
	uint32_t share_flags;
	int use_ntlm;           /* the session setup's mechanism under SPNEGO: 0 Kerberos, 1 NTLM */
	uint32_t last_status;   /* NTSTATUS of the last failed answer (0: none) */
	uint32_t last_gss_minor;/* GSSAPI minor status of the last GSSAPI failure */
	/* what the last exchange did (for tests and -v) */
	int last_encrypted, last_signed_ok;
	unsigned n_signed_ok, n_decrypted, n_reads;
	/* pipelined requests (smb2c_send_*): their message ids, and answers that came before they were asked for */
	uint64_t pending[SMB2C_MAX_PENDING];
	size_t n_pending;
	struct smb2c_stash {
		uint64_t mid;
		size_t len;
		int encrypted;
		uint8_t *msg;
	} stash[SMB2C_MAX_PENDING];
	size_t n_stash;
	/* an answer failed its check (signature, decryption, framing, ids): nothing more on this
	 * connection is believed; why (the first error's cause), repeated by every later call */
	char broken[200];
	uint8_t *buf;           /* SMB2C_BUF: requests are built and responses read here */
	uint8_t *tmp;           /* SMB2C_BUF + 52: transform / plain copy */
};

/* What a caller may choose; zero means the defaults. */
struct smb2c_opts {
	uint16_t max_dialect;   /* offer no dialect above this (0: up to 3.1.1) */
	int force_encrypt;      /* encrypt after the session setup even if not asked to */
	uint32_t max_io;        /* bytes asked for per IOCTL/READ answer (0: SMB2C_MAX_IO) */
	/* local work done while the NEGOTIATE answer is on its way (e.g. loading a GSSAPI mechanism);
	 * called once, after the NEGOTIATE is sent and before its answer is read; NULL: none */
	void (*while_negotiating)(void *arg);
	void *while_negotiating_arg;
};
/*
 * Connect to addr (port included, normally 445) and NEGOTIATE.  host names
 * the server for Kerberos (cifs/host).  opts may be NULL.
 */
int smb2c_connect(struct smb2c *c, const struct nlt_addr *addr, const char *host, const struct smb2c_opts *opts,
		  uint64_t deadline_ms, struct nlt_err *e);
/*
 * SESSION_SETUP with SPNEGO/Kerberos from the default ccache (KRB5CCNAME).
 * NLT_EAUTH when the server refuses or gives a guest/anonymous session.
 */
int smb2c_session_setup(struct smb2c *c, struct nlt_err *e);
/*
 * The same with a GSSAPI credential (gss_cred_id_t; NULL: the default) that
 * is restricted to one mechanism under SPNEGO: Kerberos, or NTLM (ntlm=1,
 * gss-ntlmssp, a credential from gss_acquire_cred_with_password).
 */
int smb2c_session_setup_cred(struct smb2c *c, void *gss_cred, int ntlm, struct nlt_err *e);
/*
 * TREE_CONNECT \\host\IPC$ and CREATE the pipe (e.g. "srvsvc"), compounded;
 * on 3.0/3.0.2 then FSCTL_VALIDATE_NEGOTIATE_INFO (MS-SMB2 3.2.5.5): the
 * server's signed account of the negotiation must match what we saw, else
 * the NEGOTIATE was tampered with (3.1.1 has the pre-auth hash instead).
 */
int smb2c_open_pipe(struct smb2c *c, const char *pipe, struct smb2_file_id *fid, struct nlt_err *e);
/*
 * Write in[in_len] to the pipe and read its answer (IOCTL transceive, then
 * READ while the server says STATUS_BUFFER_OVERFLOW) into out.  A byte-mode
 * pipe may end a READ with STATUS_SUCCESS before the caller's PDU is
 * complete (Samba does): the RPC layer reads on with smb2c_read() until
 * frag_length bytes have come (PFC_LAST_FRAG ends the call).
 */
int smb2c_transceive(struct smb2c *c, const struct smb2_file_id *fid, const uint8_t *in, size_t in_len,
		     uint8_t *out, size_t cap, size_t *out_len, struct nlt_err *e);
/* One READ from the pipe: whatever the server has, at most cap (and the max_io option) bytes. */
int smb2c_read(struct smb2c *c, const struct smb2_file_id *fid, uint8_t *out, size_t cap, size_t *out_len,
	       struct nlt_err *e);
/*
 * The key the session hands a pipe's RPC application (MS-SMB2 3.3.4.5, what
 * the member's wkssvc decrypts a join password with): Session.ApplicationKey
 * on 3.x (KDF "SMB2APP"/"SmbRpc" on 3.0.x, "SMBAppKey" + pre-auth hash on
 * 3.1.1), the session key on 2.x.  -1 before a session is set up.
 */
int smb2c_app_key(const struct smb2c *c, uint8_t out[16]);
int smb2c_close_file(struct smb2c *c, const struct smb2_file_id *fid, struct nlt_err *e);
/*
 * Pipelining: send a request without waiting (its message id in *mid), and
 * later take its answer, in any order; answers that arrive for another
 * request in flight are checked (signature or decryption) and kept until
 * asked for.  Separate messages, not a compound: Samba lets only the last
 * operation of a compound go asynchronous, and pipe I/O is asynchronous.
 * At most SMB2C_MAX_PENDING in flight; the synchronous calls above must not
 * run while any is.  A CREATE needs the tree of an earlier smb2c_open_pipe().
 * smb2c_recv_transceive reads on (READ) while STATUS_BUFFER_OVERFLOW.
 */
int smb2c_send_create(struct smb2c *c, const char *pipe, uint64_t *mid, struct nlt_err *e);
/* Hold the requests sent until smb2c_flush (TCP_CORK): a batch leaves in as few segments as fit. */
void smb2c_hold(struct smb2c *c);
void smb2c_flush(struct smb2c *c);
int smb2c_recv_create(struct smb2c *c, uint64_t mid, const char *pipe, struct smb2_file_id *fid, struct nlt_err *e);
int smb2c_send_transceive(struct smb2c *c, const struct smb2_file_id *fid, const uint8_t *in, size_t in_len,
			  uint64_t *mid, struct nlt_err *e);
int smb2c_recv_transceive(struct smb2c *c, uint64_t mid, const struct smb2_file_id *fid, uint8_t *out, size_t cap,
			  size_t *out_len, struct nlt_err *e);
/*
 * TREE_CONNECT IPC$ + CREATE pipe compounded, pipelined beside other requests: another tree of the
 * same session (its id in *tree_id; c->tree_id is not changed), e.g. a pipe whose open is slow
 * asked for before the other calls.  Not on 3.0/3.0.2 before the first smb2c_open_pipe (which
 * validates the negotiation).  A request on that pipe needs c->tree_id set to its tree while it is
 * sent and answered.
 */
int smb2c_send_open_pipe(struct smb2c *c, const char *pipe, uint64_t *mid, struct nlt_err *e);
int smb2c_recv_open_pipe(struct smb2c *c, uint64_t mid, const char *pipe, uint32_t *tree_id, uint32_t *share_flags,
			 struct smb2_file_id *fid, struct nlt_err *e);
/*
 * Make tree_id (from smb2c_recv_open_pipe) the session's tree, as smb2c_open_pipe does: encryption
 * switched on when the share asks for it, and on 3.0/3.0.2 FSCTL_VALIDATE_NEGOTIATE_INFO (nothing
 * may be in flight then).
 */
int smb2c_use_tree(struct smb2c *c, uint32_t tree_id, uint32_t share_flags, struct nlt_err *e);
/* LOGOFF (best effort when e is NULL) and close the socket; wipes the keys. */
int smb2c_logoff(struct smb2c *c, struct nlt_err *e);
/* LOGOFF sent, not waited for (the server ends the session's opens and trees with it); socket closed, keys wiped. */
void smb2c_logoff_quick(struct smb2c *c);
void smb2c_free(struct smb2c *c);


/*
 * Files on a disk share (audit reads GPO templates from SYSVOL).  smb2c_tree_connect_disk:
 * TREE_CONNECT \\host\share, which must be a disk share; the share's ENCRYPT_DATA is honoured
 * and 3.0/3.0.2 validate the negotiation, as for IPC$.  The session then works in that tree
 * (one tree at a time: c->tree_id).
 */
#define SMB2C_FILE_MAX (1024 * 1024) /* smb2c_read_file never reads a larger file */
int smb2c_tree_connect_disk(struct smb2c *c, const char *share, struct nlt_err *e);
/*
 * Open path (relative to the tree, '\\' between components) for reading, READ it in chunks of
 * max_io from offset 0 to the size the open reported, CLOSE.  A file larger than cap (at most
 * SMB2C_FILE_MAX) is refused without reading it, and a file that ends before that size (it changed
 * while read) is an error, not a shorter file.  0 with *out_len; 1 when the file or a
 * folder on its path does not exist (e names it, c->last_status is
 * STATUS_OBJECT_NAME_NOT_FOUND / _PATH_NOT_FOUND); -1 with e otherwise.
 */
int smb2c_read_file(struct smb2c *c, const char *path, uint8_t *out, size_t cap, size_t *out_len, struct nlt_err *e);

#endif
