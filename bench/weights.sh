#!/usr/bin/env bash
# Benchmark of `mlops sync-weights` against `s5cmd`, `aws s3 sync`,
# `rclone sync` and `cp`, all in the same run, on an in-memory S3 (gofakes3)
# on loopback:
#   (a) one 1 GiB object   (b) 1,000 x 1 MiB objects   (c) no-op re-sync of (b)
#   (a') the object of (a) with the CRC64NVME checksum S3 gives every new
#        object by default, instead of a SHA-256 one; (b') likewise for (b),
#        by mlops alone
#   (d) 10 x 200 MiB (a sharded checkpoint)   (e) 10,000 x 16 KiB (vocab-style
#       small files): mlops, s5cmd and the GET-only floor only
#   (f) (b) by mlops with LATENCY (default 2ms; LATENCY=0 skips it) added to
#       every fsync of a file, standing for EFS: the sync's bench-only file
#       layer (MLOPS_BENCH_FSYNC_DELAY), reported against the serial bound
#       (files x LATENCY) with the most fsyncs seen in flight
# Each figure is the median of RUNS runs (default 3). Dirty pages are flushed
# (not timed) before every run so no tool pays for another's writeback.
# Two floors are timed with them: `curl` fetching the same objects with the
# same 16 requests in flight into files (no verification, no fsync) -- for
# (a) and (d) also as the 8 MiB ranges the sync fetches, the faster of the
# two being the GET-only floor -- and
# `openssl` computing the SHA-256 of the same bytes on one core, the work the
# sync's verification cannot skip. For (a) and (b), whose objects carry a
# SHA256 checksum, and (d), a third floor runs both at once: the GET-only floor's
# curl (8 MiB ranges for (a), whole objects for (b)) while openssl hashes the
# same bytes (ranges for (d) too), the least any tool that downloads and checks a SHA-256 can do
# on this machine (the two compete for its cores as the sync's do). And for
# (a), (a'), (b) and (d) a fourth: GET then fsync, the GET-only floor's curl
# followed by `sync -f` of what it wrote, the least a download that is on
# disk when it ends can cost (the sync fsyncs every file before the switch;
# curl, s5cmd, rclone and aws do not). Last, for (a), (b) and (d), all of it: the
# GET and the SHA-256 at once, then the fsync -- everything the sync must do
# for a SHA256-checksummed object, by the leanest tools there are.
#
# Usage: bench/weights.sh            (from the repository root)
#        RUNS=5 WORK=/var/tmp/wb bench/weights.sh
# Sizes (defaults in brackets), e.g. for a quick check that the script runs:
#   LARGE_MIB [1024] MANY_N [1000] MANY_KIB [1024] SHARD_N [10] SHARD_MIB [200]
#   TINY_N [10000] TINY_KIB [16]
#   RUNS=1 LARGE_MIB=16 MANY_N=20 SHARD_N=2 SHARD_MIB=16 TINY_N=50 bench/weights.sh
# s5cmd v2.3.0 is built from its Go module (go mod download, then go build)
# into $WORK on first use.
set -euo pipefail

RUNS=${RUNS:-3}
LARGE_MIB=${LARGE_MIB:-1024} MANY_N=${MANY_N:-1000} MANY_KIB=${MANY_KIB:-1024}
SHARD_N=${SHARD_N:-10} SHARD_MIB=${SHARD_MIB:-200} TINY_N=${TINY_N:-10000} TINY_KIB=${TINY_KIB:-16}
LATENCY=${LATENCY:-2ms}
S5CMD_VERSION=v2.3.0
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

