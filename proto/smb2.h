/*
 * proto/smb2.h - SMB2/3 messages (MS-SMB2 2.2), the subset an IPC$ client
 * needs: the 64-byte header (sync and async), NEGOTIATE with the 3.1.1
 * negotiate contexts, SESSION_SETUP, LOGOFF, TREE_CONNECT/DISCONNECT,
 * CREATE (named pipes), CLOSE, READ, WRITE, IOCTL (FSCTL_PIPE_TRANSCEIVE),
 * the ERROR response, STATUS_PENDING interim responses, compound chains
 * and the TRANSFORM header of encrypted messages.
 *
 * Pure codec: no I/O, clock, RNG or heap.  Message ids, GUIDs, salts and
 * nonces are parameters.  Requests are written through a struct wwr; every
 * request encoder writes one whole message (header + body) and counts its
 * offsets from the header it writes, so several may follow each other in
 * one buffer to form a compound chain (smb2_chain_link()).  Responses are
 * decoded from one message (one element of a chain, smb2_chain_next());
 * decoded buffers (security blobs, data) point into the input.
 *
 * Return values are WIRE_OK (0) or an enum wire_err code (wire.h).
 */
#ifndef NLT_PROTO_SMB2_H
#define NLT_PROTO_SMB2_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define SMB2_HDR_LEN 64
#define SMB2_SIG_OFF 48          /* Signature field in the header */
#define SMB2_SIG_LEN 16
#define SMB2_TRANSFORM_LEN 52    /* TRANSFORM_HEADER (2.2.41) */
#define SMB2_TRANSFORM_AAD_OFF 20 /* the authenticated part: Nonce .. SessionId */
#define SMB2_TRANSFORM_AAD_LEN 32
#define SMB2_GUID_LEN 16
#define SMB2_PREAUTH_SALT_LEN 32  /* what Windows and we send */
#define SMB2_MAX_DIALECTS 8
#define SMB2_MAX_CIPHERS 4
#define SMB2_MAX_SIGN_ALGS 4
#define SMB2_MAX_CONTEXTS 16      /* negotiate contexts we accept in a response */
#define SMB2_MAX_SALT 64          /* a longer preauth salt in a response is refused */
#define SMB2_DIRECT_TCP_MAX 0xffffff /* 24-bit length of the direct-TCP framing */

/* ---- constants (MS-SMB2 2.2.1 - 2.2.41) ---------------------------- */

enum smb2_cmd {
	SMB2_NEGOTIATE = 0x0000,
	SMB2_SESSION_SETUP = 0x0001,
	SMB2_LOGOFF = 0x0002,
	SMB2_TREE_CONNECT = 0x0003,
	SMB2_TREE_DISCONNECT = 0x0004,
	SMB2_CREATE = 0x0005,
	SMB2_CLOSE = 0x0006,
	SMB2_READ = 0x0008,
	SMB2_WRITE = 0x0009,
	SMB2_IOCTL = 0x000b,
	SMB2_CANCEL = 0x000c,
	SMB2_ECHO = 0x000d,
};

/* header Flags */
#define SMB2_FLAGS_SERVER_TO_REDIR 0x00000001u
#define SMB2_FLAGS_ASYNC_COMMAND 0x00000002u
#define SMB2_FLAGS_RELATED_OPERATIONS 0x00000004u
#define SMB2_FLAGS_SIGNED 0x00000008u

/* dialects */
#define SMB2_DIALECT_202 0x0202
#define SMB2_DIALECT_210 0x0210
#define SMB2_DIALECT_300 0x0300
#define SMB2_DIALECT_302 0x0302
#define SMB2_DIALECT_311 0x0311
#define SMB2_DIALECT_WILDCARD 0x02ff /* an SMB1 multi-protocol answer; never to an SMB2 NEGOTIATE */

/* SecurityMode */
#define SMB2_NEGOTIATE_SIGNING_ENABLED 0x0001
#define SMB2_NEGOTIATE_SIGNING_REQUIRED 0x0002

