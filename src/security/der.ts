/**
 * Just enough DER to walk a certificate's subject: tag-length-value reading with bounds
 * checks, and OID text. Malformed input throws DerError; nothing here allocates per byte.
 */

export class DerError extends Error {
  override readonly name = 'DerError';
  readonly code = 'WARREN_DER';
}

export interface Tlv {
  readonly tag: number;
  /** The whole encoding, tag and length included. */
  readonly encoded: Buffer;
  readonly content: Buffer;
}

/** Reads the element at `offset`; `next` is the offset just after it. */
export function readTlv(bytes: Buffer, offset: number): { tlv: Tlv; next: number } {
  if (offset + 2 > bytes.length) throw new DerError('truncated DER element');
  const tag = bytes[offset] ?? 0;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte DER tags are not used here');
  let length = bytes[offset + 1] ?? 0;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > bytes.length) {
      throw new DerError('bad DER length');
    }
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[start + i] ?? 0);
    start += count;
  }
  const end = start + length;
  if (end > bytes.length) throw new DerError('DER element runs past its container');
  const tlv = {
    tag,
    encoded: bytes.subarray(offset, end),
    content: bytes.subarray(start, end),
  };
  return { tlv, next: end };
}

/** The elements inside a constructed element (SEQUENCE, SET, explicit tag). */
export function children(tlv: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let offset = 0; offset < tlv.content.length; ) {
    const { tlv: child, next } = readTlv(tlv.content, offset);
    out.push(child);
    offset = next;
  }
  return out;
}

/** An OBJECT IDENTIFIER's dotted text. */
export function oidText(content: Buffer): string {
  if (content.length === 0) throw new DerError('empty OID');
  const parts: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}
