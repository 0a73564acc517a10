#!/bin/bash
# tests/check_completion.sh - the bash completion (contrib/bash-completion/nltrust):
# its reading of every command's --help agrees with the option table (each command's
# own options and the globals, with their short forms and metavariables), and a few
# completions give what they should (COMP_WORDS/COMP_CWORD + _nltrust, COMPREPLY
# compared).  Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
bin=$(cd "$top_builddir" && pwd)/nltrust
comp=$top_srcdir/contrib/bash-completion/nltrust
n=0; fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
bad() { n=$((n + 1)); echo "not ok $n - $*"; fail=1; }
[ -x "$bin" ] || { echo "not ok 1 - $bin missing"; echo "1..1"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# shellcheck source=/dev/null
. "$comp" || { echo "not ok 1 - sourcing $comp failed"; echo "1..1"; exit 1; }
complete -p nltrust >/dev/null 2>&1 && ok "the completion registers _nltrust for nltrust" || bad "complete -p nltrust"

# the option table as --help prints it, independently of the completion's awk:
# "-d, --domain DOMAIN" -> "-d --domain DOMAIN", "    --pdc" -> "- --pdc -"
help_list() { # $1 command ("" for the globals)
	local sec="Command options:"
	[ -z "$1" ] && sec="Global options:"
	if [ -n "$1" ]; then "$bin" "$1" --help; else "$bin" --help; fi |
		sed -n "/^$sec\$/,/^\$/p" | grep -E '^ {2,6}-' |
		sed -E -e 's/^ +//' -e 's/  .*//' \
		    -e 's/^(-[A-Za-z]), /\1 /' -e 's/^--/- --/' \
		    -e 's/^(-[A-Za-z]? ?--[a-z0-9-]+)\[/\1 [/' |
		awk '{print $1, $2, (NF > 2 ? $3 : "-")}' | sort
}
cmds=$("$bin" --help | awk '/^Commands:/{on=1; next} /^$/{on=0} on {print $1}')
got=$(_nltrust_commands "$bin" | sort | tr '\n' ' ')
want=$(printf '%s\n' $cmds | sort | tr '\n' ' ')
[ "$got" = "$want" ] && ok "commands: $(echo $cmds | wc -w) from --help" || bad "commands: completion has '$got', --help '$want'"
for c in "" $cmds; do
	help_list "$c" > "$tmp/h"
	_nltrust_optlist "$bin" "$c" | sort > "$tmp/c"
	if [ ! -s "$tmp/h" ] && [ -n "$c" ]; then : # a command without options of its own
	elif [ ! -s "$tmp/h" ]; then bad "no global options read from --help"; continue; fi
	if cmp -s "$tmp/h" "$tmp/c"; then ok "${c:-global} options: $(wc -l < "$tmp/h") agree with --help"
	else bad "${c:-global} options differ from --help:"; diff "$tmp/h" "$tmp/c" | sed 's/^/#   /'; fi
done

# complete LINE: the line up to the cursor (a trailing space starts a new word); prints COMPREPLY sorted
complete_line() {
	local line=$1
	read -r -a COMP_WORDS <<<"$line"
	COMP_WORDS[0]=$bin
	if [[ $line == *" " ]]; then COMP_WORDS+=(""); fi
	COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
	COMPREPLY=()
	_nltrust
	printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'
}
expect() { # LABEL LINE WANT
	local g; g=$(complete_line "$2")
	if [ "$g" = "$3" ]; then ok "$1: '$2' -> '$g'"; else bad "$1: '$2' -> '$g', wanted '$3'"; fi
}
expect "a command" "nltrust dis" "disable-computer discover"
expect "a command after a global option and its value" "nltrust -d lab.test --json sh" "show-computer show-target"
expect "every command" "nltrust " "$(printf '%s\n' $cmds | sort | tr '\n' ' ' | sed 's/ $//')"
expect "discover's own options" "nltrust discover --t" "--target --target-auth --target-password-file --target-stdin-password --target-user --tcp --timeout --timeserv"
expect "ping has no --pdc (only discover does)" "nltrust ping --p" "--password-file"
expect "globals only before the command" "nltrust --p" "--password-file"
expect "short options too" "nltrust verify -" "$({ _nltrust_optlist "$bin" ""; _nltrust_optlist "$bin" verify; } | awk '{if ($1 != "-") print $1; print $2}' | sort | tr '\n' ' ' | sed 's/ $//')"
expect "verify --method" "nltrust verify --method " "all kerberos netlogon"
expect "reset-password --method" "nltrust reset-password --method " "kerberos netlogon"
expect "--target-auth" "nltrust show-target --target-auth n" "ntlm"
expect "an option's value is not taken for the command (no --pdc: discover is the site)" "nltrust --site discover --p" "--password-file"

# FILE and DIR values
mkdir -p "$tmp/d/sub"; : > "$tmp/d/pw"
expect "--password-file completes files" "nltrust verify --password-file $tmp/d/" "$tmp/d/pw $tmp/d/sub"
expect "--state-dir completes directories" "nltrust join --state-dir $tmp/d/" "$tmp/d/sub"

# HOST: known_hosts as ssh reads it (HOME points at a scratch one)
mkdir -p "$tmp/home/.ssh"
cat > "$tmp/home/.ssh/known_hosts" <<'KH'
ws7.lab.test,198.18.0.77 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE
[ws8.lab.test]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF
|1|hashedsalt=|hashedhost= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG
@cert-authority *.lab.test ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH
# a comment ws9.lab.test
KH
HOME=$tmp/home
expect "--target completes known_hosts names (port form unwrapped, hashed and wildcard skipped)" \
	"nltrust verify --target ws" "ws7.lab.test ws8.lab.test"
expect "show-target HOST completes known hosts" "nltrust show-target 198" "198.18.0.77"
expect "verify's positional is a DOMAIN: nothing offered" "nltrust verify ws" ""

# DC (-S): the Netlogon port cache of the state directory
mkdir -p "$tmp/state"; echo 49152 > "$tmp/state/netlogon-port-198.18.0.10"; echo 49152 > "$tmp/state/netlogon-port-198.18.0.20"
expect "-S completes the DCs of --state-dir's Netlogon port cache" "nltrust verify --state-dir $tmp/state -S 198.18.0." "198.18.0.10 198.18.0.20"
echo "1..$n"
exit $fail
