/**
 * Adler-32, incrementally (ZooKeeper checksums its snapshots and log records with it; Node's
 * zlib does not expose it). Sums are reduced every 5552 bytes, the most that cannot overflow.
 */
const MOD = 65521;
const NMAX = 5552;

export class Adler32 {
  private a = 1;
  private b = 0;

  update(bytes: Uint8Array, start = 0, end = bytes.length): this {
    let { a, b } = this;
    let i = start;
    while (i < end) {
      const stop = Math.min(end, i + NMAX);
      for (; i < stop; i++) {
        a += bytes[i] as number;
        b += a;
      }
      a %= MOD;
      b %= MOD;
    }
    this.a = a;
    this.b = b;
    return this;
  }

  clone(): Adler32 {
    const copy = new Adler32();
    copy.a = this.a;
    copy.b = this.b;
    return copy;
  }

  /** The checksum as ZooKeeper writes it: an unsigned 32-bit value in a long. */
  get value(): number {
    return this.b * 65536 + this.a;
  }
}

export function adler32(bytes: Uint8Array): number {
  return new Adler32().update(bytes).value;
}
