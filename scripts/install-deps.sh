#!/usr/bin/env bash
# What the tests and the benchmark need beyond the .NET SDK: FUSE tools, xattr tools, the peer overlay
# implementation we compare with, and a registry and the OCI tools for the image store. Installs only
# what is missing (needs root for apt-get).
set -euo pipefail

need=()
command -v fusermount3 >/dev/null || need+=(fuse3)
command -v getfattr >/dev/null || need+=(attr)
command -v fuse-overlayfs >/dev/null || need+=(fuse-overlayfs)
command -v bc >/dev/null || need+=(bc)
# The inode number tests put a lower layer on a filesystem of its own (a loop-mounted ext4 image).
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
# The volatile mount test traces the server's sync calls.
command -v strace >/dev/null || need+=(strace)
# The image tests pull from a real registry on 127.0.0.1, and check the store with the OCI tools.
[ -x /usr/bin/docker-registry ] || need+=(docker-registry)
command -v skopeo >/dev/null || need+=(skopeo)
command -v umoci >/dev/null || need+=(umoci)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ -e /dev/fuse ] || modprobe fuse
grep -qw overlay /proc/filesystems || modprobe overlay || true
