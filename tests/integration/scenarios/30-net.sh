# tests/integration/scenarios/30-net.sh - discovery and ping under timeouts (issue 7):
# a port never probed is not "filtered", a DNS timeout is not a missing record, and DNS is
# a required service on the client's own resolver.  Sourced by ../run.sh; restores the lab.

# ---- 1. "not probed" is not "filtered" ------------------------------------------------
# dc1 powered off: discovery waits for it, but ping reserves the port window up front, so
# the healthy DC (dcb) is never called broken.
"$lab" unplug dc1 >/dev/null
run_cli --json --timeout 3 ping "$LAB_DOMAIN"
dcb_st=$(jget 'sorted(set(s["status"] for d in j["dcs"] if d["name"].startswith("dcb") for s in d["services"]))')
dcb_pb=$(jget '[p for p in j["problems"] if "dcb" in p["message"] or (p.get("dc") or "").startswith("dcb")]')
if [ "$rc" -eq 1 ] && [ "$dcb_st" = "['open']" ] && [ "$dcb_pb" = "[]" ] &&
   [ "$(jget '[d["verdict"] for d in j["dcs"] if d["name"].startswith("dc1")]')" = "['problems']" ]; then
	ok "dc1 unplugged, ping --timeout 3: every port of dcb is open, only dc1 is a problem (exit 1)"
else bad "dc1 unplugged, ping --timeout 3 (dcb: $dcb_st; dcb problems: $dcb_pb)"; show; fi
# --timeout 1: too short to call dc1 down; the verdict is unknown (exit 4), never 0, and its
# TCP ports (half a second each) are inconclusive, not "filtered"
run_cli --json --timeout 1 ping "$LAB_DOMAIN"
if [ "$rc" -eq 4 ] && [ "$(jget '(j["verdict"], j["healthy"], j["problems"])')" = "('inconclusive', None, [])" ] &&
   [ "$(jget '[d["verdict"] for d in j["dcs"] if d["name"].startswith("dc1")]')" = "['unknown']" ] &&
   [ "$(jget 'sorted(set(s["status"] for d in j["dcs"] if d["name"].startswith("dc1") for s in d["services"] if s["protocol"] == "tcp"))')" = "['inconclusive']" ] &&
   [ "$(jget 'sorted(set(s["status"] for d in j["dcs"] if d["name"].startswith("dcb") for s in d["services"]))')" = "['open']" ] &&
   printf '%s' "$err" | grep -q "inconclusive: .*dc1.$LAB_DOMAIN.*too short to tell"; then
	ok "dc1 unplugged, ping --timeout 1: inconclusive (exit 4), dc1 unknown with its TCP ports inconclusive, dcb all open"
else bad "dc1 unplugged, ping --timeout 1"; show; fi
run_cli --timeout 1 ping "$LAB_DOMAIN"
check "... and the text output lists it under 'Not checked', not under 'Problems'" \
	eval '[ "$rc" -eq 4 ] && printf "%s" "$out" | grep -q "^Not checked" && ! printf "%s" "$out" | grep -q "^Problems"'
"$lab" plug dc1 >/dev/null
# a deadline that leaves no time at all: every port is reported not_probed, exit 4
run_cli --json --timeout 0.001 ping -S "$DCB_IP" -d "$LAB_DOMAIN"
if [ "$rc" -eq 4 ] && [ "$(jget 'sorted(set(s["status"] for s in j["dcs"][0]["services"] if s["service"] != "cldap"))')" = "['not_probed']" ] &&
   [ "$(jget 'j["healthy"]')" = None ]; then
	ok "no time left for the ports: every port is not_probed, healthy is null, exit 4"
else bad "ports with no time left"; show; fi
run_cli --timeout 0.001 ping -S "$DCB_IP" -d "$LAB_DOMAIN"
check "... and the text says 'not_probed', never 'filtered'" \
	eval '[ "$rc" -eq 4 ] && printf "%s" "$out" | grep -q "not_probed" && ! printf "%s" "$out" | grep -q filtered'

# a slow network (RTT 600 ms) and --timeout 3: discovery's share ends before the LDAP pings
# come back, but the port window pings CLDAP again; a healthy domain stays healthy (exit 0)
"$lab" latency 300 >/dev/null
run_cli --json --timeout 3 ping "$LAB_DOMAIN"
"$lab" latency 0 >/dev/null
check "RTT 600 ms, ping --timeout 3: every required service open, exit 0 (not inconclusive)" \
	eval '[ "$rc" -eq 0 ] && [ "$(jget "(j[\"verdict\"], sorted(set(s[\"status\"] for d in j[\"dcs\"] for s in d[\"services\"] if s[\"required\"])))")" = "('"'"'healthy'"'"', ['"'"'open'"'"'])" ]'

# ---- 2. a DNS timeout is not a missing record -----------------------------------------
# cli's first nameserver is dcb; drop every DNS packet to it.  The resolver gives dcb 700 ms
# before it asks dc1, so short deadlines run out inside DNS.
"$lab" block dcb udp 53 >/dev/null; "$lab" block dcb tcp 53 >/dev/null
run_cli --json --timeout 0.5 discover -S "dcb.$LAB_DOMAIN" -d "$LAB_DOMAIN"
if [ "$rc" -eq 4 ] && [ "$(jget 'j["candidates"][0]["status"]')" = "dns timeout" ] &&
   printf '%s' "$err" | grep -q "DNS A/AAAA for dcb.$LAB_DOMAIN: no answer from $DCB_IP within the deadline" &&
   ! printf '%s' "$err" | grep -q "no A or AAAA record"; then
	ok "discover -S NAME whose A/AAAA query timed out: exit 4, 'no answer from $DCB_IP within the deadline'"
