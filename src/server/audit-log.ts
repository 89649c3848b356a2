/**
 * The audit log (`audit.enable=true`): one line per write a client made here and per
 * authentication attempt, appended to `warren.audit.file` (default `audit.log` in dataLogDir,
 * mode 0600), each line a UTC time then ZooKeeper's tab-separated fields (audit-events.ts).
 * Lines go out in order without blocking the server; if the disk falls so far behind that
 * `auditBufferedBytesMax` is queued, further lines are dropped and counted, and the server
 * says so once (an audit log must not become a way to exhaust memory).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Logger } from 'pino';
import { auditBufferedBytesMax } from '../util/limits.js';
import {
  auditUsers,
  formatAuditLine,
  writeEvents,
  type AuditedWrite,
  type AuditFields,
  type AuditResult,
} from './audit-events.js';
import type { Id } from '../protocol/records.js';
import type { Connection } from './connection.js';
import type { Txn } from '../tree/txn.js';

export class AuditLog {
  /** Lines not written because too much was queued. */
  dropped = 0;
  private readonly stream: WriteStream;
  private failed = false;

  constructor(
    readonly path: string,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {
    this.stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
    this.stream.on('error', (err) => {
      if (this.failed) return;
      this.failed = true;
      logger.error({ err: err.message, path }, 'the audit log cannot be written');
    });
  }

  /** ZooKeeper's serverStart / serverStop lines. */
  server(operation: 'serverStart' | 'serverStop', result: AuditResult): void {
    this.append({ operation, user: process.env['USER'] ?? undefined }, result);
  }

  /** A write this server answered: one line per changed node (see writeEvents). */
  write(conn: Connection, req: AuditedWrite, txn: Txn): void {
    const who = this.who(conn);
    for (const event of writeEvents(req, txn)) {
      const { result, ...fields } = event;
      this.append({ ...who, ...fields }, result);
    }
  }

  /** An addAuth (or a certificate presented at connect): its scheme and whether it passed. */
  auth(conn: Connection, scheme: string, ok: boolean): void {
    this.append({ ...this.who(conn), operation: 'addAuth', scheme }, ok ? 'success' : 'failure');
  }

  /** An operator's command on the AdminServer that changes the state (`restore`). */
  operator(operation: 'restore', ids: readonly Id[], ip: string, result: AuditResult): void {
    this.append({ user: auditUsers(ids), ip, operation }, result);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }

  private who(conn: Connection): Omit<AuditFields, 'operation'> {
    const session = conn.session === null ? undefined : `0x${conn.session.id.toString(16)}`;
    return { session, user: auditUsers(conn.ids), ip: conn.remoteAddress };
  }

  private append(fields: AuditFields, result: AuditResult): void {
    if (this.failed) return;
    if (this.stream.writableLength > auditBufferedBytesMax) {
      if (this.dropped++ === 0) {
        this.logger.error({ path: this.path }, 'the audit log is too far behind: dropping lines');
      }
      return;
    }
    const time = new Date(this.now()).toISOString();
    this.stream.write(`${time}\t${formatAuditLine(fields, result)}\n`);
  }
}