/* global capabilities */
#define SMB2_GLOBAL_CAP_DFS 0x00000001u
#define SMB2_GLOBAL_CAP_LEASING 0x00000002u
#define SMB2_GLOBAL_CAP_LARGE_MTU 0x00000004u
#define SMB2_GLOBAL_CAP_MULTI_CHANNEL 0x00000008u
#define SMB2_GLOBAL_CAP_PERSISTENT_HANDLES 0x00000010u
#define SMB2_GLOBAL_CAP_DIRECTORY_LEASING 0x00000020u
#define SMB2_GLOBAL_CAP_ENCRYPTION 0x00000040u

/* negotiate context types and ids (2.2.3.1) */
#define SMB2_PREAUTH_INTEGRITY_CAPABILITIES 0x0001
#define SMB2_ENCRYPTION_CAPABILITIES 0x0002
#define SMB2_SIGNING_CAPABILITIES 0x0008
#define SMB2_PREAUTH_SHA512 0x0001
#define SMB2_CIPHER_NONE 0x0000 /* in a response: no common cipher */
#define SMB2_CIPHER_AES128_CCM 0x0001
#define SMB2_CIPHER_AES128_GCM 0x0002
#define SMB2_CIPHER_AES256_CCM 0x0003
#define SMB2_CIPHER_AES256_GCM 0x0004
#define SMB2_SIGN_HMAC_SHA256 0x0000
#define SMB2_SIGN_AES_CMAC 0x0001
#define SMB2_SIGN_AES_GMAC 0x0002

/* SESSION_SETUP */
#define SMB2_SESSION_FLAG_BINDING 0x01 /* request Flags */
#define SMB2_SESSION_FLAG_IS_GUEST 0x0001
#define SMB2_SESSION_FLAG_IS_NULL 0x0002
#define SMB2_SESSION_FLAG_ENCRYPT_DATA 0x0004

/* TREE_CONNECT response */
#define SMB2_SHARE_TYPE_DISK 0x01
#define SMB2_SHARE_TYPE_PIPE 0x02
#define SMB2_SHARE_TYPE_PRINT 0x03
#define SMB2_SHAREFLAG_ENCRYPT_DATA 0x00008000u
#define SMB2_SHARE_CAP_DFS 0x00000008u

/* CREATE */
#define SMB2_IMPERSONATION_IMPERSONATION 0x00000002u
#define SMB2_FILE_OPEN 0x00000001u
#define SMB2_FILE_SHARE_READ 0x00000001u
#define SMB2_FILE_SHARE_WRITE 0x00000002u
#define SMB2_FILE_NON_DIRECTORY_FILE 0x00000040u
#define SMB2_PIPE_ACCESS 0x0012019fu /* read/write data, EAs, attributes, READ_CONTROL, SYNCHRONIZE */

/* IOCTL */
#define SMB2_FSCTL_PIPE_TRANSCEIVE 0x0011c017u
#define SMB2_0_IOCTL_IS_FSCTL 0x00000001u

/* NTSTATUS values the client must tell apart */
#define SMB2_STATUS_SUCCESS 0x00000000u
#define SMB2_STATUS_PENDING 0x00000103u
#define SMB2_STATUS_BUFFER_OVERFLOW 0x80000005u
#define SMB2_STATUS_MORE_PROCESSING_REQUIRED 0xc0000016u

/* ---- header (2.2.1.1 sync, 2.2.1.2 async) -------------------------- */

struct smb2_hdr {
	uint16_t credit_charge;
	uint32_t status;       /* ChannelSequence/Reserved in a request: written as given */
	uint16_t command;
	uint16_t credits;      /* CreditRequest / CreditResponse */
	uint32_t flags;
	uint32_t next_command; /* offset of the next message of a chain, 0 for the last */
	uint64_t message_id;
	uint64_t async_id;     /* with SMB2_FLAGS_ASYNC_COMMAND */
	uint32_t process_id;   /* sync Reserved (Windows sends 0xfeff) */
	uint32_t tree_id;      /* sync only */
	uint64_t session_id;
	uint8_t signature[SMB2_SIG_LEN];
};