# s5cmd: the module is copied out of the module cache (read-only there) and
# built with its own go.mod.
need_s5cmd() {
  [ -x "$WORK/s5cmd" ] && return
  echo "building s5cmd $S5CMD_VERSION from its Go module" >&2
  local dir
  dir=$(cd "$WORK" && GOFLAGS=-mod=mod go mod download -json "github.com/peak/s5cmd/v2@$S5CMD_VERSION" | awk -F'"' '$2 == "Dir" {print $4}')
  rm -rf "$WORK/s5cmd-src" && cp -r "$dir" "$WORK/s5cmd-src" && chmod -R u+w "$WORK/s5cmd-src"
  (cd "$WORK/s5cmd-src" && GOFLAGS=-mod=mod go build -o "$WORK/s5cmd" .)
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
    mlopsslow) cmd=(env MLOPS_BENCH_FSYNC_DELAY="$LATENCY" "$WORK/mlops" sync-weights --source "s3://bench/$set" --target "$dest") ;;
    aws) cmd=("$AWS" --endpoint-url "$ENDPOINT" s3 sync --only-show-errors "s3://bench/$set" "$dest") ;;
    s5cmd) cmd=("$WORK/s5cmd" --endpoint-url "$ENDPOINT" sync "s3://bench/$set/*" "$dest/") ;;
    s5cp) cmd=("$WORK/s5cmd" --endpoint-url "$ENDPOINT" cp "s3://bench/$set/*" "$dest/") ;;
    rclone) cmd=(rclone sync "bench:bench/$set" "$dest") ;;
    curl) cmd=(curl -sSf -Z --parallel-max 16 --create-dirs --output-dir "$dest" --remote-name-all -K "$WORK/urls.$set") ;;
    curlr) cmd=(curl -sSf -Z --parallel-max 16 -K "$WORK/ranges.$set") ;;
    sha) cmd=(bash -c 'openssl dgst -sha256 "$1"/* >/dev/null' _ "data/$set") ;;
    getsha) # GET and SHA-256 at once: the ranged GETs for (a), whole objects for (b)
      local list="$WORK/urls.$set" more=(--create-dirs --output-dir "$dest" --remote-name-all)
      case $set in one | shards) list="$WORK/ranges.$set" more=() ;; esac
      cmd=(bash -c 'curl -sSf -Z --parallel-max 16 "${@:3}" -K "$1" & c=$!; openssl dgst -sha256 "$2"/* >/dev/null; wait $c' _ "$list" "data/$set" "${more[@]}") ;;
    getall) # GET and SHA-256 at once, then fsync
      local list="$WORK/urls.$set" more=(--create-dirs --output-dir "$dest" --remote-name-all) out=$dest
      case $set in one | shards) list="$WORK/ranges.$set" more=() out=$WORK/out/curlr ;; esac
      cmd=(bash -c 'curl -sSf -Z --parallel-max 16 "${@:4}" -K "$1" & c=$!; openssl dgst -sha256 "$2"/* >/dev/null; wait $c && sync -f "$3"' _ "$list" "data/$set" "$out" "${more[@]}") ;;
    getsync) # GET, then fsync of what was written: ranged GETs for (a), whole objects for (b)
      local list="$WORK/urls.$set" more=(--create-dirs --output-dir "$dest" --remote-name-all) out=$dest
      case $set in one | shards) list="$WORK/ranges.$set" more=() out=$WORK/out/curlr ;; esac
      cmd=(bash -c 'curl -sSf -Z --parallel-max 16 "${@:3}" -K "$1" && sync -f "$2"' _ "$list" "$out" "${more[@]}") ;;
    start) cmd=("$WORK/mlops" version) ;; # the process start every mlops command pays
    list) cmd=(curl -sSf -o /dev/null "$ENDPOINT/bench?list-type=2&prefix=$set/") ;; # the one request a no-op cannot skip
    cp) cmd=(cp -r "data/$set" "$dest") ;;
    cpsync) cmd=(bash -c 'cp -r "$1" "$2" && sync -f "$2"' _ "data/$set" "$dest") ;;
  esac
  [ "${key%%.*}" = noop ] || rm -rf "$dest"
  case $tool in curlr | getsha | getsync | getall) rm -rf "$WORK/out/curlr" ;; esac # where the ranged GETs write
  sync
  if ! /usr/bin/time -f "%e %U %S" -o "$WORK/last.time" "${cmd[@]}" >/dev/null 2>"$WORK/last.err"; then
    echo "$key failed:" >&2
    cat "$WORK/last.err" >&2
    exit 1
  fi
  awk '{print $1}' "$WORK/last.time" >>"$WORK/times/$key"
  awk '{printf "%.2f\n", $2 + $3}' "$WORK/last.time" >>"$WORK/times/$key.cpu"
  if [ "$tool" = mlopsslow ]; then # "... N file fsyncs (S s if serial), at most M in flight"
    sed -n 's/.*: \([0-9]*\) file fsyncs (\([0-9.]*\) s if serial), at most \([0-9]*\) in flight/\1 \2 \3/p' "$WORK/last.err" >>"$WORK/slow.fsyncs"
  fi
}

need
mkdir -p "$WORK"
need_s5cmd
cd "$WORK"
echo "work directory: $WORK" >&2

echo "building mlops and the S3 server" >&2
(cd "$ROOT" && go build -o "$WORK/mlops" . && go build -o "$WORK/s3server" ./bench/s3server)

