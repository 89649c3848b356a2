/**
 * The comparison's cross-check: bench/zkbench-cross-check.sh (zkbench, a C load generator on the
 * official client) on the headline workloads, standalone, one run per server. Its JSON lines and
 * summary land next to the results; the markdown table here has zkbench's Warren ÷ ZooKeeper
 * ratios for the same figures as warren bench's.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface ZkbenchLine {
  label: string;
  op: string;
  ops: number;
  ops_per_s: number;
  errors: number;
  lat_us: { p99: number };
  cpu_window_s: { server: number; server_ok: boolean };
}

/** The cross-check's load: the same as warren bench's in the comparison. */
export interface CrossCheckPlan {
  ops: readonly string[];
  durationS: string;
  warmupS: string;
}

function runScript(repo: string, out: string, plan: CrossCheckPlan): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(repo, 'bench', 'zkbench-cross-check.sh')], {
      env: {
        ...process.env,
        ...{ OPS: plan.ops.join(','), TOPOLOGY: 'standalone', REPEAT: '1' },
        ...{ DURATION: plan.durationS, WARMUP: plan.warmupS },
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      writeFileSync(join(out, 'zkbench.jsonl'), stdout);
      writeFileSync(join(out, 'zkbench.txt'), stderr);
      resolve(code);
    });
  });
}

export async function crossCheck(
  repo: string,
  out: string,
  plan: CrossCheckPlan,
  say: (text: string) => void,
): Promise<string> {
  const ops = plan.ops;
  say(`zkbench cross-check: ${ops.join(',')}`);
  const code = await runScript(repo, out, plan).catch(() => null);
  const lines = readFileSync(join(out, 'zkbench.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as ZkbenchLine);
  const find = (server: string, op: string): ZkbenchLine | undefined =>
    lines.find(
      (l) => l.label.split('#')[0] === server && l.op === (op === 'mixed' ? 'mixed:90' : op),
    ) ?? lines.find((l) => l.label.split('#')[0] === server && l.op.startsWith(op));
  const cpu = (l: ZkbenchLine): number =>
    l.cpu_window_s.server_ok && l.ops > 0 ? (l.cpu_window_s.server * 1e6) / l.ops : NaN;
  const fix = (v: number, d: number): string => (Number.isFinite(v) ? v.toFixed(d) : '-');
  const rows = [
    '| workload | throughput W÷Z | server CPU/op W÷Z | p99 W÷Z | Warren ops/s | ZooKeeper ops/s | errors W/Z |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const op of ops) {
    const w = find('warren', op);
    const z = find('zookeeper', op);
    if (w === undefined || z === undefined) {
      rows.push(`| ${op} | - | - | - | - | - | zkbench gave no result |`);
      continue;
    }
    rows.push(
      `| ${op} | ${fix(w.ops_per_s / z.ops_per_s, 2)} | ${fix(cpu(w) / cpu(z), 2)} | ` +
        `${fix(w.lat_us.p99 / z.lat_us.p99, 2)} | ${Math.round(w.ops_per_s)} | ` +
        `${Math.round(z.ops_per_s)} | ${w.errors}/${z.errors} |`,
    );
  }
  const note =
    code === 0 ? '' : `\n\nzkbench-cross-check.sh exited ${String(code)}: see zkbench.txt.`;
  return (
    `zkbench 8 x 32, 100-byte values, 1000 keys, standalone, one run per server, ` +
    `${plan.durationS} s after ${plan.warmupS} s of warm-up:\n\n` +
    rows.join('\n') +
    note
  );
}
