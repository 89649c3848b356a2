/**
 * The Raft log of a data directory, record by record, as zkTxnLogToolkit prints ZooKeeper's:
 * index, term, zxid (Warren's zxids are log indexes), time, session, operation and path. Read
 * only: a torn or damaged end is reported (a server's start would cut a torn one), not cut.
 */
import type { StoredEntry } from '../storage/raft-types.js';
import { nodeDisk } from '../storage/disk.js';
import { listFiles, segmentPrefix } from '../storage/layout.js';
import { recordToEntry } from '../storage/raft-entry-record.js';
import { scanSegment } from '../storage/segment-scan.js';
import { decodeEntry } from '../replication/entry-codec.js';
import type { Txn, TxnOp } from '../tree/txn.js';

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

/** Prints every record of the log in `directory`; returns the number printed. */
export async function printLog(directory: string, print: (line: string) => void): Promise<number> {
  const segments = await listFiles(nodeDisk, directory, segmentPrefix);
  let printed = 0;
  for (const [i, segment] of segments.entries()) {
    const bytes = await nodeDisk.readFile(segment.path);
    const isLast = i === segments.length - 1;
    const scan = scanSegment(bytes, {
      file: segment.path,
      firstZxid: segment.zxid,
      isLast,
      repair: true,
      repairOffered: false,
    });
    print(`segment ${segment.path}: ${scan.records.length} records from index ${segment.zxid}`);
    for (const record of scan.records) {
      print(describeEntry(recordToEntry(record, directory)));
      printed += 1;
    }
    if (scan.tail !== null) {
      const { kind, problem, droppedBytes } = scan.tail;
      print(`  ${kind} end of ${segment.path}: ${droppedBytes} bytes (${problem})`);
    }
  }
  return printed;
}

export function describeEntry(entry: StoredEntry): string {
  const head = `index ${entry.index} term ${entry.term} zxid ${hex(entry.index)}`;
  if (entry.kind === 'config') return `${head} membership change`;
  let payload;
  try {
    payload = decodeEntry(entry.data);
  } catch (error) {
    return `${head} undecodable entry (${(error as Error).message})`;
  }
  if (payload === null) return `${head} leader's empty entry`;
  if (payload.kind === 'barrier') return `${head} barrier (sync) from server ${payload.origin}`;
  if (payload.kind === 'restoreChunk') {
    const { restoreId, seq, bytes } = payload;
    return `${head} restore ${restoreId} chunk ${seq} (${bytes.length} bytes)`;
  }
  if (payload.kind === 'restoreCommit') {
    const { restoreId, chunks, imageBytes } = payload.commit;
    return `${head} restore ${restoreId} commit: ${chunks} chunks, ${imageBytes} bytes`;
  }
  if (payload.kind === 'restoreAbort') return `${head} restore ${payload.restoreId} aborted`;
  return `${head} ${describeTxn(payload.txn)}`;
}

function describeTxn(txn: Txn): string {
  const when = `time ${new Date(txn.time).toISOString()} session ${hex(txn.sessionId)}`;
  const body = txn.body;
  switch (body.type) {
    case 'ops':
      if (body.ops.length === 1 && body.ops[0] !== undefined) return `${when} ${op(body.ops[0])}`;
      return `${when} multi(${body.ops.length}) ${body.ops.map(op).join('; ')}`;
    case 'error':
      return `${when} error ${body.err}`;
    case 'multiError':
      return `${when} multi failed (${body.errs.join(',')})`;
    case 'createSession':
      return `${when} createSession ${hex(body.sessionId)} timeout ${body.timeoutMs}`;
    case 'closeSession':
      return `${when} closeSession ${hex(body.sessionId)}`;
  }
}

function op(o: TxnOp): string {
  switch (o.type) {
    case 'create':
      return `create ${o.path} (${o.data?.length ?? 0} bytes)`;
    case 'setData':
      return `setData ${o.path} (${o.data?.length ?? 0} bytes, version ${o.version})`;
    case 'setACL':
      return `setACL ${o.path}`;
    default:
      return `${o.type} ${o.path}`;
  }
}
