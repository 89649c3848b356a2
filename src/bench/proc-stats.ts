/**
 * CPU and memory figures from Linux /proc: a process's utime+stime (/proc/<pid>/stat, in
 * clock ticks), its resident set (/proc/<pid>/status VmRSS and VmHWM), and the whole
 * machine's busy time (/proc/stat). Each reader returns null where /proc is not available
 * or the process is gone, so a benchmark against a remote target still runs.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const DEFAULT_CLOCK_TICKS = 100;
let clockTicks: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`, 100 on Linux almost always). */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      const out = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5_000 });
      const parsed = Number(out.trim());
      clockTicks = Number.isInteger(parsed) && parsed > 0 ? parsed : DEFAULT_CLOCK_TICKS;
    } catch (error) {
      process.emitWarning(`getconf CLK_TCK failed, assuming ${DEFAULT_CLOCK_TICKS}`, {
        detail: String(error),
      });
      clockTicks = DEFAULT_CLOCK_TICKS;
    }
  }
  return clockTicks;
}

export function coreCount(): number {
  return cpus().length;
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** utime + stime of a process (all its threads) in ms, or null if it is gone. */
export function processCpuMs(pid: number): number | null {
  const text = readOrNull(`/proc/${pid}/stat`);
  if (text === null) return null;
  // comm (field 2) may contain spaces and parentheses: count fields after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is state (field 3), so utime (field 14) is fields[11] and stime fields[12].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return ((utime + stime) * 1000) / clockTicksPerSecond();
}

export interface MemoryFigures {
  rssMiB: number;
  /** Peak resident set (VmHWM). */
  peakRssMiB: number;
}

export function processMemory(pid: number): MemoryFigures | null {
  const text = readOrNull(`/proc/${pid}/status`);
  if (text === null) return null;
  const kib = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    return match === null ? NaN : Number(match[1]);
  };
  return { rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
}

export interface MachineCpu {
  busyMs: number;
  totalMs: number;
}

/** Busy and total CPU time of all cores since boot, or null without /proc/stat. */
export function machineCpu(): MachineCpu | null {
  const text = readOrNull('/proc/stat');
  if (text === null) return null;
  const line = text.split('\n', 1)[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
  const busy = user + nice + system + irq + softirq + steal;
  const toMs = 1000 / clockTicksPerSecond();
  return { busyMs: busy * toMs, totalMs: (busy + idle + iowait) * toMs };
}

/** Busy share of the machine between two samples, 0..1. */
export function machineBusyShare(
  before: MachineCpu | null,
  after: MachineCpu | null,
): number | null {
  if (before === null || after === null) return null;
  const total = after.totalMs - before.totalMs;
  return total > 0 ? (after.busyMs - before.busyMs) / total : null;
}
