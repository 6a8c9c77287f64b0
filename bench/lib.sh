# Helpers shared by the benchmark scripts (sourced, not run).

bench_install_tools() {
  bash scripts/install-deps.sh >/dev/null
  local need=()
  command -v fio >/dev/null || need+=(fio)
  command -v git >/dev/null || need+=(git)
  command -v python3 >/dev/null || need+=(python3)
  command -v cc >/dev/null || need+=(gcc)
  command -v perf >/dev/null || need+=(linux-perf)
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

# The published (Native AOT) strata, as a user runs it; the framework-dependent build where AOT cannot be built.
bench_build_strata() {
  if bash scripts/publish.sh >/dev/null 2>&1; then
    echo "$PWD/artifacts/strata"
  else
    dotnet build src/Strata.Cli -c Release -nologo -v q >/dev/null
    echo "dotnet $PWD/src/Strata.Cli/bin/Release/net10.0/strata.dll"
  fi
}

bench_cleanup() {
  local root=$1 m
  # Every mount below the run's dir, the deepest first (the tmpfs rows mount their targets inside a tmpfs there).
  for m in $(awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/self/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf "$root"
}

# FUSE over io_uring for the run: prints the fuse module's enable_uring as it was (empty where the kernel has none).
bench_uring_set() {
  local param=/sys/module/fuse/parameters/enable_uring old
  old=$(cat "$param" 2>/dev/null || true)
  [ -n "$old" ] && { [ "$1" = on ] && echo Y || echo N; } > "$param"
  echo "$old"
}

bench_uring_restore() { [ -z "$1" ] || echo "$1" > /sys/module/fuse/parameters/enable_uring; }

# A results line: how requests reached Strata's server in this run ("strata stats" of the live mount).
bench_strata_transport() {
  local via
  via=$($1 stats "$2" 2>/dev/null | sed -n 's/^requests come through: *//p')
  echo
  echo "Strata's requests came through ${via:-(unknown: no stats)}; fuse-overlayfs reads /dev/fuse (libfuse)."
}

bench_drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches; }

# Seconds taken by a command (its output discarded).
bench_time() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1 || { echo "command failed: $*" >&2; echo nan; return 0; }
  end=$(date +%s%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f\n", (b - a) / 1e9 }'
}

bench_median() {
  { grep -v nan || true; } | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# Lowers (mounted as lowerdir=2:1:0): a big tree, a wide dir merged from all three with shadowed and
# whited-out names, files to delete and to append to, a big file, and a git repository.
bench_make_layers() {
  local lower=$1 tree_files=$2 tree_dirs=$3 wide=$4 deletes=$5 appends=$6 big_mb=$7 repo_files=$8
  mkdir -p "$lower/0" "$lower/1" "$lower/2"
  local per_dir=$(((tree_files + tree_dirs - 1) / tree_dirs))
  python3 - "$lower" "$tree_files" "$per_dir" "$wide" "$deletes" "$appends" "$repo_files" <<'PY'
import os, sys
lower, tree_files, per_dir, wide, deletes, appends, repo_files = sys.argv[1], *map(int, sys.argv[2:])
def write(path, data):
    with open(path, "wb") as f: f.write(data)
for i in range(tree_files):
    d = f"{lower}/0/tree/d{i // per_dir}"
    if i % per_dir == 0: os.makedirs(d, exist_ok=True)
    write(f"{d}/f{i}", b"file %d\n" % i)
for layer, lo, hi in ((0, 0, int(wide * 0.6)), (1, int(wide * 0.4), wide)):
    os.makedirs(f"{lower}/{layer}/wide", exist_ok=True)
    for i in range(lo, hi): write(f"{lower}/{layer}/wide/f{i}", b"w%d\n" % i)
os.makedirs(f"{lower}/2/wide", exist_ok=True)
for i in range(max(1, wide // 20)):
    os.mknod(f"{lower}/2/wide/f{i}", 0o20000, os.makedev(0, 0))  # whiteout
    write(f"{lower}/2/wide/g{i}", b"g\n")
os.makedirs(f"{lower}/0/del")
for i in range(deletes): write(f"{lower}/0/del/f{i}", b"x")
os.makedirs(f"{lower}/0/append")
block = os.urandom(65536)
for i in range(appends): write(f"{lower}/0/append/f{i}", block)
for i in range(repo_files):
    d = f"{lower}/0/repo/d{i // 100}"
    if i % 100 == 0: os.makedirs(d, exist_ok=True)
    write(f"{d}/f{i}.c", b"int f%d(void) { return %d; }\n" % (i, i))
PY
  mkdir -p "$lower/0/big"
  dd if=/dev/urandom of="$lower/0/big/file" bs=1M count="$big_mb" status=none
  git -C "$lower/0/repo" init -q
  git -C "$lower/0/repo" add -A
  git -C "$lower/0/repo" -c user.name=bench -c user.email=bench@localhost commit -qm tree
  # plain: the merged view as an ordinary dir tree, the physical limit.
  local ro="$lower/../ro"
  mkdir -p "$ro"
  mount -t overlay overlay -o "lowerdir=$lower/2:$lower/1:$lower/0" "$ro"
  cp -a "$ro" "$lower/../plain-src"
  umount "$ro"
}

# Puts what a repetition wrote out of the way instead of deleting it, until the run ends. ext4 without a journal
# (as on the test VM) passes over every inode freed in the last 5 s (305 s while its inode table block is dirty)
# at each inode it allocates in that group (find_inode_bit, recently_deleted): a 9,000-file tree deleted right
# before an extraction into the same place made that extraction pay for the deletion (kernel overlayfs by hand:
# 0.4-0.8 s without, 2-6 s with; plain's untar, which deleted its last tree in place, 2.5-4.1 s against the
# kernel's 0.4 s in one run). Big files go at once: they free few inodes and much space.
bench_discard() {
  local root=$1 trash p
  shift
  # A tmpfs has no such allocator, and keeping everything would fill it.
  if [ "$(stat -f -c %T "$root")" = tmpfs ]; then rm -rf "$@"; return; fi
  mkdir -p "$root/trash"
  trash=$(mktemp -d "$root/trash/XXXXXX")
  for p in "$@"; do
    if [ -e "$p" ]; then mv "$p" "$trash/"; fi
  done
  find "$trash" -type f -size +1M -delete 2>/dev/null || true
}

# A fresh mount of the target (fresh upper and work dir); for plain, fresh copies of what the writing workloads change.
bench_remount() {
  local root=$1 t=$2 strata=$3 m="$root/m-$2" lower="$root/lower"
  if [ "$t" = plain ]; then
    if [ ! -d "$m" ]; then cp -a "$root/plain-src" "$m"; return; fi
    bench_discard "$root" "$m/new" "$m/written" "$m/usr" "$m/del" "$m/append" "$m/big"
    cp -a "$root/plain-src/del" "$root/plain-src/append" "$root/plain-src/big" "$m/"
    return
  fi
  while mountpoint -q "$m"; do umount "$m" 2>/dev/null || umount -l "$m"; done
  bench_discard "$root" "$root/u-$t" "$root/w-$t"
  mkdir -p "$m" "$root/u-$t" "$root/w-$t"
  bench_mount "$root" "$t" "$strata"
}

bench_mount() {
  local root=$1 t=$2 strata=$3 m="$root/m-$2" lower="$root/lower"
  local opts="lowerdir=$lower/2:$lower/1:$lower/0,upperdir=$root/u-$t,workdir=$root/w-$t"
  case $t in
    kernel) mount -t overlay overlay -o "$opts" "$m" ;;
    fuse-overlayfs) fuse-overlayfs -o "$opts" "$m" 2>/dev/null ;;
    strata) $strata mount -o "$opts" "$m" ;;
  esac
}

# Seconds from the mount command's start until the mount answers.
bench_mount_latency() {
  local root=$1 t=$2 strata=$3 m="$root/m-$2"
  [ "$t" = plain ] && { echo nan; return; }
  while mountpoint -q "$m"; do umount "$m"; done
  local start end
  start=$(date +%s%N)
  bench_mount "$root" "$t" "$strata"
  stat "$m/tree" >/dev/null
  end=$(date +%s%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f\n", (b - a) / 1e9 }'
}

bench_fuse_target() { [ "$1" = strata ] || [ "$1" = fuse-overlayfs ]; }

# Requests the kernel sent to FUSE servers (any of them: the run's mounts are the only ones) while a command ran,
# divided by the command's units of work: PER COMMAND... Counted at the fuse:fuse_request_send tracepoint.
bench_fuse_requests() {
  local per=$1 out
  shift
  out=$(mktemp)
  if ! perf stat -x, -e fuse:fuse_request_send -a -o "$out" -- "$@" >/dev/null 2>&1; then
    echo "command failed: $*" >&2
    rm -f "$out"
    echo nan
    return 0
  fi
  awk -F, -v per="$per" '$3 == "fuse:fuse_request_send" { printf "%.2f\n", $1 / per; found = 1 } END { if (!found) print "nan" }' "$out"
  rm -f "$out"
}

# Peak resident memory of the mount's server process, in MB.
bench_server_rss_mb() {
  local t=$1 m=$2 pid
  case $t in
    strata) pid=$(pgrep -f -- "strata (mount|--serve-detached) .* $m\$" | head -n 1) ;;
    fuse-overlayfs) pid=$(pgrep -f -- "fuse-overlayfs .* $m\$" | head -n 1) ;;
    *) echo nan; return ;;
  esac
  [ -n "$pid" ] || { echo nan; return; }
  awk '/^VmHWM:/ { printf "%.1f\n", $2 / 1024 }' "/proc/$pid/status"
}

