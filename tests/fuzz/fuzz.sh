#!/bin/sh
# tests/fuzz/fuzz.sh - 'make fuzz': run libFuzzer harnesses one after another.
#
#   fuzz.sh SEED_CORPUS_DIR BUILD_DIR NAME...
# Environment: FUZZ_SECONDS (per harness, default 60), FUZZ_RUNS (stop after
# this many executions instead, when set), FUZZ_WORK (default
# BUILD_DIR/fuzz-work), FUZZ_NICE (nice level, default 10), FUZZ_OPTS (more
# libFuzzer options, e.g. -use_value_profile=1).
#
# Each harness works on FUZZ_WORK/NAME/corpus, a copy of its seeds that keeps
# what libFuzzer adds (the source tree is never written); crash, leak, UB and
# timeout inputs land in FUZZ_WORK/NAME/artifacts/.  Prints one line per
# harness (executions, cov/ft, corpus size, seconds) and exits 1 when any
# harness failed.
set -u
seeds=$1 build=$2
shift 2
secs=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:-}
work=${FUZZ_WORK:-$build/fuzz-work}
nicelvl=${FUZZ_NICE:-10}
extra=${FUZZ_OPTS:-}
failed=0

for h in "$@"; do
	bin=$build/fuzz_$h
	dir=$work/$h
	if [ ! -x "$bin" ]; then
		echo "fuzz $h: $bin missing (build with CC=clang ../configure --enable-fuzzing; make)" >&2
		failed=1
		continue
	fi
	mkdir -p "$dir/corpus" "$dir/artifacts" || { failed=1; continue; }
	cp -p "$seeds/$h"/* "$dir/corpus/" 2>/dev/null
	if [ -n "$runs" ]; then limit="-runs=$runs"; else limit="-max_total_time=$secs"; fi
	start=$(date +%s)
	nice -n "$nicelvl" "$bin" "$limit" -print_final_stats=1 -timeout=10 $extra \
		-artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$dir/log" 2>&1
	rc=$?
	end=$(date +%s)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
	cov=$(grep -E '^#[0-9]+' "$dir/log" | grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9]*[a-zA-Z]*' | tail -1)
	files=$(ls "$dir/corpus" | wc -l)
	if [ "$rc" -eq 0 ]; then
		echo "fuzz $h: ok, ${execs:-?} executions, ${cov:-cov: ?} (libFuzzer's corpus), $files files in $dir/corpus, $((end - start)) s"
	else
		echo "fuzz $h: FAILED (exit $rc) after ${execs:-?} executions, ${cov:-cov: ?}; log $dir/log, inputs in $dir/artifacts/" >&2
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$dir/log" | head -3 >&2
		failed=1
	fi
done
exit $failed