SIZES="$LARGE_MIB $MANY_N $MANY_KIB $SHARD_N $SHARD_MIB $TINY_N $TINY_KIB"
if [ "$(cat data.complete 2>/dev/null)" != "$SIZES" ]; then
  echo "writing test data ($LARGE_MIB MiB, $MANY_N x $MANY_KIB KiB, $SHARD_N x $SHARD_MIB MiB, $TINY_N x $TINY_KIB KiB of random bytes)" >&2
  rm -rf data data.complete && mkdir -p data/one data/many data/shards data/tiny
  head -c $((LARGE_MIB << 20)) /dev/urandom >data/one/big.bin
  for i in $(seq -w 0 $((MANY_N - 1))); do head -c $((MANY_KIB << 10)) /dev/urandom >"data/many/f$i.bin"; done
  for i in $(seq -w 0 $((SHARD_N - 1))); do head -c $((SHARD_MIB << 20)) /dev/urandom >"data/shards/model-$i.safetensors"; done
  # one read of /dev/urandom cut into the small files
  head -c $((TINY_N * TINY_KIB << 10)) /dev/urandom | split -a 5 -d -b $((TINY_KIB << 10)) - data/tiny/v
  echo "$SIZES" >data.complete
fi

./s3server -load data -crc64nvme one,many >server.out 2>server.err &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 600); do [ -s server.out ] && break; sleep 0.1; done
ENDPOINT=$(awk '{print $1; exit}' server.out)
echo "S3 at $ENDPOINT: $(cut -d' ' -f2- server.out)" >&2
for set in one many shards tiny; do # curl's list of the objects of each set
  for f in data/$set/*; do echo "url = \"$ENDPOINT/bench/$set/${f##*/}\""; done >"urls.$set"
done
# The ranged floor of the large objects: the same 8 MiB ranges the sync
# GETs, 16 in flight, each into a file of its own (curl cannot write a range
# into its place in one file), so it is given the sync's parallelism.
for set in one shards; do
  for f in data/$set/*; do
    size=$(stat -c %s "$f")
    for ((off = 0, i = 0; off < size; off += 8 << 20, i++)); do
      [ "$f$off" = "$(ls data/$set/* | head -1)0" ] || echo next # between the groups of options of each GET
      printf 'url = "%s"\nrange = "%d-%d"\nfail\ncreate-dirs\noutput = "out/curlr/%s.%04d"\n' \
        "$ENDPOINT/bench/$set/${f##*/}" "$off" $((off + (8 << 20) - 1 < size - 1 ? off + (8 << 20) - 1 : size - 1)) "${f##*/}" "$i"
    done
  done >"ranges.$set"
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
TOOLS=(mlops s5cmd s5cp aws rclone curl curlr cp cpsync sha getsha getsync getall)
rm -rf times out slow.fsyncs && mkdir -p times out
for round in $(seq "$RUNS"); do
  echo "round $round of $RUNS (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  r=$(((round - 1) % ${#TOOLS[@]}))
  order=("${TOOLS[@]:r}" "${TOOLS[@]:0:r}")
  for set in one one-crc64nvme shards tiny many many-crc64nvme; do
    for tool in "${order[@]}"; do
      case $set.$tool in
        one-crc64nvme.curl* | one-crc64nvme.cp | one-crc64nvme.cpsync | one-crc64nvme.sha | one-crc64nvme.get*) continue ;; # (a'): the floors of (a)
        one.get* | many.get* | shards.get*) ;;
        *.get*) continue ;; # GET + SHA-256 and GET + fsync for (a), (b) and (d)
        shards.mlops | shards.s5cmd | shards.curl* | tiny.mlops | tiny.s5cmd | tiny.curl) ;;            # (d), (e): against the floor and s5cmd
        one.curlr) ;;
        many-crc64nvme.mlops) ;;
        many-crc64nvme.*) continue ;; # (b'): the sync alone, against the floors of (b)
        *.curlr) continue ;; # ranged GETs only for the large objects
        shards.* | tiny.*) continue ;;
        one.s5cp | one-crc64nvme.s5cp) ;;
        *.s5cp) continue ;; # s5cmd cp only for the large object
      esac
      measure "$set.$tool" "$tool" "$set" "out/$tool"
    done
  done
  # (f): (b) again with LATENCY per fsync.
  [ "$LATENCY" = 0 ] || measure slow.mlops mlopsslow many out/mlopsslow
  # (c) no-op: each target already holds (b) from the turn just taken.
  for tool in "${order[@]}"; do
    case $tool in mlops | aws | rclone | s5cmd) ;; *) continue ;; esac
    measure "noop.$tool" "$tool" many "out/$tool"
  done
  measure noop.start start many out/start
  measure noop.list list many out/list
