#!/bin/bash
# tests/lab/populate-computers.sh - many computer objects in the lab, fast, for `nltrust audit`.
#
#   populate-computers.sh add N [--ou NAME] [--planted]   N objects NAME00001$.. in OU=NAME (default nltaudit)
#   populate-computers.sh remove [--ou NAME]              delete OU=NAME and everything under it
#   populate-computers.sh pause|resume                    filter / unfilter DRS between dc1 and dcb
#
# The N bulk objects are written in transactions of 250 straight into dc1's sam.ldb (Samba's own
# Python SamDB in dc1's namespace, through every dsdb module, as the system), then dcb pulls the
# domain partition (`samba-tool drs replicate`), so both DCs hold them when the script returns.
# They have no password (pwdLastSet 0), never logged on, AES enctypes (28), a dNSHostName and
# HOST/ SPNs of their own: each is reported by audit as "password never set" and "never logged on".
#
# --planted adds accounts with exactly one finding each (the rest of them healthy: a password,
# a Kerberos logon for lastLogonTimestamp, AES enctypes, created by the administrator):
#   <P>CLEAN$  none                       <P>DIS$    disabled
#   <P>RC4$    no_aes (enctypes 4)        <P>NOLOG$  never_logged_on (password, no logon)
#   <P>DUPA$, <P>DUPB$  duplicate_dns_host_name (both dup-<p>.lab.test)
#   <P>SPNA$, <P>SPNB$  duplicate_spn (both HTTP/shared-<p>.lab.test: given to each on another DC
#                       while replication was paused, since Samba refuses a duplicate on one DC)
#   <P>QUOTA$  nonadmin_creator: created over LDAP by the plain user <p>quota (machine account quota)
# where <P> is the OU name in upper case.  Prints the seconds each step took.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lab=$here/lab.sh
eval "$("$lab" env)"

ou=nltaudit; planted=0; n=0
cmd=${1:-}; shift || true
case $cmd in
add) n=${1:?usage: add N}; shift ;;
remove | pause | resume) ;;
*) echo "usage: $0 add N [--ou NAME] [--planted] | remove [--ou NAME]" >&2; exit 2 ;;
esac
while [ $# -gt 0 ]; do
	case $1 in
	--ou) ou=$2; shift 2 ;;
	--planted) planted=1; shift ;;
	*) echo "unknown argument $1" >&2; exit 2 ;;
	esac
done
case $ou in *[!a-z0-9]* | "") echo "--ou: lower-case letters and digits only" >&2; exit 2 ;; esac
P=$(printf '%s' "$ou" | tr a-z A-Z)
base=DC=${LAB_DOMAIN//./,DC=}
sam=$LAB_DIR/dc1/private/sam.ldb
adm="$LAB_ADMIN_USER%$(cat "$LAB_ADMIN_PASS_FILE")"
now() { date +%s.%N; }
el() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }

replicate() { # a DC that was just restarted may refuse DRS for a moment: a few tries
	local i
	for i in 1 2 3 4 5; do
		"$lab" exec dcb samba-tool drs replicate dcb dc1 "$base" -U "$adm" -s "$DCB_CONF" >/dev/null 2>&1 && return 0
		sleep 1
	done
	"$lab" exec dcb samba-tool drs replicate dcb dc1 "$base" -U "$adm" -s "$DCB_CONF" >/dev/null
}
# no replication between the DCs: DRS (endpoint mapper and Samba's RPC ports) filtered on both
pause_repl() {
	for h in dc1 dcb; do "$lab" block $h tcp 135 >/dev/null 2>&1; "$lab" block $h tcp 49152-49170 >/dev/null 2>&1; done
}
resume_repl() {
	for h in dc1 dcb; do "$lab" unblock $h tcp 135 >/dev/null 2>&1; "$lab" unblock $h tcp 49152-49170 >/dev/null 2>&1; done
}

if [ "$cmd" = pause ]; then pause_repl; exit 0; fi
if [ "$cmd" = resume ]; then resume_repl; exit 0; fi
if [ "$cmd" = remove ]; then
	t0=$(now)
	"$lab" exec dc1 "$LAB_PYTHON" - "$sam" "$DC1_CONF" "OU=$ou,$base" "$ou" <<'EOF'
import sys
from samba.samdb import SamDB
from samba.auth import system_session
from samba.param import LoadParm
import ldb
lp = LoadParm(); lp.load(sys.argv[2])
db = SamDB(url=sys.argv[1], session_info=system_session(), lp=lp)
try:
    db.delete(sys.argv[3], ["tree_delete:1"])
