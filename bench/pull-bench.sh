#!/usr/bin/env bash
# strata pull + strata mount-image of a large image, against skopeo copy + umoci unpack of the same image, both
# from a docker-registry on 127.0.0.1 that this script starts and stops. The image: about ten gzip layers made
# of dirs of this machine's /usr (a few hundred MB), the last one overwriting and deleting some files of the
# others. Prints every run, the medians and the ratio strata / (skopeo + umoci).
#
# Usage (root): bench/pull-bench.sh [-r REPEATS] [-o RESULTS.md] [-c]
#   -c drops the page cache before each run (the registry's blobs then come from disk); default: warm.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

repeats=5 results="" cold=no
while getopts "r:o:c" opt; do
  case $opt in
    r) repeats=$OPTARG ;; o) results=$OPTARG ;; c) cold=yes ;;
    *) echo "usage: $0 [-r REPEATS] [-o RESULTS.md] [-c]" >&2; exit 2 ;;
  esac
done

bench_install_tools
strata_bin=$(bench_build_strata)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
root=$(mktemp -d /tmp/strata-pull-bench-XXXXXX)
registry_pid=""
cleanup() {
  local m
  for m in "$root"/rootfs*; do
    while mountpoint -q "$m" 2>/dev/null; do umount -l "$m" || break; done
  done
  if [ -n "$registry_pid" ]; then kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; fi
  rm -rf "$root"
}
trap cleanup EXIT

# --- the registry -------------------------------------------------------------------------------------------
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$root/registry.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $root/registry
http:
  addr: 127.0.0.1:$port
EOF
/usr/bin/docker-registry serve "$root/registry.yml" >"$root/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/v2/" >/dev/null || { echo "docker-registry did not start: $(cat "$root/registry.log")" >&2; exit 1; }

# --- the image ----------------------------------------------------------------------------------------------
layer_dirs=()
for d in usr/include usr/lib/python3.11 usr/lib/python3 usr/lib/git-core usr/share/vim usr/share/icons \
         usr/sbin usr/libexec usr/lib/node_modules usr/share/perl5 usr/share/zoneinfo; do
  [ -d "/$d" ] && layer_dirs+=("$d")
  [ ${#layer_dirs[@]} -ge 9 ] && break
done
echo "# building the image from ${layer_dirs[*]} ..."
src="$root/src"
mkdir -p "$src/blobs/sha256" "$root/work"
layer_specs=()
make_layer() { # name, then tar arguments: writes a gzip blob, prints "blobhex diffhex size"
  local name=$1; shift
  local tarball="$root/work/$name.tar" diff blob
  tar --numeric-owner -cf "$tarball" "$@" 2>/dev/null || true
  diff=$(sha256sum "$tarball" | cut -d' ' -f1)
  gzip -6 < "$tarball" > "$tarball.gz"
  rm "$tarball"
  blob=$(sha256sum "$tarball.gz" | cut -d' ' -f1)
  mv "$tarball.gz" "$src/blobs/sha256/$blob"
  echo "$blob $diff $(stat -c %s "$src/blobs/sha256/$blob")"
}
for i in "${!layer_dirs[@]}"; do
  layer_specs+=("$(make_layer "l$i" -C / "${layer_dirs[$i]}")|ADD /${layer_dirs[$i]}")
done
# The last layer, as a RUN step would make it: a few files overwritten, a dir and some files deleted.
top="$root/work/top"
mkdir -p "$top/${layer_dirs[0]}"
first_files=$(cd / && find "${layer_dirs[0]}" -maxdepth 1 -type f | head -n 20)
for f in $(echo "$first_files" | head -n 10); do echo "overwritten by the top layer" > "$top/$f"; done
for f in $(echo "$first_files" | tail -n 10); do touch "$top/$(dirname "$f")/.wh.$(basename "$f")"; done
gone=$(cd / && find "${layer_dirs[1]}" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -n "$gone" ] && mkdir -p "$top/$(dirname "$gone")" && touch "$top/$(dirname "$gone")/.wh.$(basename "$gone")"
layer_specs+=("$(make_layer top -C "$top" usr)|RUN overwrite and delete")
python3 - "$src" "${layer_specs[@]}" <<'PY'
import hashlib, json, os, sys
src, specs = sys.argv[1], sys.argv[2:]
layers, diff_ids, history = [], [], []
for spec in specs:
    ids, created_by = spec.split("|", 1)
    blob, diff, size = ids.split()
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + blob, "size": int(size)})
    diff_ids.append("sha256:" + diff)
    history.append({"created": "2026-01-01T00:00:00Z", "created_by": created_by})
