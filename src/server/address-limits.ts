/**
 * Per client address: how fast it may create sessions (a token bucket) and how often its
 * refusals are logged. One address opening thousands of sessions a second used to fill the
 * global session cap and lock everyone out; now only that address is refused. Time is passed
 * in, so the rules are tested without a clock.
 */
import { addressesTrackedMax, refusalLogIntervalMs } from '../util/limits.js';

interface Bucket {
  tokens: number;
  refilledAt: number;
  /** When a refusal of this address was last logged; -Infinity: never. */
  loggedAt: number;
}

export type SessionRefusal = 'live sessions' | 'creation rate';

export class AddressLimits {
  /** Least recently used first (an entry is moved to the end when used). */
  private readonly buckets = new Map<string, Bucket>();

  /**
   * @param sessionsMax live sessions one address may hold (warren.sessionsPerAddressMax)
   * @param ratePerSecond sessions one address may create per second; the bucket holds one
   *   second's worth (warren.sessionCreateRatePerAddress)
   */
  constructor(
    private readonly sessionsMax: number,
    private readonly ratePerSecond: number,
  ) {}

  /** Takes a token for a new session of `address`, or says why it is refused. */
  admit(address: string, liveSessions: number, nowMs: number): SessionRefusal | null {
    if (liveSessions >= this.sessionsMax) return 'live sessions';
    const bucket = this.bucket(address, nowMs);
    if (bucket.tokens < 1) return 'creation rate';
    bucket.tokens -= 1;
    return null;
  }

  /** Whether a refusal of `address` should be logged now (once per interval). */
  shouldLog(address: string, nowMs: number): boolean {
    const bucket = this.bucket(address, nowMs);
    if (nowMs - bucket.loggedAt < refusalLogIntervalMs) return false;
    bucket.loggedAt = nowMs;
    return true;
  }

  get trackedAddresses(): number {
    return this.buckets.size;
  }

  private bucket(address: string, nowMs: number): Bucket {
    let bucket = this.buckets.get(address);
    if (bucket === undefined) {
      bucket = { tokens: this.ratePerSecond, refilledAt: nowMs, loggedAt: -Infinity };
    } else {
      this.buckets.delete(address);
      const earned = ((nowMs - bucket.refilledAt) / 1000) * this.ratePerSecond;
      bucket.tokens = Math.min(this.ratePerSecond, bucket.tokens + Math.max(0, earned));
      bucket.refilledAt = nowMs;
    }
    this.buckets.set(address, bucket);
    // The least recently seen address is forgotten: it gets a full bucket if it comes back.
    if (this.buckets.size > addressesTrackedMax) {
      const oldest = this.buckets.keys().next();
      if (oldest.done !== true) this.buckets.delete(oldest.value);
    }
    return bucket;
  }
}