except ldb.LdbError as e:
    if e.args[0] != ldb.ERR_NO_SUCH_OBJECT:
        raise
for u in db.search(db.domain_dn(), ldb.SCOPE_SUBTREE, "(sAMAccountName=%squota)" % sys.argv[4], ["dn"]):
    db.delete(u.dn)
EOF
	replicate
	echo "removed OU=$ou in $(el "$t0") s"
	exit 0
fi

t0=$(now)
"$lab" exec dc1 "$LAB_PYTHON" - "$sam" "$DC1_CONF" "$base" "$ou" "$n" <<'EOF'
import sys
from samba.samdb import SamDB
from samba.auth import system_session
from samba.param import LoadParm
import ldb
lp = LoadParm(); lp.load(sys.argv[2])
db = SamDB(url=sys.argv[1], session_info=system_session(), lp=lp)
base, ou, n = sys.argv[3], sys.argv[4], int(sys.argv[5])
P = ou.upper()
dom = base.replace("DC=", "").replace(",", ".").lower()
try:
    db.add({"dn": "OU=%s,%s" % (ou, base), "objectClass": "organizationalUnit"})
except ldb.LdbError as e:
    if e.args[0] != ldb.ERR_ENTRY_ALREADY_EXISTS:
        raise
# one transaction per 250 objects: a single transaction of 10,000 grew superlinearly (killed after 5 min)
for start in range(1, n + 1, 250):
    db.transaction_start()
    try:
        for i in range(start, min(n, start + 249) + 1):
            name = "%s%05d" % (P, i)
            db.add({"dn": "CN=%s,OU=%s,%s" % (name, ou, base),
                    "objectClass": "computer",
                    "sAMAccountName": name + "$",
                    "userAccountControl": "4096",
                    "dNSHostName": "%s.%s" % (name.lower(), dom),
                    "servicePrincipalName": ["HOST/" + name, "HOST/%s.%s" % (name.lower(), dom)],
                    "msDS-SupportedEncryptionTypes": "28"})
        db.transaction_commit()
    except Exception:
        db.transaction_cancel()
        raise
    if start % 2000 == 1 and n > 2000:
        sys.stderr.write("populate: %d objects\n" % (start + 249))
EOF
echo "bulk: $n objects in OU=$ou on dc1 in $(el "$t0") s"

if [ "$planted" = 1 ]; then
	t1=$(now)
	pw="Nlt-audit-$(date +%s%N)-Pw1"
	# the planted accounts (every one but QUOTA), with a password, in one transaction
	"$lab" exec dc1 "$LAB_PYTHON" - "$sam" "$DC1_CONF" "$base" "$ou" "$pw" <<'EOF'
import sys, base64
from samba.samdb import SamDB
from samba.auth import system_session
from samba.param import LoadParm
import ldb
lp = LoadParm(); lp.load(sys.argv[2])
db = SamDB(url=sys.argv[1], session_info=system_session(), lp=lp)
base, ou, pw = sys.argv[3], sys.argv[4], sys.argv[5]
P, p = ou.upper(), ou.lower()
dom = base.replace("DC=", "").replace(",", ".").lower()
upw = ('"%s"' % pw).encode("utf-16-le")
def mk(name, uac=4096, enc="28", dns=None, spn=None):
    m = {"dn": "CN=%s,OU=%s,%s" % (name, ou, base), "objectClass": "computer",
         "sAMAccountName": name + "$", "userAccountControl": str(uac),
         "dNSHostName": dns or "%s.%s" % (name.lower(), dom),
         "servicePrincipalName": spn or ["HOST/" + name, "HOST/%s.%s" % (name.lower(), dom)],
         "msDS-SupportedEncryptionTypes": enc, "unicodePwd": upw}
    db.add(m)
db.transaction_start()
try:
    mk(P + "CLEAN"); mk(P + "DIS"); mk(P + "RC4", enc="4"); mk(P + "NOLOG")
    mk(P + "DUPA", dns="dup-%s.%s" % (p, dom)); mk(P + "DUPB", dns="dup-%s.%s" % (p, dom))
    mk(P + "SPNA"); mk(P + "SPNB")
    db.transaction_commit()
except Exception:
    db.transaction_cancel()
    raise
