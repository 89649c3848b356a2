/**
 * Asks a member how it is: `srvr` on its client port (allowed by default, as in ZooKeeper),
 * which says its mode and last zxid. Bounded in time and bytes; a member that does not answer
 * is reported as unreachable rather than waited for.
 */
import { connect } from 'node:net';
import { dashboardProbeBytesMax, dashboardProbeTimeoutMs } from './dashboard-limits.js';

export interface ProbeResult {
  readonly reachable: boolean;
  readonly mode?: string;
  readonly zxid?: string;
  readonly latencyMs?: number;
  readonly error?: string;
}

export function probeMember(host: string, port: number): Promise<ProbeResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const socket = connect({ host, port });
    const finish = (result: ProbeResult): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(dashboardProbeTimeoutMs, () =>
      finish({ reachable: false, error: 'no answer within 1 s' }),
    );
    socket.on('connect', () => socket.write('srvr'));
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= dashboardProbeBytesMax) chunks.push(chunk);
    });
    socket.on('error', (error: NodeJS.ErrnoException) =>
      finish({ reachable: false, error: error.code ?? 'error' }),
    );
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      finish({
        reachable: true,
        mode: /^Mode: (.*)$/m.exec(text)?.[1]?.trim() ?? 'unknown',
        zxid: /^Zxid: (.*)$/m.exec(text)?.[1]?.trim() ?? '',
        latencyMs: Date.now() - started,
      });
    });
  });
}