# Bytes allocated on the request path per request, from "strata stats".
bench_strata_alloc_per_request() {
  local strata=$1 m=$2
  $strata stats "$m" | awk -F'[(]' '/allocated on request path/ { split($2, a, " "); print a[1] }'
}

# "REQUESTS BYTES": the server's counters now.
bench_strata_alloc_counters() {
  local strata=$1 m=$2
  $strata stats "$m" | awk '/requests handled/ { r = $3 } /allocated on request path/ { b = $5 } END { print r, b }'
}

# Bytes allocated per request since the counters given ("REQUESTS BYTES").
bench_strata_alloc_since() {
  local strata=$1 m=$2 before=$3
  echo "$before $(bench_strata_alloc_counters "$strata" "$m")" |
    awk '{ n = $3 - $1; printf "%.2f\n", (n > 0 ? ($4 - $2) / n : 0) }'
}

# fio on one file: MB/s, or IOPS with a fourth argument "iops".
bench_fio() {
  local file=$1 rw=$2 bs=$3 size_mb=$4 what=${5:-bw} extra=()
  [ "$rw" = randread ] && extra=(--runtime=10 --time_based)
  [ "$rw" = write ] && extra=(--end_fsync=1)
  # --invalidate=0: fio drops the file's page cache before it starts by default (POSIX_FADV_DONTNEED), which
  # makes a "warm" run cold on ext4 and kernel overlayfs (ovl_fadvise passes it down) but not through FUSE,
  # which has no fadvise request. The cold runs drop every cache first instead.
  fio --name=bench --filename="$file" --rw="$rw" --bs="$bs" --size="${size_mb}M" --ioengine=psync --invalidate=0 \
      --output-format=json "${extra[@]}" 2>/dev/null |
    python3 -c 'import json, sys
job = json.load(sys.stdin)["jobs"][0]
side = job["write"] if sys.argv[1] == "write" else job["read"]
print("%.1f" % (side["iops"] if sys.argv[2] == "iops" else side["bw"] / 1024))' "$rw" "$what" || echo nan
}

