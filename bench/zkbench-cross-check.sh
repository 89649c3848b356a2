#!/usr/bin/env bash
# A neutral cross-check of `npm run bench` and `npm run bench:ensemble`: the same workloads
# driven by zkbench, a C load generator on the official ZooKeeper client
# (shared/tools/zkbench), against each server in turn. It builds zkbench in a temp copy
# (shared/ is read-only in CI), starts each server with dist/bench/serve.js (fresh data dir,
# ZooKeeper with -Xmx2g, fsync on for both; with TOPOLOGY=ensemble a 3-member ensemble of each
# on loopback, started as bench:ensemble does), runs one zkbench per op with --hosts listing
# every member (zkbench spreads its sessions round-robin over them) and --cpu-pids every member
# (server CPU is summed over them), prints zkbench's JSON lines on stdout and, on stderr, a
# table per run and, per topology, the median over repetitions with Warren/ZooKeeper ratios.
# Exit status 1 if any zkbench run or server start failed.
#
#   bench/zkbench-cross-check.sh                       # warren and zookeeper, all four ops
#   SERVERS=zookeeper OPS=get,set bench/zkbench-cross-check.sh
#   TOPOLOGY=standalone,ensemble REPEAT=2 bench/zkbench-cross-check.sh > runs.jsonl
#       # standalone: warren, zookeeper, warren, zookeeper; then the same with 3-member ensembles
#   CLIENTS=8 INFLIGHT=32 DURATION=8 WARMUP=2 SIZE=100 KEYS=1000 (the defaults)
#   TOPOLOGY=standalone REPEAT=1 MEMBERS=3 (the defaults; MEMBERS may be 3, 5 or 7)
#   ZKBENCH_SRC=/path/to/zkbench  (default: ../shared/tools/zkbench next to the repo)
# zkbench's JSON "label" is <server>#<repetition>, the server as serve.js names it: warren,
# zookeeper, warren-3, zookeeper-3.
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
TOPOLOGY="${TOPOLOGY:-standalone}"
REPEAT="${REPEAT:-1}"
MEMBERS="${MEMBERS:-3}"
READY_TIMEOUT_S=240 # serve.js gives up first (an ensemble: 90 s to start, 90 s to elect)

[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || { echo "REPEAT must be a positive integer" >&2; exit 2; }

if [[ -z "${ZKBENCH_SRC:-}" ]]; then
  ZKBENCH_SRC="$repo/../shared/tools/zkbench"
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

# Starts a server (or ensemble) in the background; sets serve_pid, server_hosts (every
# member's host:port) and server_pids (every member's pid, comma-separated).
start_server() {
  local name="$1" run="$2" info="$work/info-$1-$2" ctl="$work/ctl-$1-$2"
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
  server_pids="$(node -e 'const i = JSON.parse(process.argv[1]); console.log((i.pids ?? [i.pid]).join(","))' "$(cat "$info")")"
  echo "[cross-check] $name (run $run): pid(s) $server_pids on $server_hosts" >&2
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
IFS=',' read -r -a topologies <<<"$TOPOLOGY"
for topology in "${topologies[@]}"; do
  case "$topology" in
    standalone) suffix="" ;;
    ensemble) suffix="-$MEMBERS" ;;
    *) echo "TOPOLOGY must list standalone and/or ensemble, got $topology" >&2; exit 2 ;;
  esac
  for ((rep = 1; rep <= REPEAT; rep++)); do
    for server in "${servers[@]}"; do
      name="$server$suffix"
      if ! start_server "$name" "$rep"; then
        status=1
        stop_server
        continue
      fi
      for op in "${ops[@]}"; do
        zkop="$op"
        [[ "$op" == mixed ]] && zkop="mixed:90"
        echo "[cross-check] $name (run $rep): zkbench --op $zkop" >&2
        if ! "$zkbench" --hosts "$server_hosts" --op "$zkop" --clients "$CLIENTS" \
          --inflight "$INFLIGHT" --duration "$DURATION" --warmup "$WARMUP" --size "$SIZE" \
          --keys "$KEYS" --keep --label "$name#$rep" --cpu-pids "$server_pids" | tee -a "$results"; then
          echo "[cross-check] $name (run $rep): zkbench --op $zkop failed" >&2
          status=1
        fi
      done
      stop_server
    done
  done
done

