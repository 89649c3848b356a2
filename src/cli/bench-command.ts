/**
 * `warren bench`: a benchmark for any ZooKeeper-protocol server (Warren, Apache ZooKeeper,
 * others), given its address. The table (or --json) goes to stdout, progress to stderr; exit
 * status 1 when a workload failed, a reply carried an error or the cleanup did not finish.
 */
import type { Command } from 'commander';
import { addBenchOptions, benchOptionsFrom, type RawBenchFlags } from '../bench/options.js';
import { BenchProgress } from '../bench/progress.js';
import { benchJson, formatTable, jsonText, runFailed } from '../bench/report.js';
import { runBench } from '../bench/run-bench.js';

export function registerBenchCommand(program: Command): void {
  const command = program
    .command('bench')
    .description(
      'benchmark any ZooKeeper-protocol server: throughput, latency percentiles, errors and ' +
        '(with --server-pid) server CPU per operation, per workload',
    );
  addBenchOptions(command).action(async (raw: RawBenchFlags) => {
    const opts = benchOptionsFrom(raw);
    const progress = new BenchProgress(process.stderr);
    // First Ctrl-C: stop measuring and clean up; a second one exits at once.
    const interrupted = new AbortController();
    const onSigint = (): void => {
      if (interrupted.signal.aborted) process.exit(130);
      progress.note('interrupted: cleaning up (Ctrl-C again to quit now)');
      interrupted.abort();
    };
    process.on('SIGINT', onSigint);
    const run = await runBench(opts, progress, interrupted.signal);
    process.off('SIGINT', onSigint);
    progress.clear();
    const text = opts.json ? jsonText(benchJson(opts, run)) : formatTable(opts, run);
    process.stdout.write(`${text}\n`);
    process.exitCode = runFailed(run) ? 1 : 0;
  });
}