bench_print_header() {
  printf '%-14s %-5s' workload unit
  local t
  for t in "$@"; do printf ' %22s' "$t"; done
  echo
}

# One row: each target's median and its ratio to kernel overlayfs.
bench_print_row() {
  local name=$1 u=$2
  local -n v=$3
  shift 3
  printf '%-14s %-5s' "$name" "$u"
  local k=${v[kernel,$name]} t
  for t in "$@"; do
    printf ' %22s' "$(bench_cell "${v[$t,$name]}" "$k")"
  done
  echo
}

bench_cell() {
  awk -v x="$1" -v k="$2" 'BEGIN {
    if (x == "nan" || x == "") { print "-"; exit }
    if (k == "nan" || k == "" || k + 0 == 0) { printf "%.4g\n", x; exit }
    printf "%.4g (%.2fx)\n", x, x / k }'
}

bench_write_results() {
  local file=$1 cmd=$2 scale=$3 repeats=$4
  local -n vals=$5
  local -n units=$6
  local -n raw=$7
  shift 7
  {
    echo "# Benchmark results"
    echo
    echo "- date: $(date -u +%Y-%m-%d)"
    echo "- machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r), $(df -T /tmp | awk 'NR == 2 { print $2 }') under /tmp"
    echo "- command: \`$cmd\` (scale $scale, median of $repeats)"
    echo "- peers: $(fuse-overlayfs --version 2>/dev/null | grep -m1 "fuse-overlayfs:")"
    echo
    echo "Each cell: the median, and in brackets its ratio to kernel overlayfs. For s and us (time) lower is better;"
    echo "for MB/s and IOPS higher is better."
    echo
    printf '| workload | unit |'
    local t name
    for t in "$@"; do printf ' %s |' "$t"; done
    echo
    printf '| --- | --- |'
    for t in "$@"; do printf ' ---: |'; done
    echo
    for name in "${BENCH_ORDER[@]}"; do
      printf '| %s | %s |' "$name" "${units[$name]}"
      for t in "$@"; do printf ' %s |' "$(bench_cell "${vals[$t,$name]}" "${vals[kernel,$name]}")"; done
      echo
    done
    echo
    echo "Every sample, in the order of the repetitions (each repetition starts one target further on):"
    echo
    printf '| workload |'
    for t in "$@"; do printf ' %s |' "$t"; done
    echo
    printf '| --- |'
    for t in "$@"; do printf ' --- |'; done
    echo
    for name in "${BENCH_ORDER[@]}"; do
      printf '| %s |' "$name"
      for t in "$@"; do printf ' %s |' "${raw[$t,$name]:--}"; done
      echo
    done
  } > "$file"
}
