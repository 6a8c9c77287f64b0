#!/usr/bin/env bash
# The performance issue's workloads, in one run, on plain ext4 (no overlay: the physical limit), kernel
# overlayfs, fuse-overlayfs and Strata over identical layers. Prints a table of medians and each target's
# ratio to kernel overlayfs (for times: lower is better; for MB/s and IOPS: higher is better).
#
# Usage (root): bench/overlay-bench.sh [-r REPEATS] [-s SCALE] [-o RESULTS.md] [-w WORKLOADS] [-u on|off]
#   SCALE 1 is the issue's size (100k-file tree, 1 GiB files, 20k-file repo); 0.1 is a quick run.
#   WORKLOADS: a comma list of names from the table (default: all), e.g. -w find,stat
#   -u: FUSE over io_uring for Strata (default on: the fuse module's enable_uring is set for the run and put
#   back afterwards; fuse-overlayfs does not use it either way); off: Strata's mount serves through /dev/fuse.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

repeats=3 scale=1 results="" only="" uring=on
while getopts "r:s:o:w:u:" opt; do
  case $opt in
    r) repeats=$OPTARG ;; s) scale=$OPTARG ;; o) results=$OPTARG ;; w) only=",$OPTARG," ;; u) uring=$OPTARG ;;
    *) echo "usage: $0 [-r REPEATS] [-s SCALE] [-o RESULTS.md] [-w WORKLOADS] [-u on|off]" >&2; exit 2 ;;
  esac
done
case $uring in on | off) ;; *) echo "-u takes on or off, not '$uring'" >&2; exit 2 ;; esac
n() { awk -v s="$scale" -v v="$1" 'BEGIN { x = int(v * s); print (x < 1 ? 1 : x) }'; }
tree_files=$(n 100000) tree_dirs=$(n 1000) wide=$(n 10000) creates=$(n 10000) deletes=$(n 10000)
appends=$(n 1000) big_mb=$(n 1024) repo_files=$(n 20000)

bench_install_tools
strata_bin=$(bench_build_strata)
root=$(mktemp -d /tmp/strata-overlay-bench-XXXXXX)
uring_before=$(bench_uring_set "$uring")
run_root=$root # $root moves to the tmpfs for the tmpfs rows; the cleanup must take the whole run's dir
trap 'bench_cleanup "$run_root"; bench_uring_restore "$uring_before"' EXIT
lower="$root/lower"

echo "# building layers in $root (scale $scale)..."
bench_make_layers "$lower" "$tree_files" "$tree_dirs" "$wide" "$deletes" "$appends" "$big_mb" "$repo_files"
tarball="$root/usr.tar"
tar -cf "$tarball" -C / usr/include usr/share/perl5 2>/dev/null || true
echo "# layers ready: $(du -sh "$lower" | cut -f1), tarball $(du -h "$tarball" | cut -f1)"

targets=(plain kernel fuse-overlayfs strata)
skipped="" # targets a row leaves out (its cell shows "-")
declare -A value unit samples_of
BENCH_ORDER=()