def blob(data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(src, "blobs", "sha256", digest), "wb") as f: f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}
arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)
config = json.dumps({"architecture": arch, "os": "linux", "created": "2026-01-01T00:00:00Z",
                     "rootfs": {"type": "layers", "diff_ids": diff_ids}, "history": history}).encode()
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **blob(config)),
                       "layers": layers}).encode()
m = blob(manifest)
index = {"schemaVersion": 2, "manifests": [dict(mediaType="application/vnd.oci.image.manifest.v1+json",
         annotations={"org.opencontainers.image.ref.name": "bench"}, **m)]}
with open(os.path.join(src, "index.json"), "w") as f: json.dump(index, f)
with open(os.path.join(src, "oci-layout"), "w") as f: json.dump({"imageLayoutVersion": "1.0.0"}, f)
PY
ref="127.0.0.1:$port/bench/usr:1"
skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$src:bench" "docker://$ref"
layers=${#layer_specs[@]}
layer_blobs=()
for spec in "${layer_specs[@]}"; do layer_blobs+=("${spec%% *}"); done
compressed_mb=$(awk '{ s += $3 } END { printf "%.0f", s / 1e6 }' <<<"$(printf '%s\n' "${layer_specs[@]}" | cut -d'|' -f1)")
uncompressed_mb=$(du -sb "${layer_dirs[@]/#//}" | awk '{ s += $1 } END { printf "%.0f", s / 1e6 }')
files=$(find "${layer_dirs[@]/#//}" | wc -l)
rm -rf "$src" "$root/work"
echo "# image $ref: $layers layers, ${compressed_mb} MB compressed, ${uncompressed_mb} MB of files, $files entries"

# --- the runs -----------------------------------------------------------------------------------------------
# Each run starts from nothing: an empty store (strata), an empty layout and bundle dir (skopeo, umoci).
# What the previous run wrote is removed first, then synced, then left alone for a few seconds: ext4 without a
# journal does not reuse an inode deleted in the last 5 s (300 s while its table block is dirty) and scans past
# every such one when it allocates, which made each run pay for the deletes of the one before.
fresh() {
  rm -rf "$@"
  sync
  sleep 6
  [ "$cold" = yes ] && bench_drop_caches
  return 0
}
strata_run() { # prints "pull mount"
  fresh "$root/store"
  mkdir -p "$root/rootfs"
  local pull mount
  pull=$(bench_time $strata_bin pull -q --root "$root/store" "$ref")
  mount=$(bench_time $strata_bin mount-image --root "$root/store" "$ref" "$root/rootfs")
  [ -d "$root/rootfs/${layer_dirs[0]}" ] || { echo "the strata rootfs lacks /${layer_dirs[0]}" >&2; exit 1; }
  $strata_bin umount "$root/rootfs"
  echo "$pull $mount"
}
# The floor for either: GNU tar extracting each layer blob into a dir of its own (no verification, no
# whiteouts, nothing else), from the layout skopeo wrote.
floor_run() {
  fresh "$root/floor"
  mkdir -p "$root/floor"
  bench_time bash -c 'i=0; for hex in "${@:2}"; do mkdir "$1/$i"; tar -xzf "$1/../oci/blobs/sha256/$hex" -C "$1/$i" || exit 1; i=$((i + 1)); done' \
    _ "$root/floor" "${layer_blobs[@]}"
}
peer_run() { # prints "copy unpack"
  fresh "$root/oci" "$root/bundle"
  local copy unpack
  copy=$(bench_time skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$ref" "oci:$root/oci:bench")
  unpack=$(bench_time umoci unpack --image "$root/oci:bench" "$root/bundle")
  [ -d "$root/bundle/rootfs/${layer_dirs[0]}" ] || { echo "the umoci rootfs lacks /${layer_dirs[0]}" >&2; exit 1; }
  echo "$copy $unpack"
}

# Once, untimed: both ways must give the same tree (names, types, sizes, contents, modes).
$strata_bin pull -q --root "$root/store" "$ref" >/dev/null
mkdir -p "$root/rootfs"
$strata_bin mount-image --root "$root/store" "$ref" "$root/rootfs" >/dev/null
peer_run >/dev/null
if ! diff -r --no-dereference "$root/rootfs" "$root/bundle/rootfs" >"$root/diff.txt" 2>&1; then
  echo "the strata root and the umoci root differ:" >&2; head -n 20 "$root/diff.txt" >&2; exit 1
fi
echo "# check: the mounted strata root and the umoci bundle's rootfs are the same tree"
$strata_bin umount "$root/rootfs"

header=$(printf '%-6s %9s %9s %9s   %9s %9s %9s   %7s   %9s' run pull mount strata copy unpack peer ratio tar-floor)
echo "$header"
s_pull=() s_mount=() s_total=() p_copy=() p_unpack=() p_total=() floor=() raw=()
for ((i = 1; i <= repeats; i++)); do
  read -r pull mount <<<"$(strata_run)"
  read -r copy unpack <<<"$(peer_run)"
  tar_floor=$(floor_run)
  total=$(awk -v a="$pull" -v b="$mount" 'BEGIN { printf "%.4f", a + b }')
  peer=$(awk -v a="$copy" -v b="$unpack" 'BEGIN { printf "%.4f", a + b }')
  ratio=$(awk -v a="$total" -v b="$peer" 'BEGIN { printf "%.3f", a / b }')
  line=$(printf '%-6s %9s %9s %9s   %9s %9s %9s   %7s   %9s' "$i" "$pull" "$mount" "$total" "$copy" "$unpack" "$peer" "$ratio" "$tar_floor")
  echo "$line"
  raw+=("$line")
  s_pull+=("$pull") s_mount+=("$mount") s_total+=("$total") p_copy+=("$copy") p_unpack+=("$unpack") p_total+=("$peer") floor+=("$tar_floor")
done
med() { printf '%s\n' "$@" | bench_median; }
m_total=$(med "${s_total[@]}") m_peer=$(med "${p_total[@]}")
m_ratio=$(awk -v a="$m_total" -v b="$m_peer" 'BEGIN { printf "%.3f", a / b }')
summary=$(printf '%-6s %9s %9s %9s   %9s %9s %9s   %7s   %9s' median "$(med "${s_pull[@]}")" "$(med "${s_mount[@]}")" "$m_total" \
  "$(med "${p_copy[@]}")" "$(med "${p_unpack[@]}")" "$m_peer" "$m_ratio" "$(med "${floor[@]}")")
echo "$summary"
echo "# ratio of the medians, strata / (skopeo + umoci): $m_ratio (target: at most 0.5)"

if [ -n "$results" ]; then
  {
    echo "# Pull benchmark results"
    echo
    echo "- date: $(date -u +%Y-%m-%d)"
    echo "- machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r), $(df -T /tmp | awk 'NR == 2 { print $2 }') under /tmp"
    echo "- command: \`$0 $*\` ($repeats runs, page cache $([ "$cold" = yes ] && echo "dropped before each run" || echo "warm"))"
    echo "- strata: ${strata_bin#$PWD/} ($([ "${strata_bin%% *}" = dotnet ] && echo "framework-dependent build: Native AOT could not be built" || echo "Native AOT, scripts/publish.sh")); peers: $(skopeo --version), $(umoci --version)"
    echo "- load average (1, 5, 15 min) at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared)"
    echo "- image: $layers gzip layers, one each of ${layer_dirs[*]}, and a top layer that overwrites and deletes; ${compressed_mb} MB compressed, ${uncompressed_mb} MB of files, $files entries; served by docker-registry ($(dpkg-query -W -f '${Version}' docker-registry 2>/dev/null)) on 127.0.0.1"
    echo
    echo "strata = \`strata pull -q\` + \`strata mount-image\` (FUSE driver) into an empty store; peer = \`skopeo copy docker://... oci:...\`"
    echo "+ \`umoci unpack\` into an empty layout and bundle. Seconds; ratio = strata / peer (lower is better for strata)."
    echo "tar-floor = GNU \`tar -xzf\` of each layer blob into a dir of its own: what unpacking alone costs on this machine."
    echo
    echo '```'
    echo "$header"
    printf '%s\n' "${raw[@]}"
    echo "$summary"
    echo '```'
  } > "$results"
  echo "# results written to $results"
fi