/* Write the 64-byte header (the async form when flags has ASYNC_COMMAND). */
void smb2_put_hdr(struct wwr *w, const struct smb2_hdr *h);
/*
 * Decode the header at the start of msg: ProtocolId 0xFE 'S' 'M' 'B' and
 * StructureSize 64, else WIRE_EBAD.  Does not check NextCommand against
 * len (smb2_chain_next() does).
 */
int smb2_dec_hdr(const uint8_t *msg, size_t len, struct smb2_hdr *h);
/* An interim response: ASYNC_COMMAND set and status STATUS_PENDING (3.2.5.1.5). */
int smb2_is_interim(const struct smb2_hdr *h);

/*
 * Compound chains (3.2.4.1.4, 3.3.4.1.3).  smb2_chain_link(): call after
 * writing one message of a chain and before writing the next: pads with
 * zeros to 8 bytes and sets the finished message's NextCommand.  msg_start
 * is where that message's header begins in w.
 */
void smb2_chain_link(struct wwr *w, size_t msg_start);
/*
 * Split the first message off buf[len]: *msg_len is its length (NextCommand,
 * or len for the last), *more is nonzero when another message follows at
 * buf + *msg_len.  NextCommand must be 8-aligned, at least 64 + the body's
 * 2 bytes and within len; every message starts with a header.
 */
int smb2_chain_next(const uint8_t *buf, size_t len, size_t *msg_len, int *more);

/* ---- NEGOTIATE (2.2.3, 2.2.4) -------------------------------------- */

struct smb2_negotiate_req {
	uint16_t security_mode;
	uint32_t capabilities;
	uint8_t client_guid[SMB2_GUID_LEN];
	size_t n_dialects;
	uint16_t dialects[SMB2_MAX_DIALECTS];
	/* 3.1.1 contexts, sent when 0x0311 is among the dialects */
	uint8_t salt[SMB2_PREAUTH_SALT_LEN];
	size_t n_ciphers;  /* 0: no ENCRYPTION_CAPABILITIES context */
	uint16_t ciphers[SMB2_MAX_CIPHERS];
	size_t n_sign_algs; /* 0: no SIGNING_CAPABILITIES context */
	uint16_t sign_algs[SMB2_MAX_SIGN_ALGS];
};
int smb2_enc_negotiate_req(struct wwr *w, const struct smb2_hdr *h, const struct smb2_negotiate_req *req);

struct smb2_negotiate_rep {
	uint16_t security_mode;
	uint16_t dialect;
	uint8_t server_guid[SMB2_GUID_LEN];
	uint32_t capabilities;
	uint32_t max_transact, max_read, max_write;
	uint64_t system_time, server_start_time;
	const uint8_t *sec_buf; /* SPNEGO hint (NegTokenInit2); NULL when empty */
	size_t sec_len;
	/* 3.1.1 contexts (zero when absent) */
	size_t n_contexts;
	int has_preauth;
	uint16_t preauth_alg;
	const uint8_t *salt;
	size_t salt_len;
	int has_cipher;
	uint16_t cipher;   /* SMB2_CIPHER_NONE: no common cipher */
	int has_sign_alg;
	uint16_t sign_alg;
};
/*
 * Decode a NEGOTIATE response.  A 3.1.1 response must carry exactly one
 * PREAUTH_INTEGRITY context with one algorithm; each known context at most
 * once with exactly one id; unknown context types are skipped; contexts
 * are 8-aligned and bounded by the message.
 */
int smb2_dec_negotiate_rep(const uint8_t *msg, size_t len, struct smb2_negotiate_rep *rep);

/* ---- SESSION_SETUP (2.2.5, 2.2.6), LOGOFF (2.2.7, 2.2.8) ------------ */

struct smb2_session_setup_req {
	uint8_t flags;
	uint8_t security_mode;
	uint32_t capabilities;
	uint64_t previous_session_id;
	const uint8_t *sec_buf;
	size_t sec_len;
};
int smb2_enc_session_setup_req(struct wwr *w, const struct smb2_hdr *h, const struct smb2_session_setup_req *req);

struct smb2_session_setup_rep {
	uint16_t session_flags;
	const uint8_t *sec_buf; /* NULL when empty */
	size_t sec_len;
};
int smb2_dec_session_setup_rep(const uint8_t *msg, size_t len, struct smb2_session_setup_rep *rep);