# A workload: name, unit, a "prepare" step run untimed before each repetition, and the timed step.
run_workload() { # name unit fresh(yes/no) command...
  local name=$1 u=$2 fresh=$3; shift 3
  [[ -z $only || $only == *",$name,"* || $only == *",${name%%-*},"* || $only == *",${name%-requests},"* ]] || return 0
  # The targets take turns within each repetition, so that a slow spell of the machine (its disk is a host
  # file: writeback there can halve a run's throughput for seconds) falls on all of them, not on one; and each
  # repetition starts one target further on, so that none always runs right after the same one (seqwrite by
  # hand, median of 5 pairs: kernel then Strata 0.89x, Strata then kernel 1.01x).
  local -A samples=()
  local k n=${#targets[@]}
  for ((i = 0; i < repeats; i++)); do
    for ((k = 0; k < n; k++)); do
      local t=${targets[(i + k) % n]}
      [[ " $skipped " == *" $t "* ]] && continue
      [ "$fresh" = yes ] && bench_remount "$root" "$t" "$strata_bin"
      samples[$t]+="$("$@" "$root/m-$t" "$t")"$'\n'
    done
  done
  for t in "${targets[@]}"; do
    value[$t,$name]=$(printf '%s' "${samples[$t]-}" | bench_median)
    samples_of[$t,$name]=$(printf '%s' "${samples[$t]-}" | paste -sd ' ')
  done
  unit[$name]=$u
  BENCH_ORDER+=("$name")
  bench_print_row "$name" "$u" value "${targets[@]}"
}

for t in "${targets[@]}"; do bench_remount "$root" "$t" "$strata_bin"; done
bench_print_header "${targets[@]}"

# 9. Mount latency (command start to mount live).
w_mount() { bench_mount_latency "$root" "$2" "$strata_bin"; }
run_workload mount-latency s no w_mount

# 1. find over the 100k-file tree, cold and warm; the server's peak RSS after it (Strata gives find the names
# only, so few nodes exist then: see server-rss-100k below for the RSS with every file looked up).
w_find_cold() { bench_drop_caches; bench_time find "$1/tree"; }
w_find_warm() { find "$1/tree" >/dev/null; bench_time find "$1/tree"; }
run_workload find-cold s no w_find_cold
run_workload find-warm s no w_find_warm
w_rss() { bench_server_rss_mb "$2" "$1"; }
run_workload server-rss MB no w_rss

# No allocation per request: bytes the server's readers allocated per request. The first pass over the tree
# creates a node per file (state, not garbage); the warm pass (stats, listings, opens and reads of known
# files) is the steady state, where a request should allocate nothing.
w_alloc_first() { [ "$2" = strata ] || { echo nan; return; }; find "$1/tree" -type f -printf '%s\n' >/dev/null; bench_strata_alloc_per_request "$strata_bin" "$1"; }
w_alloc_pass() {
  find "$1/tree" -type f -printf '%s\n' >/dev/null; ls -l "$1/wide" >/dev/null
  find "$1/tree" -type f | head -n 500 | xargs cat >/dev/null
}
w_alloc_warm() {
  [ "$2" = strata ] || { echo nan; return; }
  w_alloc_pass "$1" # the first pass makes the nodes; the second one is measured
  local before; before=$(bench_strata_alloc_counters "$strata_bin" "$1")
  w_alloc_pass "$1"
  bench_strata_alloc_since "$strata_bin" "$1" "$before"
}
run_workload alloc-first-pass B yes w_alloc_first
run_workload alloc-per-req B yes w_alloc_warm

# 2. stat of every file of that tree, first pass and warm.
w_stat_first() { bench_drop_caches; bench_time find "$1/tree" -type f -printf '%s\n'; }
w_stat_warm() { find "$1/tree" -type f -printf '%s\n' >/dev/null; bench_time find "$1/tree" -type f -printf '%s\n'; }
run_workload stat-first s no w_stat_first
run_workload stat-warm s no w_stat_warm
# The server's peak RSS once every file of the tree has been looked up (100k nodes, after the stats above).
run_workload server-rss-100k MB no w_rss

# 3. ls -l of the 10k-entry dir merged from 3 lowers, then repeated readdir of it.
w_ls() { bench_drop_caches; bench_time ls -l "$1/wide"; }
w_readdir() { bench_time bash -c 'for i in 1 2 3 4 5 6 7 8 9 10; do ls -f "$0" >/dev/null; done' "$1/wide"; }
run_workload ls-l s no w_ls
# Not one of the issue's workloads: FUSE requests an entry of that cold listing (the FUSE targets only). Multiplied
# by the roundtrip row's price of a request, it is the part of the ls-l row that kernel overlayfs does not pay.
w_ls_requests() {
  bench_fuse_target "$2" || { echo nan; return; }
  local entries; entries=$(ls -A "$1/wide" | wc -l)
  bench_drop_caches
  bench_fuse_requests "$entries" ls -l "$1/wide"
}
run_workload ls-l-requests req no w_ls_requests
run_workload readdir-x10 s no w_readdir

# 4. Create 10k files of 4 KiB; delete 10k lower files (whiteouts).
w_create() { bench_time bash -c 'mkdir "$0/new"; head -c 4096 /dev/zero > "$0/.blk"; for ((i = 0; i < $1; i++)); do cp "$0/.blk" "$0/new/f$i"; done' "$1" "$creates"; }
w_delete() { bench_time rm -rf "$1/del"; }
run_workload create s yes w_create
run_workload delete s yes w_delete
# Not one of the issue's workloads: FUSE requests a deleted file (the FUSE targets only), as for ls-l-requests.
w_delete_requests() { bench_fuse_target "$2" || { echo nan; return; }; bench_fuse_requests "$deletes" rm -rf "$1/del"; }
run_workload delete-requests req yes w_delete_requests

# 5. Copy-up: append to 1k lower files of 64 KiB; first write to a 1 GiB lower file.
# Written back first, as for seqwrite: a copy-up is synced (as the kernel's is), and that sync must not also pay for
# the data and freed blocks the previous target's run left behind.
w_append() { sync; bench_time bash -c 'for f in "$0"/append/*; do echo x >> "$f"; done' "$1"; }
w_first_write() { sync; bench_time bash -c 'printf x | dd of="$0/big/file" bs=1 seek=4096 conv=notrunc status=none' "$1"; }
run_workload copyup-append s yes w_append
run_workload copyup-1g s yes w_first_write

# 6. fio: sequential read of the big lower file cold and warm, sequential write of a new file, 4 KiB random reads.
w_seqread_cold() { bench_drop_caches; bench_fio "$1/big/file" read 1M "$big_mb"; }
w_seqread_warm() { cat "$1/big/file" >/dev/null; bench_fio "$1/big/file" read 1M "$big_mb"; }
# The dirty data and freed blocks of the previous runs are written back first, so that no run pays for another's.
w_seqwrite() { sync; bench_fio "$1/written" write 1M "$big_mb"; }
w_randread() { cat "$1/big/file" >/dev/null; bench_fio "$1/big/file" randread 4k "$big_mb" iops; }
run_workload seqread-cold MB/s no w_seqread_cold
run_workload seqread-warm MB/s no w_seqread_warm
run_workload seqwrite MB/s yes w_seqwrite
run_workload randread-4k IOPS no w_randread

# 7. Extract a tarball of a real tree into the merged dir.
w_untar() { bench_time tar -xf "$tarball" -C "$1"; }
run_workload untar s yes w_untar
# Not one of the issue's workloads: FUSE requests an entry of the tarball (the FUSE targets only): with the
# roundtrip row, the floor under the untar row, since the kernel's FUSE client sends most of them whatever the
# server answers (bench/RESULTS.md, stop 25, lists them).
tar_entries=$(tar -tf "$tarball" | wc -l)
w_untar_requests() { bench_fuse_target "$2" || { echo nan; return; }; bench_fuse_requests "$tar_entries" tar -xf "$tarball" -C "$1"; }
run_workload untar-requests req yes w_untar_requests

# 8. git status in a 20k-file repository kept in a lower.
w_git() { git -C "$1/repo" status --porcelain >/dev/null; bench_time git -C "$1/repo" status --porcelain; }
run_workload git-status s no w_git

# Not one of the issue's workloads: the price of one request that the kernel sends to a FUSE server every time
# (see getxattr-loop.c), in microseconds a call. It is the floor under the untar row: about eight such round trips
# per file that kernel overlayfs does not make.
getxattr_loop="$root/getxattr-loop"
cc -O2 -o "$getxattr_loop" bench/getxattr-loop.c
w_roundtrip() { echo x > "$1/roundtrip"; "$getxattr_loop" "$1/roundtrip" "$(n 200000)"; }
run_workload roundtrip us no w_roundtrip

# Not issue workloads either: the copy-up loop and 4 KiB creates (written by the shell itself, no process a file)
# with every layer on a tmpfs. No disk and no ext4 allocator add their noise there (on this VM's ext4, 1000
# copy-ups vary by 50-150 ms between runs of one target), so these rows show better what each target's own work
# costs. The create row held within about 15% between runs; the copy-up row has a slow spell for a minute or two
# right after the layers are built (with -w tmpfs), so compare its samples, not only its median (bench/RESULTS.md,
# stop 24). plain has no overlay to measure here.
if [[ -z $only || $only == *",tmpfs,"* || $only == *",tmpfs-"* ]]; then
  root="$run_root/tmpfs" skipped=plain
  mkdir -p "$root"
  mount -t tmpfs -o size=4G tmpfs "$root"
  mkdir -p "$root/lower/0" "$root/lower/1" "$root/lower/2"
  cp -a "$run_root/lower/0/append" "$root/lower/0/"
  w_create_by_shell() {
    bench_time bash -c 'mkdir "$0/new"; printf -v blk "%4096s" ""; for ((i = 0; i < $1; i++)); do printf "%s" "$blk" > "$0/new/f$i"; done' "$1" "$creates"
  }
  run_workload tmpfs-copyup s yes w_append
  run_workload tmpfs-create s yes w_create_by_shell
  # Its mounts stay until the run's cleanup, which takes every mount below the run's dir.
  root=$run_root skipped=""
fi

if [ -n "$results" ]; then
  bench_write_results "$results" "$0 $*" "$scale" "$repeats" value unit samples_of "${targets[@]}"
  bench_strata_transport "$strata_bin" "$root/m-strata" >> "$results"
  echo "# results written to $results"
fi
