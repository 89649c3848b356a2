/**
 * node:test glue for the ensemble suites: an ensemble per test (`withEnsemble`) or per
 * describe block (`sharedEnsemble`), always SIGKILLed at the end. When a test fails, the last
 * lines of every member's log go to stderr, so a failure in CI shows what the servers saw,
 * and the ensemble's files are kept (the path is printed). Also clients connected to one
 * member first.
 */
import { after, afterEach, before } from 'node:test';
import {
  createClient,
  type ClientOptions,
  type ZooKeeperClient,
} from '../../../src/client/index.js';
import { startEnsemble, type Ensemble, type EnsembleOptions } from '../../support/ensemble-proc.js';

/** Generous: two shared cores, several ensembles of node processes. */
export const SUITE_TIMEOUT_MS = 180_000;
export const SESSION_TIMEOUT_MS = 8_000;

/** Prints the logs' last lines and keeps the ensemble's files for a look afterwards. */
function reportFailure(ensemble: Ensemble, what: string): void {
  const dir = ensemble.keepFiles();
  process.stderr.write(`${what} failed; files kept in ${dir}; logs:\n${ensemble.logTails()}\n`);
}

/** Starts an ensemble, runs `body`, reports a failure (see above), and always stops it. */
export async function withEnsemble<T>(
  opts: EnsembleOptions,
  body: (ensemble: Ensemble) => Promise<T>,
): Promise<T> {
  const ensemble = await startEnsemble(opts);
  try {
    return await body(ensemble);
  } catch (error) {
    reportFailure(ensemble, 'the test');
    throw error;
  } finally {
    await ensemble.stopAll();
  }
}

/** One ensemble for a describe block; call inside it. The getter throws before `before`. */
export function sharedEnsemble(opts: EnsembleOptions): () => Ensemble {
  let ensemble: Ensemble | undefined;
  before(async () => {
    ensemble = await startEnsemble(opts);
  });
  afterEach((t) => {
    // TestContext.passed (Node 20.12+); a suite context has none.
    const passed = (t as { passed?: boolean }).passed;
    if (passed === false && ensemble !== undefined) reportFailure(ensemble, `'${t.name}'`);
  });
  after(async () => {
    await ensemble?.stopAll();
  });
  return () => {
    if (ensemble === undefined) throw new Error('the ensemble did not start (see before)');
    return ensemble;
  };
}

/**
 * A connected client that starts on member `firstId` and fails over to the others in id
 * order (`only`: that member alone, e.g. to read what one member holds).
 */
export async function clientOn(
  ensemble: Ensemble,
  firstId: number,
  opts: ClientOptions & { only?: boolean } = {},
): Promise<ZooKeeperClient> {
  const { only, ...options } = opts;
  const first = ensemble.server(firstId);
  const hosts = [first, ...(only === true ? [] : ensemble.others(firstId))];
  const connectString = hosts.map((s) => s.connectString).join(',');
  const client = createClient(connectString, {
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    shuffleHosts: false,
    reconnectDelayMs: { initial: 50, max: 500 },
    ...options,
  });
  return client.connect();
}

/** Closes clients, ignoring failures (a member may be gone). */
export async function closeAll(clients: readonly ZooKeeperClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
}

/** Starts every member that is down (a failed test may leave one) and waits for a leader. */
export async function allUp(ensemble: Ensemble): Promise<void> {
  for (const s of ensemble.servers) if (s.state === 'down') ensemble.start(s.id);
  await ensemble.ready();
}