/*
 * The 4-byte bodies: LOGOFF, TREE_DISCONNECT and ECHO requests carry only
 * StructureSize 4 and Reserved; h->command says which.
 */
int smb2_enc_simple_req(struct wwr *w, const struct smb2_hdr *h);
/* The matching responses: StructureSize 4. */
int smb2_dec_simple_rep(const uint8_t *msg, size_t len);

/* ---- TREE_CONNECT (2.2.9, 2.2.10) ---------------------------------- */

/* path is UTF-8 (\\server\IPC$), sent as UTF-16LE. */
int smb2_enc_tree_connect_req(struct wwr *w, const struct smb2_hdr *h, const char *path);

struct smb2_tree_connect_rep {
	uint8_t share_type;
	uint32_t share_flags;
	uint32_t capabilities;
	uint32_t maximal_access;
};
int smb2_dec_tree_connect_rep(const uint8_t *msg, size_t len, struct smb2_tree_connect_rep *rep);

/* ---- CREATE (2.2.13, 2.2.14), CLOSE (2.2.15, 2.2.16) ---------------- */

struct smb2_file_id {
	uint64_t persistent;
	uint64_t volatile_;
};
/* FileId of the previous request in a related chain (3.2.4.1.4) */
extern const struct smb2_file_id smb2_file_id_related;

struct smb2_create_req {
	uint8_t oplock_level;
	uint32_t impersonation_level;
	uint32_t desired_access;
	uint32_t file_attributes;
	uint32_t share_access;
	uint32_t create_disposition;
	uint32_t create_options;
	const char *name; /* UTF-8, relative to the share: "srvsvc" for \PIPE\srvsvc */
};
int smb2_enc_create_req(struct wwr *w, const struct smb2_hdr *h, const struct smb2_create_req *req);
/* The usual open of a named pipe on IPC$ (read/write, FILE_OPEN, impersonation). */
void smb2_create_req_pipe(struct smb2_create_req *req, const char *pipe);

struct smb2_create_rep {
	uint8_t oplock_level;
	uint8_t flags;
	uint32_t create_action;
	uint64_t end_of_file;
	uint32_t file_attributes;
	struct smb2_file_id file_id;
};
int smb2_dec_create_rep(const uint8_t *msg, size_t len, struct smb2_create_rep *rep);

int smb2_enc_close_req(struct wwr *w, const struct smb2_hdr *h, const struct smb2_file_id *fid);
int smb2_dec_close_rep(const uint8_t *msg, size_t len);

/* ---- READ (2.2.19, 2.2.20), WRITE (2.2.21, 2.2.22) ------------------ */

struct smb2_read_req {
	uint32_t length;
	uint64_t offset;
	struct smb2_file_id file_id;
	uint32_t minimum_count;
};
int smb2_enc_read_req(struct wwr *w, const struct smb2_hdr *h, const struct smb2_read_req *req);

struct smb2_read_rep {
	const uint8_t *data; /* NULL when empty */
	size_t len;
	uint32_t remaining;
};
int smb2_dec_read_rep(const uint8_t *msg, size_t len, struct smb2_read_rep *rep);

struct smb2_write_req {
	uint64_t offset;
	struct smb2_file_id file_id;
	uint32_t flags;
	uint16_t channel_info_offset; /* 0 normally; Windows writes 0x70 with no channel info */
	const uint8_t *data;
	size_t len;
};
int smb2_enc_write_req(struct wwr *w, const struct smb2_hdr *h, const struct smb2_write_req *req);

struct smb2_write_rep {
	uint32_t count;
	uint32_t remaining;
};
int smb2_dec_write_rep(const uint8_t *msg, size_t len, struct smb2_write_rep *rep);

/* ---- IOCTL (2.2.31, 2.2.32) ---------------------------------------- */

struct smb2_ioctl_req {
	uint32_t ctl_code;
	struct smb2_file_id file_id;
	const uint8_t *input;
	size_t input_len;
	uint32_t max_input_response;
	uint32_t max_output_response;
	uint32_t flags;
};
int smb2_enc_ioctl_req(struct wwr *w, const struct smb2_hdr *h, const struct smb2_ioctl_req *req);

