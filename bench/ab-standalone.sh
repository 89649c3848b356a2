#!/usr/bin/env bash
# A/B of two Warren builds, standalone, with zkbench: server CPU per operation and throughput,
# the two builds alternating (old, new, then new, old, ...) so that drift on a shared machine
# falls on both. Used to check that a change does not make a write costlier (issue 8).
#   bench/ab-standalone.sh OLD_REPO NEW_REPO PAIRS OUT.jsonl [ops, default create,get,mixed]
# Each repo must be built (dist/). ZKBENCH: a built zkbench (default: build one from
# ../shared/tools/zkbench in a temp copy). One JSON line per run in OUT.jsonl (side, pair, op,
# load average, zkbench's line); a summary line per run on stdout.
set -euo pipefail
old=$1 new=$2 pairs=$3 out=$4 ops=${5:-create,get,mixed}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
zkbench=${ZKBENCH:-}
if [[ -z "$zkbench" ]]; then
  build=$(mktemp -d /tmp/zkbench-ab.XXXX)
  cp -r "$here/../../shared/tools/zkbench/." "$build/"
  make -s -C "$build" >&2
  zkbench=$build/zkbench
fi
run_side() {
  local side=$1 repo=$2 pair=$3
  local dir; dir=$(mktemp -d /tmp/ab-standalone.XXXX)
  local port=$((44000 + RANDOM % 4000))
  node "$repo/dist/src/cli/main.js" server --port $port --host 127.0.0.1 --data-dir "$dir/data" \
    --log-level warn > "$dir/server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 200); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  IFS=',' read -r -a list <<<"$ops"
  for op in "${list[@]}"; do
    local zop=$op; [[ $op == mixed ]] && zop=mixed:90
    local load; load=$(cut -d' ' -f1 /proc/loadavg)
    local line; line=$("$zkbench" --hosts 127.0.0.1:$port --op $zop --clients 8 --inflight 32 \
      --duration 6 --warmup 2 --size 100 --keep --label "$side#$pair" --cpu-pids $pid 2>/dev/null | tail -1)
    echo "{\"side\":\"$side\",\"pair\":$pair,\"op\":\"$op\",\"load1\":$load,\"zkbench\":$line}" >> "$out"
    node -e 'const r=JSON.parse(process.argv[1]);const z=r.zkbench,c=z.cpu_window_s;console.log(r.side,r.pair,r.op,"ops/s",Math.round(z.ops_per_s),"cpu ms/1k",(c.server*1e6/z.ops).toFixed(1),"other cores",((c.machine_busy-c.server-c.client)/z.window_s).toFixed(2))' "$(tail -1 "$out")"
  done
  kill -INT $pid; wait $pid || true
  rm -rf "$dir"
}
for ((p = 1; p <= pairs; p++)); do
  if ((p % 2)); then run_side old "$old" $p; run_side new "$new" $p
  else run_side new "$new" $p; run_side old "$old" $p; fi
done
