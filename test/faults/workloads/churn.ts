/**
 * Session and ephemeral churn: raw protocol clients open a session, create an ephemeral
 * node, read it back on the same session, and close. Checked: the node is there right after
 * its create was acknowledged (read-your-writes), and after the heal no ephemeral outlives
 * its session: an acknowledged close removes it at once, an abandoned session's goes when
 * the session expires.
 */
import { Acls } from '../../../src/client/index.js';
import { Err } from '../../../src/protocol/error-codes.js';
import { OpCode } from '../../../src/protocol/opcodes.js';
import { CLIENT_PORT, type NetnsEnsemble } from '../../support/netns-ensemble.js';
import { RawClient } from '../../support/raw-client.js';
import { sleep } from '../../support/server-process.js';
import {
  campaignClient,
  closeQuietly,
  connectWithin,
  type Workload,
  type WorkloadReport,
} from '../workload.js';

const LOOPS = 2;
const SESSION_TIMEOUT_MS = 4_000;
/** A new leader renews every session, so an abandoned one may take a few timeouts to go. */
const EXPIRY_WAIT_MS = 25_000;
const REPLY_TIMEOUT_MS = 3_000;
/** CreateMode ephemeral, as the create request's flags. */
const EPHEMERAL = 1;

export class ChurnWorkload implements Workload {
  readonly name = 'churn';
  private readonly closedNodes = new Set<string>();
  private readonly violations: string[] = [];
  private operations = 0;
  private stopping = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly ensemble: NetnsEnsemble,
    private readonly base: string,
  ) {}

  private get parent(): string {
    return `${this.base}/churn`;
  }

  async start(): Promise<void> {
    const make = () => campaignClient(this.ensemble, 1, SESSION_TIMEOUT_MS);
    const setup = await connectWithin(make, 30_000);
    try {
      await setup.create(this.parent);
    } finally {
      await closeQuietly(setup);
    }
    this.loops = Array.from({ length: LOOPS }, (_, i) => this.loop(i));
  }

  private async loop(id: number): Promise<void> {
    for (let n = 0; !this.stopping; n++) {
      const server = ((id + n) % this.ensemble.ids.length) + 1;
      this.operations++;
      let client: RawClient | undefined;
      try {
        client = await RawClient.connect(this.ensemble.cluster.address(server), CLIENT_PORT, {
          timeoutMs: SESSION_TIMEOUT_MS,
          connectTimeoutMs: 3_000,
          replyTimeoutMs: REPLY_TIMEOUT_MS,
        });
        await this.session(client, `${this.parent}/e-${id}-${n}`);
      } catch {
        // A session that failed midway is abandoned: its node must go when it expires.
        await sleep(100);
      } finally {
        client?.destroy();
      }
    }
  }

  /**
   * One session on the raw protocol, so that a close counts only when the server answered
   * it (the TypeScript client's close() also settles when its closeSession was lost).
   */
  private async session(client: RawClient, path: string): Promise<void> {
    if (client.timeOut === 0) return;
    const made = await client.request({
      type: OpCode.create,
      path,
      data: Buffer.from(path),
      acl: [...Acls.openUnsafe],
      flags: EPHEMERAL,
      ttl: -1,
    });
    if (made.header.err !== Err.ok) return;
    const read = await client.request({ type: OpCode.getData, path, watch: false });
    if (read.header.err === Err.noNode) {
      this.violations.push(`${path}: acknowledged create not visible to its own session`);
    }
    if (read.header.err !== Err.ok) return;
    const closed = await client.close();
    if (closed.err === Err.ok) this.closedNodes.add(path.slice(this.parent.length + 1));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }

  async check(): Promise<WorkloadReport> {
    const make = () => campaignClient(this.ensemble, 2, SESSION_TIMEOUT_MS);
    const reader = await connectWithin(make, 30_000);
    const violations = [...this.violations];
    try {
      await reader.sync(this.parent);
      const afterClose = (await reader.getChildren(this.parent)).filter((n) =>
        this.closedNodes.has(n),
      );
      for (const name of afterClose.slice(0, 5)) {
        violations.push(`ephemeral ${name} still there after its session closed`);
      }
      const deadline = Date.now() + EXPIRY_WAIT_MS;
      let left = await reader.getChildren(this.parent);
      while (left.length > 0 && Date.now() < deadline) {
        await sleep(500);
        await reader.sync(this.parent);
        left = await reader.getChildren(this.parent);
      }
      if (left.length > 0) {
        violations.push(
          `${left.length} ephemerals outlived their sessions by ${EXPIRY_WAIT_MS} ms: ` +
            left.slice(0, 5).join(' '),
        );
      }
    } finally {
      await closeQuietly(reader);
    }
    return { operations: this.operations, violations };
  }

  dump(): unknown {
    return { closed: this.closedNodes.size, violations: this.violations.slice(0, 50) };
  }
}