done
declare -A R
for f in times/*; do
  k=${f#times/} # set.tool or set.tool.cpu
  R[${k%%.*},${k#*.}]=$(median <"$f")
done

ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}' || true; }
row() { # row LABEL SET SUFFIX [SET OF THE FLOORS]
  local fs=${4:-$2}
  local m=${R[$2,mlops$3]} g=${R[$fs,curl$3]:-} gr=${R[$fs,curlr$3]:-} s5=${R[$2,s5cmd$3]:-} s5c=${R[$2,s5cp$3]:-} r=${R[$2,rclone$3]:-}
  local gs=${R[$2,getsha$3]:-} # GET + SHA-256 at once: only for the SHA256-checksummed sets themselves
  local gy=${R[$fs,getsync$3]:-} # GET, then fsync
  local ga=${R[$2,getall$3]:-} # GET and SHA-256 at once, then fsync
  local floor=$g # GET only: the faster of whole objects and 8 MiB ranges
  [ -n "$gr" ] && awk -v a="$gr" -v b="$g" 'BEGIN {exit !(a < b)}' && floor=$gr
  local fastest=$s5 # fastest peer: the lower of s5cmd sync/cp and rclone
  for v in $s5c $r; do [ -z "$fastest" ] || awk -v a="$v" -v b="$fastest" 'BEGIN {exit !(a < b)}' && fastest=$v; done
  echo "| $1 | $m | $s5 | $s5c | ${R[$2,aws$3]:-} | $r | $g | $gr | ${R[$2,sha$3]:-} | $gs | $gy | $ga | ${R[$2,cp$3]:-} | ${R[$2,cpsync$3]:-} | $(ratio "$m" "$floor") | $(ratio "$m" "$gs") | $(ratio "$m" "$gy") | $(ratio "$m" "$ga") | $(ratio "$m" "$s5") | $(ratio "$m" "$s5c") | $(ratio "$m" "$fastest") | $(ratio "$m" "$r") | $(ratio "$m" "${R[$2,aws$3]:-}") |"
}
for what in "wall time, s" "CPU time (user + system), s"; do
  sfx=""; [ "${what%% *}" = CPU ] && sfx=".cpu"
  echo
  echo "$what:"
  echo
  echo "| case | mlops sync-weights | s5cmd sync | s5cmd cp | aws s3 sync | rclone sync | GET only (curl) | GET only, 8 MiB ranges (curl) | SHA-256 only (openssl) | GET + SHA-256 at once (curl, openssl) | GET, then fsync (curl, sync -f) | GET + SHA-256, then fsync | cp | cp + syncfs | mlops / GET only | mlops / GET + SHA-256 | mlops / GET, then fsync | mlops / GET + SHA-256, then fsync | mlops / s5cmd sync | mlops / s5cmd cp | mlops / fastest peer | mlops / rclone | mlops / aws |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  row "(a) 1 x $LARGE_MIB MiB" one "$sfx"
  row "(a') 1 x $LARGE_MIB MiB, CRC64NVME checksum (floors of (a))" one-crc64nvme "$sfx" one
  row "(b) $MANY_N x $MANY_KIB KiB" many "$sfx"
  row "(b') $MANY_N x $MANY_KIB KiB, CRC64NVME checksum (floors of (b))" many-crc64nvme "$sfx" many
  row "(c) no-op re-sync of (b)" noop "$sfx"
  row "(d) $SHARD_N x $SHARD_MIB MiB" shards "$sfx"
  row "(e) $TINY_N x $TINY_KIB KiB" tiny "$sfx"
done
echo
echo "(c) what a no-op re-sync of (b) is made of, wall time, s:"
echo
echo "| mlops no-op | mlops start (\`mlops version\`) | one listing of the $MANY_N keys (curl) | mlops no-op − start | s5cmd sync no-op | rclone sync no-op |"
echo "| --- | --- | --- | --- | --- | --- |"
echo "| ${R[noop,mlops]} | ${R[noop,start]} | ${R[noop,list]} | $(awk -v a="${R[noop,mlops]}" -v b="${R[noop,start]}" 'BEGIN {printf "%.2f", a-b}') | ${R[noop,s5cmd]} | ${R[noop,rclone]} |"
if [ "$LATENCY" != 0 ]; then
  read -r nf serial inflight < <(sort -n -k3 slow.fsyncs | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}')
  echo
  echo "(f) (b) with $LATENCY added to every fsync of a file (MLOPS_BENCH_FSYNC_DELAY, standing for EFS):"
  echo
  echo "| mlops (f), s | mlops (b), s | added by the latency, s | $nf fsyncs x $LATENCY serially, s | added / serial | fsyncs in flight, at most |"
  echo "| --- | --- | --- | --- | --- | --- |"
  added=$(awk -v a="${R[slow,mlops]}" -v b="${R[many,mlops]}" 'BEGIN {printf "%.2f", a-b}')
  echo "| ${R[slow,mlops]} | ${R[many,mlops]} | $added | $serial | $(ratio "$added" "$serial") | $inflight |"
fi
echo
echo "medians of $RUNS rounds; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $(uname -sr); $("$AWS" --version 2>&1 | cut -d' ' -f1); $(rclone version 2>/dev/null | head -1); s5cmd $S5CMD_VERSION"
