/**
 * Coverage counters for a differential run: how often each (operation, error code) pair, each
 * multi sub-result and notifications occurred on the reference side. Printed with
 * WARREN_DIFF_STATS=1 to check that a seed exercises what it is meant to.
 */
import { opName } from '../../src/protocol/opcodes.js';
import type { ReplyEvent } from './segments.js';

export class DiffStats {
  private readonly counts = new Map<string, number>();

  count(reply: ReplyEvent, notifications: number): void {
    this.add(`${opName(reply.opcode)} ${reply.header.err}`, 1);
    if (reply.response?.kind === 'multi') {
      for (const r of reply.response.results)
        this.add(`  multi item ${opName(r.type)} ${r.err}`, 1);
    }
    this.add('notifications', notifications);
  }

  /** The counters as sorted `key: count` lines. */
  report(): string {
    return [...this.counts.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n');
  }

  private add(key: string, n: number): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }
}
