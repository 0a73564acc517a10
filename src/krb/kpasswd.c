/* src/krb/kpasswd.c - kpasswd over our own TCP connection (see kpasswd.h). */
#include "config.h"
#include "kpasswd.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "atomicfile.h"
#include "krb_msg.h"
#include "proto/kpasswd.h"
#include "xport.h"

int kpw_connect(struct nlt_krb *k, const struct nlt_addr *dc, int *xp_status, struct nlt_err *e)
{
	struct nlt_addr a = *dc;
	char ab[64];
	int fd;

	nlt_addr_set_port(&a, KPASSWD_PORT);
	*xp_status = XP_OK;
	fd = xp_tcp_connect_race(&a, k->deadline_ms, xp_status);
	if (fd < 0) {
		nlt_addr_str(dc, ab, sizeof(ab));
		nlt_seterr(e, NLT_ENODC, "kpasswd on %s (%s:%d/tcp) is not reachable: %s",
			   k->dc_name[0] ? k->dc_name : ab, ab, KPASSWD_PORT, xp_status_str(*xp_status));
	}
	return fd;
}

static void unreachable(struct nlt_krb *k, const struct nlt_addr *dc, int st, struct nlt_err *e)
{
	char ab[64];

	nlt_addr_str(dc, ab, sizeof(ab));
	nlt_seterr(e, NLT_ENODC, "kpasswd on %s (%s:%d/tcp) is not reachable: %s", k->dc_name[0] ? k->dc_name : ab, ab,
		   KPASSWD_PORT, xp_status_str(st));
}

int kpw_connect_start(struct nlt_krb *k, const struct nlt_addr *dc, int *fd, struct nlt_err *e)
{
	struct nlt_addr a = *dc;

	nlt_addr_set_port(&a, KPASSWD_PORT);
	*fd = xp_tcp_start(&a);
	if (*fd < 0) {
		unreachable(k, dc, xp_status_from_errno(errno), e);
		return -1;
	}
	return 0;
}

int kpw_connect_finish(struct nlt_krb *k, const struct nlt_addr *dc, int *fd, struct nlt_err *e)
{
	struct nlt_addr a = *dc;
	int st;

	/* the connect started early may have lost its SYN: further attempts race it */
	nlt_addr_set_port(&a, KPASSWD_PORT);
	*fd = xp_tcp_race_finish(*fd, &a, k->deadline_ms, &st);
	if (*fd < 0) {
		unreachable(k, dc, st, e);
		return -1;
	}
	return 0;
}

/* Our end of the connection as a Kerberos address (KRB-PRIV s-address). */
static int local_address(int fd, krb5_address *ka, uint8_t raw[16])
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -1;
	ka->magic = KV5M_ADDRESS;
	if (ss.ss_family == AF_INET) {
		memcpy(raw, &((struct sockaddr_in *)&ss)->sin_addr, 4);
		ka->addrtype = ADDRTYPE_INET;
		ka->length = 4;
	} else if (ss.ss_family == AF_INET6) {
		memcpy(raw, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
		ka->addrtype = ADDRTYPE_INET6;
		ka->length = 16;
	} else {
		return -1;
	}
	ka->contents = raw;
	return 0;
}

static int recv_exact(int fd, uint8_t *buf, size_t len, uint64_t deadline_ms)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = xp_recv_some(fd, buf + got, len - got, deadline_ms);
		if (r <= 0)
			return r == 0 ? XP_CLOSED : (int)-r;
		got += (size_t)r;
	}
	return XP_OK;
}

int kpw_change(struct nlt_krb *k, int *fd, const krb5_creds *creds, const char *pw, const char *target,
	       struct kpw_outcome *out, struct nlt_err *e)
{
	krb5_auth_context ac = NULL;
	krb5_data ap_req = { 0 }, priv = { 0 }, clear, reply_clear = { 0 };
	krb5_address la;
	krb5_principal tp = NULL;
	krb5_error_code rc;
	uint8_t raw[16], *msg = NULL, *setpw = NULL, hdr[4], *rep = NULL;
	size_t msg_cap, pw_len = strlen(pw), setpw_len = 0;
	uint16_t version = target ? KPW_VERS_SET : KPW_VERS_CHANGE;
	uint32_t n;
	struct wwr w;
	int r = -1, st;
	uint64_t t0 = nlt_now_us();
	char peer[80];

