/**
 * The compare-and-set registers and unique creates of the namespace tests' WriteLoad
 * (blind and versioned setData, create and delete on a few shared keys, synced reads, and a
 * unique create per write), checked by netns-checks: servers converge and agree, every
 * acknowledged create is on every server, and the history is linearizable.
 */
import { finalChecks } from '../../support/netns-checks.js';
import type { NetnsEnsemble } from '../../support/netns-ensemble.js';
import { WriteLoad } from '../../support/netns-workload.js';
import { bounded, type Workload, type WorkloadReport } from '../workload.js';

const CLIENTS = 4;
const DUMP_OPERATIONS_MAX = 2_000;

export class RegisterWorkload implements Workload {
  readonly name = 'register';
  readonly load: WriteLoad;

  constructor(
    private readonly ensemble: NetnsEnsemble,
    base: string,
    seed: number,
  ) {
    this.load = new WriteLoad(ensemble, `${base}/reg`, CLIENTS, seed);
  }

  start(): Promise<void> {
    return this.load.start();
  }

  stop(): Promise<void> {
    return this.load.stop();
  }

  async check(): Promise<WorkloadReport> {
    try {
      const report = await finalChecks(this.ensemble, this.load);
      const unknown = report.linearizable === 'unknown' ? ['linearizability: check gave up'] : [];
      return { operations: report.operations, violations: unknown };
    } catch (error) {
      return { operations: this.load.recorder.size, violations: [String(error)] };
    }
  }

  dump(): unknown {
    return bounded(this.load.recorder.history(), DUMP_OPERATIONS_MAX);
  }
}