# Summary: ops/s, p50/p99 and server CPU ms per 1000 ops (summed over an ensemble's members),
# from zkbench's own JSON: one row per run, then per server and op the median over repetitions
# and the Warren/ZooKeeper ratio (warren-3 against zookeeper-3 for ensembles).
node - "$results" >&2 <<'EOF'
const lines = require('node:fs').readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
const pad = (s, n) => String(s).padStart(n);
const fix = (v, d) => (Number.isFinite(v) ? v.toFixed(d) : '-');
const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rows = lines.map((line) => {
  const r = JSON.parse(line);
  const [server, rep = '1'] = r.label.split('#');
  return {
    label: r.label, server, rep, op: r.op, errors: r.errors,
    tput: r.ops_per_s,
    p50: r.lat_us.p50 / 1000, p99: r.lat_us.p99 / 1000, p999: r.lat_us.p999 / 1000,
    srv: r.cpu_window_s.server_ok && r.ops > 0 ? (r.cpu_window_s.server * 1e6) / r.ops : NaN,
    client: r.window_s > 0 ? r.cpu_window_s.client / r.window_s : NaN,
  };
});
console.error('\nzkbench summary');
console.error(`${'server#run'.padEnd(14)} ${'op'.padEnd(9)} ${pad('ops/s', 9)} ${pad('p50 ms', 8)} ` +
  `${pad('p99 ms', 8)} ${pad('p99.9 ms', 9)} ${pad('errors', 7)} ${pad('srv CPU ms/1k', 14)} ` +
  `${pad('client cores', 13)}`);
for (const r of rows) {
  console.error(`${r.label.padEnd(14)} ${r.op.padEnd(9)} ${pad(Math.round(r.tput), 9)} ` +
    `${pad(fix(r.p50, 2), 8)} ${pad(fix(r.p99, 2), 8)} ${pad(fix(r.p999, 2), 9)} ` +
    `${pad(r.errors, 7)} ${pad(fix(r.srv, 1), 14)} ${pad(fix(r.client, 2), 13)}`);
}
const groups = new Map();
for (const r of rows) {
  const key = `${r.server}\t${r.op}`;
  if (!groups.has(key)) groups.set(key, []);
  groups.get(key).push(r);
}
const med = (key) => {
  const g = groups.get(key);
  if (g === undefined) return null;
  const m = { runs: g.length };
  for (const f of ['tput', 'p50', 'p99', 'srv']) m[f] = median(g.map((r) => r[f]));
  return m;
};
console.error(`\nmedians over runs; ratio = Warren / ZooKeeper`);
console.error(`${'server'.padEnd(14)} ${'op'.padEnd(9)} ${pad('runs', 4)} ${pad('ops/s', 9)} ` +
  `${pad('p50 ms', 8)} ${pad('p99 ms', 8)} ${pad('srv CPU ms/1k', 14)}`);
const printed = new Set();
for (const key of groups.keys()) {
  const [server, op] = key.split('\t');
  const pair = server.replace(/^(warren|zookeeper)/, '');
  const w = `warren${pair}\t${op}`, z = `zookeeper${pair}\t${op}`;
  for (const k of [w, z, key]) {
    if (printed.has(k) || !groups.has(k)) continue;
    printed.add(k);
    const m = med(k);
    const [s] = k.split('\t');
    console.error(`${s.padEnd(14)} ${op.padEnd(9)} ${pad(m.runs, 4)} ${pad(Math.round(m.tput), 9)} ` +
      `${pad(fix(m.p50, 2), 8)} ${pad(fix(m.p99, 2), 8)} ${pad(fix(m.srv, 1), 14)}`);
  }
  if (printed.has(`ratio${pair}\t${op}`) || !groups.has(w) || !groups.has(z)) continue;
  printed.add(`ratio${pair}\t${op}`);
  const mw = med(w), mz = med(z);
  console.error(`${`ratio${pair}`.padEnd(14)} ${op.padEnd(9)} ${pad('', 4)} ` +
    `${pad(fix(mw.tput / mz.tput, 2), 9)} ${pad(fix(mw.p50 / mz.p50, 2), 8)} ` +
    `${pad(fix(mw.p99 / mz.p99, 2), 8)} ${pad(fix(mw.srv / mz.srv, 2), 14)}`);
}
EOF
exit "$status"
