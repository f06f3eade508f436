#!/usr/bin/env bash
# Benchmark of `mlops sync-weights` against `aws s3 sync`, `rclone sync` and
# `cp`, all in the same run, on an in-memory S3 (gofakes3) on loopback:
#   (a) one 1 GiB object   (b) 1,000 x 1 MiB objects   (c) no-op re-sync of (b)
#   (a') the object of (a) with the CRC64NVME checksum S3 gives every new
#        object by default, instead of a SHA-256 one
# Each figure is the median of RUNS runs (default 3). Dirty pages are flushed
# (not timed) before every run so no tool pays for another's writeback.
# Two floors are timed with them: `curl` fetching the same objects with the
# same 16 requests in flight into files (no verification, no fsync), and
# `openssl` computing the SHA-256 of the same bytes on one core, the work the
# sync's verification cannot skip.
#
# Usage: bench/weights.sh            (from the repository root)
#        RUNS=5 WORK=/var/tmp/wb bench/weights.sh
set -euo pipefail

RUNS=${RUNS:-3}
WORK=${WORK:-$(mktemp -d /var/tmp/weights-bench.XXXXXX)}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
AWS=/usr/bin/aws # Debian's awscli package, not any other aws on PATH

need() {
  local missing="" t
  for t in rclone curl openssl; do command -v "$t" >/dev/null || missing=1; done
  if [ -n "$missing" ] || [ ! -x "$AWS" ] || [ ! -x /usr/bin/time ]; then
    echo "installing awscli, rclone, curl, openssl and time (Debian packages)" >&2
    sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_=sudo
    $sudo_ apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq awscli rclone curl openssl time >/dev/null
  fi
}

now() { date +%s.%N; }

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# measure KEY TOOL SET DEST: removes DEST unless this is a no-op run, flushes
# dirty pages (untimed), runs the tool, and appends its wall time and its CPU
# time (user + system, its children included) to $WORK/times/KEY and KEY.cpu.
measure() {
  local key=$1 tool=$2 set=$3 dest=$4 cmd
  case $tool in
    mlops) cmd=("$WORK/mlops" sync-weights --source "s3://bench/$set" --target "$dest") ;;
    aws) cmd=("$AWS" --endpoint-url "$ENDPOINT" s3 sync --only-show-errors "s3://bench/$set" "$dest") ;;
    rclone) cmd=(rclone sync "bench:bench/$set" "$dest") ;;
    curl) cmd=(curl -sSf -Z --parallel-max 16 --create-dirs --output-dir "$dest" --remote-name-all -K "$WORK/urls.$set") ;;
    sha) cmd=(bash -c 'openssl dgst -sha256 "$1"/* >/dev/null' _ "data/$set") ;;
    cp) cmd=(cp -r "data/$set" "$dest") ;;
    cpsync) cmd=(bash -c 'cp -r "$1" "$2" && sync -f "$2"' _ "data/$set" "$dest") ;;
  esac
  [ "${key%%.*}" = noop ] || rm -rf "$dest"
  sync
  if ! /usr/bin/time -f "%e %U %S" -o "$WORK/last.time" "${cmd[@]}" >/dev/null 2>"$WORK/last.err"; then
    echo "$key failed:" >&2
    cat "$WORK/last.err" >&2
    exit 1
  fi
  awk '{print $1}' "$WORK/last.time" >>"$WORK/times/$key"
  awk '{printf "%.2f\n", $2 + $3}' "$WORK/last.time" >>"$WORK/times/$key.cpu"
}

need
mkdir -p "$WORK"
cd "$WORK"
echo "work directory: $WORK" >&2

echo "building mlops and the S3 server" >&2
(cd "$ROOT" && go build -o "$WORK/mlops" . && go build -o "$WORK/s3server" ./bench/s3server)

if [ ! -f data.complete ]; then
  echo "writing test data (1 GiB + 1,000 x 1 MiB of random bytes)" >&2
  rm -rf data && mkdir -p data/one data/many
  head -c $((1 << 30)) /dev/urandom >data/one/big.bin
  for i in $(seq -w 0 999); do head -c $((1 << 20)) /dev/urandom >"data/many/f$i.bin"; done
  touch data.complete
