#!/usr/bin/env bash
# Benchmark of `mlops sync-weights` against `aws s3 sync`, `rclone sync` and
# `cp`, all in the same run, on an in-memory S3 (gofakes3) on loopback:
#   (a) one 1 GiB object   (b) 1,000 x 1 MiB objects   (c) no-op re-sync of (b)
# Each figure is the median of RUNS runs (default 3). Dirty pages are flushed
# (not timed) before every run so no tool pays for another's writeback.
#
# Usage: bench/weights.sh            (from the repository root)
#        RUNS=5 WORK=/var/tmp/wb bench/weights.sh
set -euo pipefail

RUNS=${RUNS:-3}
WORK=${WORK:-$(mktemp -d /var/tmp/weights-bench.XXXXXX)}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
AWS=/usr/bin/aws # Debian's awscli package, not any other aws on PATH

need() {
  if ! command -v rclone >/dev/null || [ ! -x "$AWS" ]; then
    echo "installing awscli and rclone (Debian packages)" >&2
    sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_=sudo
    $sudo_ apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq awscli rclone >/dev/null
  fi
}

now() { date +%s.%N; }

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# measure KEY SETUP CMD...: runs SETUP (untimed), flushes dirty pages, times CMD
# and appends the seconds to $WORK/times/KEY.
measure() {
  local key=$1 setup=$2 s e
  shift 2
  eval "$setup"
  sync
  s=$(now)
  if ! "$@" >/dev/null 2>"$WORK/last.err"; then
    echo "$key failed:" >&2
    cat "$WORK/last.err" >&2
    exit 1
  fi
  e=$(now)
  awk -v s="$s" -v e="$e" 'BEGIN {printf "%.3f\n", e-s}' >>"$WORK/times/$key"
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

./s3server -load data >server.out 2>server.err &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 600); do [ -s server.out ] && break; sleep 0.1; done
ENDPOINT=$(awk '{print $1; exit}' server.out)
echo "S3 at $ENDPOINT: $(cut -d' ' -f2- server.out)" >&2

export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL=$ENDPOINT AWS_EC2_METADATA_DISABLED=true
export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other RCLONE_CONFIG_BENCH_ENDPOINT=$ENDPOINT \
  RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
  RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true
# The endpoint is plain HTTP on loopback; a CA bundle from the environment
# only breaks rclone's S3 client ("unable to load custom CA bundle").
unset GITHUB_ACTIONS MLOPS_CONFIG AWS_CA_BUNDLE AWS_PROFILE

# mlops runs in $WORK, where there is no .github/mlops.yml: flags only.
mlops_sync() { "$WORK/mlops" sync-weights --source "s3://bench/$1" --target "$2"; }
# awscli before 2.13 ignores AWS_ENDPOINT_URL, so the endpoint is passed as a flag.
aws_sync() { "$AWS" --endpoint-url "$ENDPOINT" s3 sync --only-show-errors "s3://bench/$1" "$2"; }
rclone_sync() { rclone sync "bench:bench/$1" "$2"; }
cp_copy() { cp -r "data/$1" "$2"; }
fn() { case $1 in mlops) echo mlops_sync ;; aws) echo aws_sync ;; rclone) echo rclone_sync ;; cp) echo cp_copy ;; esac; }

# The tools take turns within every round, so load from other processes on
# the machine falls on all of them alike.
rm -rf times out && mkdir -p times out
for round in $(seq "$RUNS"); do
  echo "round $round of $RUNS" >&2
  for set in one many; do
    for tool in mlops aws rclone cp; do
      measure "$set.$tool" "rm -rf out/$tool" "$(fn $tool)" "$set" "out/$tool"
    done
    # cp leaves its data in the page cache; mlops flushes before it switches.
    # cp followed by syncfs(2) of the target shows what that flush costs.
    measure "$set.cpsync" "rm -rf out/cpsync" bash -c "cp -r data/$set out/cpsync && sync -f out/cpsync"
  done
  # (c) no-op: each target already holds (b) from the turn just taken.
  for tool in mlops aws rclone; do
    measure "noop.$tool" ":" "$(fn $tool)" many "out/$tool"
  done
done
declare -A R
for f in times/*; do
  k=${f#times/}
  R[${k%.*},${k#*.}]=$(median <"$f")
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
echo
echo "| case | mlops sync-weights | aws s3 sync | rclone sync | cp | cp + syncfs | mlops / cp | mlops / rclone | mlops / aws |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for set in one many; do
  name=$([ $set = one ] && echo "(a) 1 x 1 GiB" || echo "(b) 1,000 x 1 MiB")
  echo "| $name | ${R[$set,mlops]} s | ${R[$set,aws]} s | ${R[$set,rclone]} s | ${R[$set,cp]} s | ${R[$set,cpsync]} s | $(ratio "${R[$set,mlops]}" "${R[$set,cp]}") | $(ratio "${R[$set,mlops]}" "${R[$set,rclone]}") | $(ratio "${R[$set,mlops]}" "${R[$set,aws]}") |"
done
echo "| (c) no-op re-sync of (b) | ${R[noop,mlops]} s | ${R[noop,aws]} s | ${R[noop,rclone]} s | | | | $(ratio "${R[noop,mlops]}" "${R[noop,rclone]}") | $(ratio "${R[noop,mlops]}" "${R[noop,aws]}") |"
echo
echo "medians of $RUNS runs; $(nproc) cores; $(uname -sr); $("$AWS" --version 2>&1 | cut -d' ' -f1); $(rclone version 2>/dev/null | head -1)"
