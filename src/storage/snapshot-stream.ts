/**
 * Reads a snapshot file (the layout is in snapshot.ts) in bounded chunks and hands each record
 * on as soon as its checksum passes, so recovery holds a chunk or two, not the whole file (a
 * 10M-znode snapshot is over a GiB). SnapshotParser is a state machine resumable at any byte:
 * a part (header, record header, record, trailer) that a chunk boundary splits is gathered in
 * a carry buffer, one that lies inside a chunk is passed on as a view. It makes the checks the
 * whole-file reader made, in the same order: the header, each record's length and checksum,
 * the trailer where the records end, its record count, the checksum of the whole file. The
 * file checksum is known only at the end, so a consumer has records before the file is known
 * to be whole: it builds aside and uses what it built only once the read resolved.
 */
import { crc32c } from '@node-rs/crc32';
import { basename } from 'node:path';
import { fail } from '../util/assert.js';
import type { Disk, DiskFile } from './disk.js';
import { CorruptSnapshotError, StorageError } from './errors.js';
import { parseFileName, snapshotPrefix } from './layout.js';
import { snapshotBytesMax, snapshotReadChunkBytes, snapshotRecordBytesMax } from './limits.js';
import {
  endMarker,
  headerBytes,
  recordHeaderBytes,
  snapshotFormatVersion,
  snapshotMagic,
  trailerBytes,
} from './snapshot-format.js';
import { readUint53 } from './wal-format.js';

export interface SnapshotRecordSink {
  /** The header verified: the snapshot's zxid and the file's size. Called before any record. */
  header?(zxid: number, fileBytes: number): void;
  /**
   * A record whose checksum passed, in file order; `offset` is where its length field is in
   * the file. `bytes` may be a view into a buffer the reader reuses: it is valid only during
   * this call (copy it to keep it).
   */
  record(bytes: Buffer, offset: number): void;
}

export interface SnapshotSummary {
  zxid: number;
  records: number;
}

export interface ParserOptions {
  /** Names the file in errors. */
  readonly label: string;
  /** The zxid the file name says (null: a name that says none, such as a staged file). */
  readonly nameZxid: number | null;
  /** The error for a format version this Warren does not know. */
  readonly unknownVersion: (version: number) => Error;
}

type Part = 'header' | 'recordHeader' | 'record' | 'trailer' | 'done';

export class SnapshotParser {
  private part: Part = 'header';
  /** Bytes the current part needs, and where it starts in the file. */
  private need = headerBytes;
  private partStart = 0;
  /** A part split across chunks, gathered here; reused (it grows to the largest record). */
  private carry = Buffer.allocUnsafe(trailerBytes);
  private carried = 0;
  private pushed = 0;
  /** crc32c of every byte pushed so far before the last 4 (the file checksum itself). */
  private fileChecksum = 0;
  private recordChecksum = 0;
  private count = 0;
  private zxid = -1;
  private readonly recordsEnd: number;

  /** `size` is the whole file's: the trailer's place and every record's bound follow from it. */
  constructor(
    private readonly size: number,
    private readonly sink: SnapshotRecordSink,
    private readonly options: ParserOptions,
  ) {
    if (size > snapshotBytesMax) {
      throw this.corrupt(`${size} bytes is more than snapshotBytesMax`, null);
    }
    if (size < headerBytes + trailerBytes) throw this.corrupt(`only ${size} bytes`, null);
    this.recordsEnd = size - trailerBytes;
  }

  /** The next bytes of the file, in order; throws CorruptSnapshotError at the first damage. */
  push(chunk: Buffer): void {
    if (this.pushed + chunk.length > this.size) fail('snapshot parser: pushed past the size');
    const checksummed = this.size - 4 - this.pushed;
    if (checksummed > 0) {
      const covered = checksummed >= chunk.length ? chunk : chunk.subarray(0, checksummed);
      this.fileChecksum = crc32c(covered, this.fileChecksum);
    }
    this.pushed += chunk.length;
    let at = 0;
    while (this.part !== 'done') {
      let bytes: Buffer;
      if (this.carried === 0 && chunk.length - at >= this.need) {
        bytes = chunk.subarray(at, at + this.need);
        at += this.need;
      } else {
        const taken = Math.min(this.need - this.carried, chunk.length - at);
        if (this.carry.length < this.need) this.carry = Buffer.allocUnsafe(this.need);
        chunk.copy(this.carry, this.carried, at, at + taken);
        this.carried += taken;
        at += taken;
        if (this.carried < this.need) return;
        bytes = this.carry.subarray(0, this.need);
        this.carried = 0;
      }
      this.take(bytes);
    }
  }

  /** The file ended: its summary, or CorruptSnapshotError if it ended early. */
  end(): SnapshotSummary {
    if (this.part !== 'done') {
      throw this.corrupt(`the file ends after ${this.pushed} bytes, inside its ${this.part}`);
    }
    return { zxid: this.zxid, records: this.count };
  }

  private take(bytes: Buffer): void {
    const start = this.partStart;
    this.partStart += bytes.length;
    if (this.part === 'header') this.takeHeader(bytes);
    else if (this.part === 'recordHeader') this.takeRecordHeader(bytes, start);
    else if (this.part === 'record') this.takeRecord(bytes, start - recordHeaderBytes);
    else this.takeTrailer(bytes, start);
  }