fi

./s3server -load data -crc64nvme one >server.out 2>server.err &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 600); do [ -s server.out ] && break; sleep 0.1; done
ENDPOINT=$(awk '{print $1; exit}' server.out)
echo "S3 at $ENDPOINT: $(cut -d' ' -f2- server.out)" >&2
for set in one many; do # curl's list of the objects of each set
  for f in data/$set/*; do echo "url = \"$ENDPOINT/bench/$set/${f##*/}\""; done >"urls.$set"
done

export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL=$ENDPOINT AWS_EC2_METADATA_DISABLED=true
export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other RCLONE_CONFIG_BENCH_ENDPOINT=$ENDPOINT \
  RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
  RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true
# The endpoint is plain HTTP on loopback; a CA bundle from the environment
# only breaks rclone's S3 client ("unable to load custom CA bundle").
unset GITHUB_ACTIONS MLOPS_CONFIG AWS_CA_BUNDLE AWS_PROFILE

# The tools take turns within every round, so load from other processes on
# the machine falls on all of them alike, and the order of the turns rotates
# from round to round: on these VMs the first write after the previous
# case's files are removed was seen to cost twice as much, and no tool
# should always be the one to pay it.
TOOLS=(mlops aws rclone curl cp cpsync sha)
rm -rf times out && mkdir -p times out
for round in $(seq "$RUNS"); do
  echo "round $round of $RUNS" >&2
  r=$(((round - 1) % ${#TOOLS[@]}))
  order=("${TOOLS[@]:r}" "${TOOLS[@]:0:r}")
  for set in one one-crc64nvme many; do
    for tool in "${order[@]}"; do
      case $set.$tool in # (a'): no floors, they are those of (a)
        one-crc64nvme.curl | one-crc64nvme.cp | one-crc64nvme.cpsync | one-crc64nvme.sha) continue ;;
      esac
      measure "$set.$tool" "$tool" "$set" "out/$tool"
    done
  done
  # (c) no-op: each target already holds (b) from the turn just taken.
  for tool in "${order[@]}"; do
    case $tool in mlops | aws | rclone) ;; *) continue ;; esac
    measure "noop.$tool" "$tool" many "out/$tool"
  done
done
declare -A R
for f in times/*; do
  k=${f#times/} # set.tool or set.tool.cpu
  R[${k%%.*},${k#*.}]=$(median <"$f")
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
row() { # row LABEL SET SUFFIX
  local m=${R[$2,mlops$3]} c=${R[$2,cp$3]:-} r=${R[$2,rclone$3]} a=${R[$2,aws$3]} g=${R[$2,curl$3]:-}
  echo "| $1 | $m | $a | $r | ${g:-} | ${R[$2,sha$3]:-} | ${c:-} | ${R[$2,cpsync$3]:-} | $([ -n "$c" ] && ratio "$m" "$c") | $(ratio "$m" "$r") | $(ratio "$m" "$a") | $([ -n "$c" ] && ratio "$g" "$c") |"
}
for what in "wall time, s" "CPU time (user + system), s"; do
  sfx=""; [ "${what%% *}" = CPU ] && sfx=".cpu"
  echo
  echo "$what:"
  echo
  echo "| case | mlops sync-weights | aws s3 sync | rclone sync | GET only (curl) | SHA-256 only (openssl) | cp | cp + syncfs | mlops / cp | mlops / rclone | mlops / aws | GET only / cp |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  row "(a) 1 x 1 GiB" one "$sfx"
  row "(a') 1 x 1 GiB, CRC64NVME checksum" one-crc64nvme "$sfx"
  row "(b) 1,000 x 1 MiB" many "$sfx"
  row "(c) no-op re-sync of (b)" noop "$sfx"
done
echo
echo "medians of $RUNS rounds; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $(uname -sr); $("$AWS" --version 2>&1 | cut -d' ' -f1); $(rclone version 2>/dev/null | head -1)"