# a plain user that may create computers only through ms-DS-MachineAccountQuota
db.newuser("%squota" % p, pw)
EOF
	# QUOTA: what an account created through ms-DS-MachineAccountQuota looks like.  Samba 4.17 does
	# not implement the quota (a plain user's LDAP add of a computer is refused: insufficient
	# access), so the account is added as the system with mS-DS-CreatorSID = the plain user's SID,
	# the attribute AD sets on such an account (relax control: it is system-only).
	"$lab" exec dc1 "$LAB_PYTHON" - "$sam" "$DC1_CONF" "$base" "$ou" "$pw" <<'EOF'
import sys
from samba.samdb import SamDB
from samba.auth import system_session
from samba.param import LoadParm
from samba.dcerpc import security
from samba.ndr import ndr_pack
import ldb
lp = LoadParm(); lp.load(sys.argv[2])
db = SamDB(url=sys.argv[1], session_info=system_session(), lp=lp)
base, ou, pw = sys.argv[3], sys.argv[4], sys.argv[5]
P = ou.upper()
dom = base.replace("DC=", "").replace(",", ".").lower()
u = db.search(base, ldb.SCOPE_SUBTREE, "(sAMAccountName=%squota)" % ou, ["objectSid"])
db.add({"dn": "CN=%sQUOTA,OU=%s,%s" % (P, ou, base), "objectClass": "computer",
        "sAMAccountName": P + "QUOTA$", "userAccountControl": "4096",
        "dNSHostName": "%squota.%s" % (ou, dom),
        "servicePrincipalName": ["HOST/%sQUOTA" % P, "HOST/%squota.%s" % (ou, dom)],
        "msDS-SupportedEncryptionTypes": "28",
        "unicodePwd": ('"%s"' % pw).encode("utf-16-le"),
        "mS-DS-CreatorSID": u[0]["objectSid"][0]}, ["relax:0"])
EOF
	# the duplicate SPN: Samba refuses an SPN another object holds (samldb's uniqueness check), so it
	# is made the way a directory gets one: the same SPN given to SPNA on dc1 and to SPNB on dcb
	# while the DCs cannot replicate; replication then brings both to both DCs
	replicate
	pause_repl
	for h in dc1:SPNA dcb:SPNB; do
		"$lab" exec "${h%%:*}" "$LAB_PYTHON" - "$LAB_DIR/${h%%:*}/private/sam.ldb" \
			"$([ "${h%%:*}" = dc1 ] && echo "$DC1_CONF" || echo "$DCB_CONF")" "$base" "$ou" "${h#*:}" <<'EOF'
import sys
from samba.samdb import SamDB
from samba.auth import system_session
from samba.param import LoadParm
import ldb
lp = LoadParm(); lp.load(sys.argv[2])
db = SamDB(url=sys.argv[1], session_info=system_session(), lp=lp)
base, ou, who = sys.argv[3], sys.argv[4], sys.argv[5]
dom = base.replace("DC=", "").replace(",", ".").lower()
msg = ldb.Message(ldb.Dn(db, "CN=%s%s,OU=%s,%s" % (ou.upper(), who, ou, base)))
msg["servicePrincipalName"] = ldb.MessageElement("HTTP/shared-%s.%s" % (ou, dom), ldb.FLAG_MOD_ADD,
                                                 "servicePrincipalName")
db.modify(msg)
EOF
	done
	resume_repl
	"$lab" exec dc1 samba-tool drs replicate dc1 dcb "$base" -U "$adm" -s "$DC1_CONF" >/dev/null
	# a Kerberos logon of each account that should have logged on sets its lastLogonTimestamp
	for a in CLEAN RC4 DUPA DUPB SPNA SPNB QUOTA DIS; do
		[ $a = DIS ] && continue
		printf '%s\n' "$pw" | "$lab" exec dc1 env KRB5CCNAME=MEMORY: kinit "$P$a\$@$LAB_REALM" >/dev/null
	done
	# a logon, then disabled: its only finding is "disabled"
	printf '%s\n' "$pw" | "$lab" exec dc1 env KRB5CCNAME=MEMORY: kinit "${P}DIS\$@$LAB_REALM" >/dev/null 2>&1 || true
	"$lab" exec dc1 samba-tool user disable "${P}DIS\$" -s "$DC1_CONF" >/dev/null
	echo "planted: ${P}CLEAN DIS RC4 NOLOG DUPA DUPB SPNA SPNB QUOTA in $(el "$t1") s"
fi
t2=$(now)
replicate
echo "replicated dc1 -> dcb in $(el "$t2") s"
