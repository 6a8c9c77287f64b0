#!/usr/bin/env bash
# find and cat over a lower tree of many small files, through kernel overlayfs, fuse-overlayfs and Strata
# on identical layers, in one run; prints medians and the ratio of each to kernel overlayfs.
# Usage (root): bench/find-cat.sh [FILES] [REPEATS]      defaults: 10000 files, 5 repeats
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-10000}
repeats=${2:-5}
per_dir=100

bash scripts/install-deps.sh >/dev/null
dotnet build src/Strata.Cli -c Release -nologo -v q >/dev/null
strata=(dotnet "$PWD/src/Strata.Cli/bin/Release/net10.0/strata.dll")

root=$(mktemp -d /tmp/strata-bench-XXXXXX)
cleanup() {
  for m in "$root"/m-*; do mountpoint -q "$m" && umount -l "$m"; done
  rm -rf "$root"
}
trap cleanup EXIT

echo "building a lower tree of $files files in $((files / per_dir)) dirs..."
mkdir -p "$root/lower"
for ((d = 0; d < files / per_dir; d++)); do
  mkdir "$root/lower/d$d"
  for ((f = 0; f < per_dir; f++)); do printf 'file %d of dir %d\n' "$f" "$d" > "$root/lower/d$d/f$f"; done
done

mountit() { # name -> mount point
  local name=$1 m="$root/m-$1"
  mkdir -p "$m" "$root/u-$name" "$root/w-$name"
  local opts="lowerdir=$root/lower,upperdir=$root/u-$name,workdir=$root/w-$name"
  case $name in
    plain) mount --bind "$root/lower" "$m" ;;
    kernel) mount -t overlay overlay -o "$opts" "$m" ;;
    fuse-overlayfs) fuse-overlayfs -o "$opts" "$m" ;;
    strata) "${strata[@]}" mount -o "$opts" "$m" ;;
  esac
}

time_cmd() { # prints seconds
  local start end
  start=$(date +%s.%N); "$@" >/dev/null 2>&1; end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

targets=(plain kernel fuse-overlayfs strata)
declare -A result
for t in "${targets[@]}"; do mountit "$t"; done
for t in "${targets[@]}"; do
  m="$root/m-$t"
  for workload in find-cold find-warm cat-cold cat-warm; do
    samples=()
    for ((i = 0; i < repeats; i++)); do
      case $workload in
        *-cold) sync; echo 3 > /proc/sys/vm/drop_caches ;;
        *-warm) find "$m" >/dev/null; find "$m" -type f -exec cat {} + >/dev/null ;;
      esac
      case $workload in
        find-*) samples+=("$(time_cmd find "$m")") ;;
        cat-*) samples+=("$(time_cmd find "$m" -type f -exec cat {} +)") ;;
      esac
    done
    result[$t,$workload]=$(printf '%s\n' "${samples[@]}" | median)
  done
done

echo
echo "$(uname -r), $(nproc) cores, $files files, median of $repeats; ratio = time / kernel overlayfs time"
printf '%-16s' workload; for t in "${targets[@]}"; do printf '%22s' "$t"; done; echo
for workload in find-cold find-warm cat-cold cat-warm; do
  printf '%-16s' "$workload"
  k=${result[kernel,$workload]}
  for t in "${targets[@]}"; do
    v=${result[$t,$workload]}
    printf '%13.3fs %6.2fx' "$v" "$(echo "$v / $k" | bc -l)"
  done
  echo
done
