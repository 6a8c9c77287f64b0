#!/usr/bin/env bash
# Publishes strata as one native executable (Native AOT) to artifacts/strata: no .NET needed to run it,
# and a mount is live in tens of milliseconds. Needs clang for the native link (installed if missing, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang >/dev/null; }
rid="linux-$(uname -m | sed -e 's/x86_64/x64/' -e 's/aarch64/arm64/')"
dotnet publish src/Strata.Cli -c Release -r "$rid" -p:PublishAot=true -p:DebugType=none -o artifacts -nologo -v q
rm -f artifacts/*.xml
echo "artifacts/strata"