  private takeHeader(bytes: Buffer): void {
    if (!bytes.subarray(0, 6).equals(snapshotMagic)) throw this.corrupt('no WRNSNP magic', 0);
    if (bytes.readUInt32BE(16) !== crc32c(bytes.subarray(0, 16))) {
      throw this.corrupt('bad header', 0);
    }
    const version = bytes.readUInt16BE(6);
    if (version !== snapshotFormatVersion) throw this.options.unknownVersion(version);
    const zxid = readUint53(bytes, 8);
    const nameZxid = this.options.nameZxid;
    if (zxid < 0 || (nameZxid !== null && nameZxid !== zxid)) {
      throw this.corrupt(`header zxid ${zxid} does not match the file name`, 8);
    }
    this.zxid = zxid;
    this.sink.header?.(zxid, this.size);
    this.nextRecord();
  }

  private takeRecordHeader(bytes: Buffer, offset: number): void {
    const length = bytes.readUInt32BE(0);
    // A record header before the trailer's place: an end marker here is one in the wrong place.
    if (length === endMarker) throw this.corrupt('no trailer where the records end', offset);
    if (length > snapshotRecordBytesMax || offset + recordHeaderBytes + length > this.recordsEnd) {
      throw this.corrupt(`the record there has impossible length ${length}`, offset);
    }
    this.recordChecksum = bytes.readUInt32BE(4);
    this.part = 'record';
    this.need = length;
  }

  private takeRecord(bytes: Buffer, offset: number): void {
    if (crc32c(bytes) !== this.recordChecksum) {
      throw this.corrupt('the record there fails its checksum', offset);
    }
    this.count += 1;
    this.sink.record(bytes, offset);
    this.nextRecord();
  }

  private nextRecord(): void {
    const atTrailer = this.partStart === this.recordsEnd;
    this.part = atTrailer ? 'trailer' : 'recordHeader';
    this.need = atTrailer ? trailerBytes : recordHeaderBytes;
  }

  private takeTrailer(bytes: Buffer, offset: number): void {
    if (bytes.readUInt32BE(0) !== endMarker) {
      throw this.corrupt('no trailer where the records end', offset);
    }
    const count = readUint53(bytes, 4);
    if (count !== this.count) {
      throw this.corrupt(`trailer counts ${count} records, the file holds ${this.count}`, offset);
    }
    if (bytes.readUInt32BE(12) !== this.fileChecksum) {
      throw this.corrupt('file checksum mismatch', offset + 12);
    }
    this.part = 'done';
  }

  private corrupt(problem: string, offset: number | null = this.pushed): CorruptSnapshotError {
    return new CorruptSnapshotError(this.options.label, problem, offset);
  }
}

/**
 * Reads and verifies the snapshot file at `path`, passing each record to `sink` as it is
 * read, `chunkBytes` at a time with the next chunk's read already under way. Throws
 * CorruptSnapshotError on damage (records before it were passed on), StorageError if the
 * format version is unknown, the fs error if the file cannot be read, and whatever the sink
 * throws.
 */
export async function streamSnapshot(
  path: string,
  disk: Disk,
  sink: SnapshotRecordSink,
  chunkBytes: number = snapshotReadChunkBytes,
): Promise<SnapshotSummary> {
  if (!(Number.isSafeInteger(chunkBytes) && chunkBytes > 0)) fail(`chunk of ${chunkBytes} bytes`);
  const file = await disk.open(path, 'read');
  // Never closed under a read in flight: the descriptor could be reused meanwhile.
  let reading: Promise<number> | null = null;
  try {
    const size = await file.size();
    const parser = new SnapshotParser(size, sink, {
      label: path,
      nameZxid: parseFileName(basename(path), snapshotPrefix),
      unknownVersion: (version) =>
        new StorageError(
          'WARREN_STORAGE_VERSION',
          `snapshot ${path} has format version ${version}, which this Warren does not know; ` +
            'run the Warren version that wrote it, or a newer one.',
        ),
    });
    const chunks = [Buffer.allocUnsafe(Math.min(chunkBytes, size)), Buffer.alloc(0)];
    if (size > chunkBytes) chunks[1] = Buffer.allocUnsafe(chunkBytes);
    let position = 0;
    let turn = 0;
    let pending = readChunk(file, chunks[0] as Buffer, Math.min(chunkBytes, size), 0);
    reading = pending;
    while (position < size) {
      const length = Math.min(chunkBytes, size - position);
      const read = await pending;
      reading = null;
      if (read < length) {
        throw new CorruptSnapshotError(path, 'the file shrank while being read', position + read);
      }
      const chunk = (chunks[turn] as Buffer).subarray(0, length);
      const next = position + length;
      turn ^= 1;
      if (next < size) {
        const ahead = Math.min(chunkBytes, size - next);
        pending = readChunk(file, chunks[turn] as Buffer, ahead, next);
        reading = pending;
      }
      parser.push(chunk);
      position = next;
    }
    return parser.end();
  } finally {
    if (reading !== null) await reading.catch(() => 0); // the error that stopped us is the news
    await file.close();
  }
}

/** Reads `length` bytes at `position` (looping over short reads); fewer only at end of file. */
async function readChunk(
  file: DiskFile,
  buffer: Buffer,
  length: number,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const read = await file.read(buffer, done, length - done, position + done);
    if (read === 0) break;
    done += read;
  }
  return done;
}
