/**
 * The "other client" of the hostile-load benchmark, in its own process so the load's client
 * work does not show in its latency: one session doing a create then an exists, back to back,
 * reconnecting (same session) to the next endpoint when dropped. Reports every latency and
 * every acknowledged create, so the coordinator can check none is lost.
 */
import { OpCode } from '../src/protocol/opcodes.js';
import { OPEN_ACL_UNSAFE } from '../src/tree/acl.js';
import { RawClient } from '../test/support/raw-client.js';
import type { HostEndpoint, ProbeCommand, ProbeResult } from './hostile-messages.js';

const acl = [...OPEN_ACL_UNSAFE];
let running = false;
const result: ProbeResult = {
  kind: 'result',
  acked: [],
  latenciesMs: [],
  errors: 0,
  reconnects: 0,
  longestGapMs: 0,
};

async function connect(
  endpoints: HostEndpoint[],
  attempt: number,
  timeoutMs: number,
  old: RawClient | null,
): Promise<RawClient> {
  for (let tries = attempt; ; tries++) {
    const endpoint = endpoints[tries % endpoints.length] as HostEndpoint;
    try {
      return await RawClient.connect(endpoint.host, endpoint.port, {
        timeoutMs,
        sessionId: old?.sessionId,
        passwd: old?.passwd,
        lastZxidSeen: old?.lastZxid,
        connectTimeoutMs: 3000,
        replyTimeoutMs: 0,
      });
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function run(command: Extract<ProbeCommand, { kind: 'start' }>): Promise<void> {
  let attempt = 0;
  let client = await connect(command.endpoints, attempt, command.timeoutMs, null);
  let answeredAt = performance.now();
  for (let i = 0; running; i++) {
    const started = performance.now();
    try {
      const path = `${command.path}/p-${i}`;
      const create = await client.request({
        type: OpCode.create,
        path,
        data: null,
        acl,
        flags: 0,
        ttl: -1,
      });
      if (create.header.err === 0) result.acked.push(path);
      else result.errors++;
      await client.request({ type: OpCode.exists, path: '/', watch: false });
      const now = performance.now();
      result.latenciesMs.push(now - started);
      result.longestGapMs = Math.max(result.longestGapMs, now - answeredAt);
      answeredAt = now;
    } catch {
      result.errors++;
      // The create may or may not have landed; a retry of the same path would say which.
      client.destroy();
      client = await connect(command.endpoints, ++attempt, command.timeoutMs, client);
      result.reconnects++;
    }
    if (!client.isOpen) {
      client = await connect(command.endpoints, ++attempt, command.timeoutMs, client);
      result.reconnects++;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await client.close().catch(() => client.destroy());
}

process.on('message', (command: ProbeCommand) => {
  if (command.kind === 'start') {
    running = true;
    void run(command).then(
      () => {
        process.send?.(result);
        process.exit(0);
      },
      (error: unknown) => {
        process.send?.({ kind: 'failed', message: String(error) });
        process.exit(1);
      },
    );
    process.send?.({ kind: 'started' });
  } else if (command.kind === 'stop') {
    running = false;
  }
});
