#!/usr/bin/env bash
# Runs every test of the solution (as root: the tests mount for real) and ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh || { echo "could not install the test dependencies"; exit 1; }

log=$(mktemp)
# Every test makes its dirs under TMPDIR: one dir per run, so that the mounts of another run on this machine
# (a second checkout's tests) are never counted, nor unmounted, as ours.
run_dir=$(mktemp -d /tmp/strata-run.XXXXXX)
export TMPDIR=$run_dir
overlay_mounts() { awk -v dir="$run_dir/" '($3 == "fuse.strata" || $3 == "overlay") && index($2, dir) == 1 {print $2}' /proc/self/mounts | sort; }
mounts_before=$(overlay_mounts)
# FUSE over io_uring is off by default in the kernel (the fuse module's enable_uring): the tests run with it on,
# so that Strata's mounts serve through the rings (the tests of the /dev/fuse path ask for it themselves: io_uring=off,
# or a server that does not ask), and the old value is put back afterwards.
uring_param=/sys/module/fuse/parameters/enable_uring
uring_before=$(cat "$uring_param" 2>/dev/null || true)
[ -n "$uring_before" ] && echo Y > "$uring_param"
dotnet build Strata.slnx -c Release -nologo -v q 2>&1 | tail -n 3
# The published binary (Native AOT, what users run) has tests of its own: they run the binary published here (and
# publish one themselves when this did not work).
if bash scripts/publish.sh >/dev/null; then export STRATA_PUBLISHED_BINARY=$PWD/artifacts/strata; fi
timeout 80m dotnet test Strata.slnx -c Release --no-build -nologo \
  --blame-hang --blame-hang-timeout 10m \
  --logger "console;verbosity=normal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# dotnet test prints one summary per test assembly: "Failed!  - Failed: 1, Passed: 41, Skipped: 0, ..."
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"

# A test must never leave a mount or a server behind. Only mounts that appeared during this run count:
# others on the machine (another developer's session, a manual mount) are not ours to judge or remove.
stale=$(comm -13 <(echo "$mounts_before") <(overlay_mounts))
if [ -n "$stale" ]; then
  echo "stale mounts left by the tests:"; echo "$stale"
  for m in $stale; do umount -l "$m" || true; done
  failed=$((failed + 1))
fi
rm -rf "$run_dir" 2>/dev/null
[ -n "$uring_before" ] && echo "$uring_before" > "$uring_param"

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
