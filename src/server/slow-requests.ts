/**
 * Slow-request logging (warren.slowRequestMs): a request answered that long after it arrived
 * gets one warning line naming the operation, path, session, client and time taken. At most
 * linesPerSecondMax lines a second, the rest counted in the next line, so a stalled server
 * does not bury its log.
 */
import type { Logger } from 'pino';
import { opName } from '../protocol/opcodes.js';
import type { DecodedFrame } from './request-handler.js';

const linesPerSecondMax = 10;

export interface SlowRequestSource {
  readonly remoteAddress: string;
  readonly session: { readonly id: bigint } | null;
}

export class SlowRequests {
  private windowStart = 0;
  private linesInWindow = 0;
  private skipped = 0;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  note(conn: SlowRequestSource, f: DecodedFrame, latencyMs: number): void {
    const now = this.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.linesInWindow = 0;
    }
    if (this.linesInWindow >= linesPerSecondMax) {
      this.skipped++;
      return;
    }
    this.linesInWindow++;
    const request = f.request;
    const path = request !== null && 'path' in request ? request.path : undefined;
    const session = conn.session === null ? undefined : `0x${conn.session.id.toString(16)}`;
    const skipped = this.skipped;
    this.skipped = 0;
    this.logger.warn(
      {
        op: opName(f.opcode),
        path,
        session,
        remote: conn.remoteAddress,
        latencyMs,
        ...(skipped > 0 ? { notLogged: skipped } : {}),
      },
      'slow request',
    );
  }
}