	memset(out, 0, sizeof(*out));
	nlt_strlcpy(peer, k->dc_name[0] ? k->dc_name : k->dc_addr, sizeof(peer));
	if (*fd < 0)
		return nlt_seterr(e, NLT_EINTERNAL, "kpasswd to %s: no connection", peer);
	/* the request: AP-REQ with a subkey, KRB-PRIV with the (set-password: wrapped) new password */
	rc = krb5_auth_con_init(k->kc, &ac);
	if (!rc)
		rc = krb5_auth_con_setflags(k->kc, ac, KRB5_AUTH_CONTEXT_DO_SEQUENCE);
	if (!rc)
		rc = krb5_mk_req_extended(k->kc, &ac, AP_OPTS_USE_SUBKEY, NULL, (krb5_creds *)(uintptr_t)creds, &ap_req);
	if (!rc && local_address(*fd, &la, raw) < 0)
		rc = KRB5_LOCAL_ADDR_REQUIRED;
	if (!rc)
		rc = krb5_auth_con_setaddrs(k->kc, ac, &la, NULL);
	if (rc) {
		const char *m = krb5_get_error_message(k->kc, rc);
		nlt_seterr(e, NLT_EAUTH, "kpasswd to %s: cannot build the request: %s; nothing was sent", peer, m);
		krb5_free_error_message(k->kc, m);
		goto out;
	}
	if (target) {
		/* ChangePasswdData: newpasswd, targname (components), targrealm */
		char name[600], *at;
		nlt_strlcpy(name, target, sizeof(name));
		at = strrchr(name, '@');
		if (!at || at == name || !at[1]) {
			nlt_seterr(e, NLT_EUSAGE, "kpasswd: '%s' is not a principal with a realm", target);
			goto out;
		}
		*at = '\0';
		setpw_len = pw_len + strlen(name) + strlen(at + 1) + 64;
		setpw = malloc(setpw_len);
		if (!setpw) {
			nlt_seterr(e, NLT_EINTERNAL, "out of memory");
			goto out;
		}
		wwr_init(&w, setpw, setpw_len);
		if (kpw_enc_setpw_data(&w, (const uint8_t *)pw, pw_len, name, at + 1) != WIRE_OK) {
			nlt_seterr(e, NLT_EINTERNAL, "kpasswd: cannot encode the set-password data for %s", target);
			goto out;
		}
		setpw_len = wwr_len(&w);
		clear.data = (char *)setpw;
		clear.length = (unsigned)setpw_len;
	} else {
		clear.data = (char *)(uintptr_t)pw;
		clear.length = (unsigned)pw_len;
	}
	clear.magic = KV5M_DATA;
	rc = krb5_mk_priv(k->kc, ac, &clear, &priv, NULL);
	if (rc) {
		const char *m = krb5_get_error_message(k->kc, rc);
		nlt_seterr(e, NLT_EAUTH, "kpasswd to %s: cannot seal the request: %s; nothing was sent", peer, m);
		krb5_free_error_message(k->kc, m);
		goto out;
	}
	msg_cap = 4 + KPW_HDR_LEN + ap_req.length + priv.length;
	msg = malloc(msg_cap);
	if (!msg) {
		nlt_seterr(e, NLT_EINTERNAL, "out of memory");
		goto out;
	}
	wwr_init(&w, msg, msg_cap);
	wwr_u32be(&w, (uint32_t)(msg_cap - 4)); /* TCP length prefix */
	if (kpw_enc_request(&w, version, (const uint8_t *)ap_req.data, ap_req.length, (const uint8_t *)priv.data,
			    priv.length) != WIRE_OK) {
		nlt_seterr(e, NLT_EINTERNAL, "kpasswd to %s: the request does not fit the 64 KB message; nothing was sent",
			   peer);
		goto out;
	}
	/* from here on the DC may have the request: every failure is an unknown outcome, never an error */
	r = 0;
	out->answer = KPW_ANS_UNKNOWN;
	nlt_failpoint("kpasswd-before-send");
	st = xp_send_all(*fd, msg, wwr_len(&w), k->deadline_ms);
	if (st == XP_OK)
		st = recv_exact(*fd, hdr, 4, k->deadline_ms);
	if (st != XP_OK) {
		snprintf(out->note, sizeof(out->note), "kpasswd to %s (%s:%d/tcp): %s", peer, k->dc_addr, KPASSWD_PORT,
			 xp_status_str(st));
		goto out;
	}
	n = ld_u32be(hdr);
	if (n < KPW_HDR_LEN || n > KPW_MSG_MAX) {
		snprintf(out->note, sizeof(out->note), "kpasswd to %s: a reply of %u bytes cannot be a kpasswd message",
			 peer, n);
		goto out;
	}
	rep = malloc(n);
	if (!rep) {
		snprintf(out->note, sizeof(out->note), "kpasswd to %s: out of memory reading the reply", peer);
		goto out;
	}
	if ((st = recv_exact(*fd, rep, n, k->deadline_ms)) != XP_OK) {
		snprintf(out->note, sizeof(out->note), "kpasswd to %s (%s:%d/tcp): reply cut short: %s", peer, k->dc_addr,
			 KPASSWD_PORT, xp_status_str(st));
		goto out;
	}
	{
		struct kpw_reply kr;
		int we = kpw_dec_reply(rep, n, &kr);
		if (we != WIRE_OK) {
			snprintf(out->note, sizeof(out->note), "kpasswd to %s: malformed reply (%s)", peer, wire_strerror(we));
			goto out;
		}
		if (kr.is_error) {
			/* unauthenticated: anyone on the path can send one, so it proves nothing either way */
			struct krb_error ke;
			if (krb_dec_error(kr.body, kr.body_len, &ke) == WIRE_OK)
				snprintf(out->note, sizeof(out->note), "kpasswd to %s answered with KRB-ERROR %d%s%.100s", peer,
					 (int)ke.error_code, ke.e_text[0] ? ": " : "", ke.e_text);
			else
				snprintf(out->note, sizeof(out->note), "kpasswd to %s answered with an unreadable KRB-ERROR",
					 peer);
			goto out;
		}
		{
			krb5_data d;
			krb5_ap_rep_enc_part *ep = NULL;
			uint16_t code = 0;
			const uint8_t *s = NULL;
			size_t sl = 0;
			d.magic = KV5M_DATA;
			d.data = (char *)(uintptr_t)kr.ap_rep;
			d.length = (unsigned)kr.ap_rep_len;
			rc = krb5_rd_rep(k->kc, ac, &d, &ep);
			if (ep)
				krb5_free_ap_rep_enc_part(k->kc, ep);
			if (!rc) {
				d.data = (char *)(uintptr_t)kr.body;
				d.length = (unsigned)kr.body_len;
				rc = krb5_rd_priv(k->kc, ac, &d, &reply_clear, NULL);
			}
			if (rc) {
				const char *m = krb5_get_error_message(k->kc, rc);
				snprintf(out->note, sizeof(out->note), "kpasswd to %s: the reply does not verify: %s", peer, m);
				krb5_free_error_message(k->kc, m);
				goto out;
			}
			if (kpw_dec_result((const uint8_t *)reply_clear.data, reply_clear.length, &code, &s, &sl) != WIRE_OK) {
				snprintf(out->note, sizeof(out->note), "kpasswd to %s: the verified reply holds no result code",
					 peer);
				goto out;
			}
			out->result = code;
			if (code == KPW_SUCCESS) {
				out->answer = KPW_ANS_ACKED;
			} else {
				/* AD's soft error carries a binary policy blob: print text only */
				int text = sl > 0 && sl < 200;
				for (size_t i = 0; text && i < sl; i++)
					if (s[i] < 0x20 || s[i] >= 0x7f)
						text = 0;
				out->answer = KPW_ANS_REFUSED;
				snprintf(out->note, sizeof(out->note), "kpasswd to %s answered %u (%s)%s%.*s", peer, code,
					 kpw_result_str(code), text ? ": " : "", text ? (int)sl : 0, text ? (const char *)s : "");
			}
		}
	}
out:
	out->elapsed_us = nlt_now_us() - t0;
	if (r == 0)
		nlt_vlog("kpasswd %s to %s: %s in %.1f ms%s%s", target ? "set-password" : "change", peer,
			 out->answer == KPW_ANS_ACKED ? "acknowledged" : out->answer == KPW_ANS_REFUSED ? "refused" : "unknown",
			 out->elapsed_us / 1000.0, out->note[0] ? ": " : "", out->note);
	xp_close(fd);
	if (msg) {
		nlt_wipe(msg, msg_cap);
		free(msg);
	}
	if (setpw) {
		nlt_wipe(setpw, setpw_len);
		free(setpw);
	}
	free(rep);
	krb5_free_data_contents(k->kc, &ap_req);
	krb5_free_data_contents(k->kc, &priv);
	krb5_free_data_contents(k->kc, &reply_clear);
	krb5_free_principal(k->kc, tp);
	if (ac)
		krb5_auth_con_free(k->kc, ac);
	return r;
}

int kpw_changepw_ticket(struct nlt_krb *k, krb5_creds **out, struct nlt_err *e)
{
	return krb_get_ticket(k, "kadmin/changepw", out, e);
}
