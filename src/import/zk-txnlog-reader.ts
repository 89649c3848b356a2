/**
 * Reads a ZooKeeper transaction log (FileTxnLog): a header ("ZKLG", version, dbid), then
 * records [Adler-32 as a long][length][txn bytes]['B'], then zeros to the end of the
 * preallocated file. As ZooKeeper does, a zero length ends the file and a record cut short
 * (the file ends inside it, or its end mark is missing) is a torn tail: reading stops there.
 * A whole record that fails its checksum is damage, reported with its file and offset.
 */
import { adler32 } from './adler32.js';
import { damaged } from './import-error.js';
import { zkTxnBytesMax } from './import-limits.js';
import { FieldError } from './zk-cursor.js';
import type { ZkFile } from './zk-files.js';
import { ZkStream } from './zk-stream.js';
import { decodeZkTxn, type ZkTxn } from './zk-txn.js';

const logMagic = 0x5a4b4c47; // "ZKLG"
const endOfRecord = 0x42; // 'B'
const headerBytes = 16;

export interface LogEnding {
  /** Records read whole. */
  records: number;
  /** Where a torn record starts, or null when the file ended cleanly. */
  tornAt: number | null;
}

/** Calls `onTxn` for each record in order; `onProgress` with the bytes read so far. */
export async function readZkLog(
  log: ZkFile,
  onTxn: (txn: ZkTxn, offset: number) => void,
  onProgress: (bytesRead: number) => void,
): Promise<LogEnding> {
  const stream = ZkStream.open(log.path, false);
  try {
    const header = await stream.read((c) => [c.int(), c.int(), c.bigLong()] as const);
    if (header === null) return { records: 0, tornAt: 0 };
    if (header[0] !== logMagic) throw damaged(log.path, 0, 'not a ZooKeeper log (bad magic)');
    let records = 0;
    let partialAt: number | null = null;
    let offset = headerBytes;
    const ending = await stream.readEach((c) => {
      const start = c.pos;
      const checksum = c.checksum();
      const length = c.int();
      if (length === 0) return false; // the preallocated zeros: the end
      if (length < 0 || length > zkTxnBytesMax) {
        throw new FieldError(`a record length of ${length} bytes (at most ${zkTxnBytesMax})`);
      }
      const bytes = c.raw(length, 'a record');
      if (c.byte() !== endOfRecord) {
        partialAt = offset;
        return false;
      }
      if (adler32(bytes) !== checksum) {
        throw new FieldError('a record fails its Adler-32 checksum');
      }
      onTxn(decodeZkTxn(bytes), offset);
      offset += c.pos - start;
      if (++records % 1024 === 0) onProgress(stream.rawBytes);
      return true;
    });
    onProgress(stream.rawBytes);
    return { records, tornAt: ending === 'torn' ? offset : partialAt };
  } finally {
    await stream.close();
  }
}
