/**
 * The set of operations linearized so far: a bitset plus an incrementally kept 32-bit hash of
 * its members (Zobrist-style XOR of a mixed value per member), so the memo of Lowe's algorithm
 * can bucket configurations without building a key from the whole bitset at every step.
 */
export class LinearizedSet {
  readonly words: Uint16Array;
  /** Equal sets have equal hashes; unequal sets rarely do (buckets compare `words` exactly). */
  hash = 0;

  constructor(size: number) {
    this.words = new Uint16Array(Math.ceil(size / 16));
  }

  has(index: number): boolean {
    return ((this.words[index >>> 4] ?? 0) & (1 << (index & 15))) !== 0;
  }

  add(index: number): void {
    if (this.has(index)) return;
    const word = index >>> 4;
    this.words[word] = (this.words[word] ?? 0) | (1 << (index & 15));
    this.hash ^= memberHash(index);
  }

  remove(index: number): void {
    if (!this.has(index)) return;
    const word = index >>> 4;
    this.words[word] = (this.words[word] ?? 0) & ~(1 << (index & 15));
    this.hash ^= memberHash(index);
  }
}

/** A well-mixed 32-bit value per index (the splitmix32 finalizer). */
function memberHash(index: number): number {
  let z = Math.imul(index + 1, 0x9e3779b9);
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
