#!/usr/bin/env bash
# Coverage-guided fuzzing by hand: AFL++ (Debian's afl++) drives the SharpFuzz harness over an instrumented
# Strata.Image (tar guard, reader, unpacker) or Strata.Union (mount option parser and validator).
#   bash fuzz/run.sh tar|options [SECONDS]      (default 300)
# Findings go to fuzz/out/TARGET/findings (crashes/ and hangs/ hold the inputs); replay one with
#   dotnet fuzz/out/TARGET/app/Strata.Fuzz.dll TARGET replay FILE
set -euo pipefail
target=${1:?usage: fuzz/run.sh tar|options [SECONDS]}
seconds=${2:-300}
cd "$(dirname "$0")/.."
[ "$target" = tar ] || [ "$target" = options ] || { echo "target must be tar or options"; exit 2; }
command -v afl-fuzz >/dev/null || apt-get install -y afl++ >/dev/null
out=fuzz/out/$target
tools=fuzz/out/tools
rm -rf "$out/app"
dotnet publish fuzz/Strata.Fuzz -c Release -o "$out/app" -nologo -v q
[ -x "$tools/sharpfuzz" ] || dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null
for dll in Strata.Image.dll Strata.Union.dll; do "$tools/sharpfuzz" "$out/app/$dll"; done
rm -rf "$out/seeds"
dotnet "$out/app/Strata.Fuzz.dll" "$target" seeds "$out/seeds"
# No system settings are changed (the machine is shared): AFL is told to live with core_pattern and the CPU governor.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1
input=$out/seeds
if [ -d "$out/findings/default/queue" ]; then input=-; export AFL_AUTORESUME=1; fi  # go on from the last run's corpus
afl-fuzz -i "$input" -o "$out/findings" -V "$seconds" -t 5000 -m none -- dotnet "$out/app/Strata.Fuzz.dll" "$target" >"$out/afl.log" 2>&1 || { tail -20 "$out/afl.log"; exit 1; }
stats=$out/findings/default/fuzzer_stats
echo "$target: $(awk -F' *: *' '/^execs_done/{e=$2} /^corpus_count/{c=$2} /^saved_crashes/{x=$2} /^saved_hangs/{h=$2} /^bitmap_cvg/{b=$2} END{print e" executions, "c" inputs in the corpus, coverage "b", "x" crashes, "h" hangs"}' "$stats")"
