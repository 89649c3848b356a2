#!/usr/bin/env bash
# A neutral cross-check of `npm run bench`: the same workloads driven by zkbench, a C load
# generator on the official ZooKeeper client (shared/tools/zkbench), against each server in turn.
# It builds zkbench in a temp copy (shared/ is read-only in CI), starts each server with
# dist/bench/serve.js (fresh data dir, ZooKeeper with -Xmx2g, fsync on for both), runs one
# zkbench per op with --cpu-pids set to the server, prints zkbench's JSON lines on stdout and a
# summary table on stderr. Exit status 1 if any zkbench run or server start failed.
#
#   bench/zkbench-cross-check.sh                       # warren and zookeeper, all four ops
#   SERVERS=zookeeper OPS=get,set bench/zkbench-cross-check.sh
#   CLIENTS=8 INFLIGHT=32 DURATION=8 WARMUP=2 SIZE=100 KEYS=1000 (the defaults)
#   ZKBENCH_SRC=/path/to/zkbench  (default: ../shared/tools/zkbench next to the repo, or
#                                 /work/shared/tools/zkbench)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
SERVERS="${SERVERS:-warren,zookeeper}"
OPS="${OPS:-create,get,set,mixed}"
CLIENTS="${CLIENTS:-8}"
INFLIGHT="${INFLIGHT:-32}"
DURATION="${DURATION:-8}"
WARMUP="${WARMUP:-2}"
SIZE="${SIZE:-100}"
KEYS="${KEYS:-1000}"
READY_TIMEOUT_S=90

if [[ -z "${ZKBENCH_SRC:-}" ]]; then
  ZKBENCH_SRC="$repo/../shared/tools/zkbench"
  [[ -d "$ZKBENCH_SRC" ]] || ZKBENCH_SRC=/work/shared/tools/zkbench
fi
[[ -f "$ZKBENCH_SRC/zkbench.c" ]] || { echo "no zkbench sources in $ZKBENCH_SRC" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/zkbench-cross.XXXXXX")"
serve_pid=""
cleanup() {
  exec 3>&- 2>/dev/null || true
  if [[ -n "$serve_pid" ]] && kill -0 "$serve_pid" 2>/dev/null; then
    kill -TERM "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "[cross-check] building zkbench in $work" >&2
cp -r "$ZKBENCH_SRC" "$work/zkbench"
make -s -C "$work/zkbench" >&2
zkbench="$work/zkbench/zkbench"

if [[ ! -f "$repo/dist/bench/serve.js" ]]; then
  echo "[cross-check] building the repo (npx tsc -p .)" >&2
  (cd "$repo" && npx tsc -p .) >&2 || true # tsc emits even when unrelated files have errors
fi
[[ -f "$repo/dist/bench/serve.js" ]] || { echo "dist/bench/serve.js missing after build" >&2; exit 2; }

# Starts a server in the background; sets serve_pid, server_hosts, server_pid.
start_server() {
  local name="$1" info="$work/info-$1" ctl="$work/ctl-$1"
  mkfifo "$ctl"
  node "$repo/dist/bench/serve.js" "$name" <"$ctl" >"$info" &
  serve_pid=$!
  exec 3>"$ctl" # serve.js stops its server when this end is closed
  local waited=0
  until [[ -s "$info" ]]; do
    if ! kill -0 "$serve_pid" 2>/dev/null || ((waited >= READY_TIMEOUT_S * 10)); then
      echo "[cross-check] $name did not start" >&2
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  server_hosts="$(node -e 'const i = JSON.parse(process.argv[1]); console.log(i.connectString)' "$(cat "$info")")"
  server_pid="$(node -e 'const i = JSON.parse(process.argv[1]); console.log(i.pid)' "$(cat "$info")")"
  echo "[cross-check] $name: pid $server_pid on $server_hosts" >&2
}

stop_server() {
  exec 3>&-
  wait "$serve_pid" || true
  serve_pid=""
}

status=0
results="$work/results.jsonl"
: >"$results"
IFS=',' read -r -a servers <<<"$SERVERS"
IFS=',' read -r -a ops <<<"$OPS"
for name in "${servers[@]}"; do
  if ! start_server "$name"; then
    status=1
    stop_server
    continue
  fi
  for op in "${ops[@]}"; do
    zkop="$op"
    [[ "$op" == mixed ]] && zkop="mixed:90"
    echo "[cross-check] $name: zkbench --op $zkop" >&2
    if ! "$zkbench" --hosts "$server_hosts" --op "$zkop" --clients "$CLIENTS" \
      --inflight "$INFLIGHT" --duration "$DURATION" --warmup "$WARMUP" --size "$SIZE" \
      --keys "$KEYS" --keep --label "$name" --cpu-pids "$server_pid" | tee -a "$results"; then
      echo "[cross-check] $name: zkbench --op $zkop failed" >&2
      status=1
    fi
  done
  stop_server
done

# Summary: ops/s, p50/p99 and server CPU ms per 1000 ops, from zkbench's own JSON.
node - "$results" >&2 <<'EOF'
const lines = require('node:fs').readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
const pad = (s, n) => String(s).padStart(n);
console.error('\nzkbench summary');
console.error(`${'server'.padEnd(10)} ${'op'.padEnd(9)} ${pad('ops/s', 9)} ${pad('p50 ms', 8)} ` +
  `${pad('p99 ms', 8)} ${pad('p99.9 ms', 9)} ${pad('errors', 7)} ${pad('srv CPU ms/1k', 14)} ` +
  `${pad('client cores', 13)}`);
for (const line of lines) {
  const r = JSON.parse(line);
  const srv = r.cpu_window_s.server_ok && r.ops > 0 ? (r.cpu_window_s.server * 1e6) / r.ops : NaN;
  const client = r.window_s > 0 ? r.cpu_window_s.client / r.window_s : NaN;
  console.error(`${r.label.padEnd(10)} ${r.op.padEnd(9)} ${pad(Math.round(r.ops_per_s), 9)} ` +
    `${pad((r.lat_us.p50 / 1000).toFixed(2), 8)} ${pad((r.lat_us.p99 / 1000).toFixed(2), 8)} ` +
    `${pad((r.lat_us.p999 / 1000).toFixed(2), 9)} ${pad(r.errors, 7)} ${pad(srv.toFixed(1), 14)} ` +
    `${pad(client.toFixed(2), 13)}`);
}
EOF
exit "$status"