struct smb2_ioctl_rep {
	uint32_t ctl_code;
	struct smb2_file_id file_id;
	const uint8_t *output; /* NULL when empty */
	size_t output_len;
	uint32_t flags;
};
/* Also decodes the body of a STATUS_BUFFER_OVERFLOW response (more to READ). */
int smb2_dec_ioctl_rep(const uint8_t *msg, size_t len, struct smb2_ioctl_rep *rep);

/* ---- FSCTL_VALIDATE_NEGOTIATE_INFO (2.2.31.4, 2.2.32.6) ------------- */

#define SMB2_FSCTL_VALIDATE_NEGOTIATE_INFO 0x00140204u
#define SMB2_VALIDATE_NEGOTIATE_OUT_LEN 24
/* The IOCTL input: what the client sent in its NEGOTIATE request. */
int smb2_enc_validate_negotiate_in(struct wwr *w, const struct smb2_negotiate_req *req);
struct smb2_validate_negotiate {
	uint32_t capabilities;
	uint8_t guid[SMB2_GUID_LEN];
	uint16_t security_mode;
	uint16_t dialect;
};
/* The IOCTL output: exactly 24 bytes. */
int smb2_dec_validate_negotiate_out(const uint8_t *buf, size_t len, struct smb2_validate_negotiate *v);

/* ---- ERROR response (2.2.2) ---------------------------------------- */

struct smb2_error_rep {
	uint8_t context_count;
	const uint8_t *data; /* ErrorData, NULL when ByteCount is 0 */
	size_t len;
};
int smb2_dec_error_rep(const uint8_t *msg, size_t len, struct smb2_error_rep *rep);

/* ---- TRANSFORM_HEADER (2.2.41) ------------------------------------- */

struct smb2_transform {
	uint8_t signature[16];
	uint8_t nonce[16];   /* CCM uses 11 bytes, GCM 12; the rest is zero */
	uint32_t original_size;
	uint16_t flags;      /* 0x0001: encrypted (Flags in 3.1.1, EncryptionAlgorithm in 3.0.x) */
	uint64_t session_id;
};
#define SMB2_TRANSFORM_FLAG_ENCRYPTED 0x0001
void smb2_put_transform(struct wwr *w, const struct smb2_transform *t);
/*
 * Decode the 52-byte header at the start of buf: ProtocolId 0xFD 'S' 'M' 'B',
 * Flags 0x0001, OriginalMessageSize equal to the bytes that follow (len - 52)
 * and at least one SMB2 header long.
 */
int smb2_dec_transform(const uint8_t *buf, size_t len, struct smb2_transform *t);

/* ---- direct TCP framing (MS-SMB2 2.1) -------------------------------- */

/* 4 bytes: a zero byte, then the 24-bit big-endian length. */
int smb2_put_direct_tcp(uint8_t out[4], size_t len);
/* Length of the frame that follows; WIRE_EBAD unless the first byte is 0. */
int smb2_dec_direct_tcp(const uint8_t in[4], size_t *len);

/* Name of a command for messages ("negotiate", "session_setup", ...). */
const char *smb2_cmd_name(uint16_t cmd);


/* ---- reading a file on a disk share (audit: SYSVOL) ------------------ */
#define SMB2_FILE_READ_DATA 0x00000001u
#define SMB2_FILE_READ_ATTRIBUTES 0x00000080u
#define SMB2_STATUS_END_OF_FILE 0xc0000011u
#define SMB2_STATUS_OBJECT_NAME_NOT_FOUND 0xc0000034u
#define SMB2_STATUS_OBJECT_PATH_NOT_FOUND 0xc000003au
/*
 * The open of an existing file for reading only: FILE_READ_DATA | FILE_READ_ATTRIBUTES, others
 * may read it too (FILE_SHARE_READ), FILE_OPEN (never creates), FILE_NON_DIRECTORY_FILE, no
 * oplock.  path is relative to the share, components separated by '\', no leading '\'.
 */
void smb2_create_req_file_read(struct smb2_create_req *req, const char *path);

#endif