else bad "discover -S with a DNS timeout"; show; fi
run_cli --timeout 0.5 discover "$LAB_DOMAIN"
check "discover --timeout 0.5: the SRV step is named, with the server and the deadline (exit 4)" \
	eval '[ "$rc" -eq 4 ] && printf "%s" "$err" | grep -q "DNS SRV _ldap._tcp.dc._msdcs.$LAB_DOMAIN: no answer from $DCB_IP.* within the deadline"'
run_cli --timeout 1 ping "$LAB_DOMAIN"
if [ "$rc" -eq 4 ] && printf '%s' "$err" | grep -Eq "DNS (SRV|A/AAAA|A|AAAA) [^:]*: no answer from $DCB_IP[^:]* within the deadline" &&
   ! printf '%s' "$err" | grep -Eq "no address|no A or AAAA|answered the LDAP ping"; then
	ok "ping --timeout 1: the DNS step that ran out is named, not 'no address' (exit 4)"
else bad "ping --timeout 1 with a DNS timeout"; show; fi
run_cli --timeout 0.5 verify -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
check "verify --timeout 0.5: the locate error names DNS, not the KDC (exit 4)" \
	eval '[ "$rc" -eq 4 ] && printf "%s" "$err" | grep -q "DNS SRV .*no answer from $DCB_IP.*within the deadline" && ! printf "%s" "$err" | grep -qi "kerberos\|kdc"'
run_cli --timeout 0.5 verify -S "dcb.$LAB_DOMAIN" -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
check "verify -S NAME --timeout 0.5: 'DNS A/AAAA for dcb...: no answer ... within the deadline' (exit 4)" \
	eval '[ "$rc" -eq 4 ] && printf "%s" "$err" | grep -q "DNS A/AAAA for dcb.$LAB_DOMAIN: no answer from $DCB_IP within the deadline"'
# ---- 3. DNS is a required service on the client's resolver -----------------------------
# (53/udp and 53/tcp of dcb still blocked)
run_cli --json ping "$LAB_DOMAIN"
dns=$(jget '[(s["service"], s["status"], s["required"]) for d in j["dcs"] if d["name"].startswith("dcb") for s in d["services"] if s["port"] == 53]')
if [ "$rc" -eq 1 ] && [ "$dns" = "[('dns', 'filtered', True), ('dns_udp', 'filtered', True)]" ] &&
   printf '%s' "$err" | grep -q "DNS 53/.* on dcb.$LAB_DOMAIN is filtered"; then
	ok "DNS filtered on cli's first nameserver (dcb): 53/tcp and 53/udp required, ping exits 1 naming DNS on dcb"
else bad "DNS filtered on the resolver DC (services: $dns)"; show; fi
"$lab" unblock dcb all >/dev/null
"$lab" block dcb udp 53 >/dev/null
run_cli --json ping "$LAB_DOMAIN"
check "only 53/udp filtered on the resolver DC: still a problem (exit 1), the TCP probe alone would have said open" \
	eval '[ "$rc" -eq 1 ] && [ "$(jget "[p for p in j[\"problems\"] if \"53/udp on dcb\" in p[\"message\"]] != []")" = True ]'
"$lab" unblock dcb all >/dev/null
run_cli --json ping "$LAB_DOMAIN"
check "... and with DNS back, ping is healthy again (exit 0, DNS required and open on both resolvers)" \
	eval '[ "$rc" -eq 0 ] && [ "$(jget "sorted(set((s[\"status\"], s[\"required\"]) for d in j[\"dcs\"] for s in d[\"services\"] if s[\"port\"] == 53))")" = "[('"'"'open'"'"', True)]" ]'
# a DC that is not our resolver but serves the domain's zone (answers our SOA query
# authoritatively) needs DNS too: cli with a private resolv.conf that lists dc1 only
rcf=$(mktemp); printf 'search %s\nnameserver %s\n' "$LAB_DOMAIN" "$DC1_IP" > "$rcf"; chmod 644 "$rcf"
"$lab" block dcb tcp 53 >/dev/null
out=$("$lab" exec cli unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && exec "$2" --json ping "$3"' sh "$rcf" "$bin" "$LAB_DOMAIN" 2>/dev/null); rc=$?
"$lab" unblock dcb all >/dev/null
rm -f "$rcf"
if [ "$rc" -eq 1 ] && [ "$(jget '[(s["status"], s.get("required_because")) for d in j["dcs"] if d["name"].startswith("dcb") for s in d["services"] if s["service"] == "dns"]')" = "[('filtered', \"it answers for the domain's zone\")]" ]; then
	ok "dcb not in resolv.conf but authoritative for $LAB_DOMAIN: its filtered 53/tcp is a problem (exit 1)"
else bad "DNS required on a DC that serves the zone"; show; fi
# a domain name DNS cannot carry (x..y) must not turn the 53/udp probe into an internal error (exit 7)
run_cli --json ping -S "$DCB_IP" -d 'x..y'
check "ping -S with a domain DNS cannot encode: the DNS probe still runs (53/udp open), no internal error" \
	eval '[ "$rc" -ne 7 ] && [ "$(jget "[s[\"status\"] for s in j[\"dcs\"][0][\"services\"] if s[\"service\"] == \"dns_udp\"]")" = "['"'"'open'"'"']" ]'
