/**
 * Listings that grow with the state (connections, watches, ephemerals) built under the same
 * two caps as the four-letter words' (server/text-answer.ts): a time budget, so one request
 * never holds the event loop longer than textAnswerMs, and a size budget. A cut listing says
 * so in a `truncated` field instead of pretending to be whole.
 */
import { adminAnswerBytesMax, textAnswerMs, textClockLines } from '../util/limits.js';

export class ListingBudget {
  private bytes = 0;
  private items = 0;
  /** Why the listing was cut; null while whole. */
  cut: string | null = null;

  constructor(
    private readonly now: () => number,
    private readonly started = now(),
  ) {}

  /** Whether an item of about `size` bytes (as JSON) still fits; false once cut. */
  take(size: number): boolean {
    if (this.cut !== null) return false;
    if (this.bytes + size > adminAnswerBytesMax) {
      this.cut = `output truncated at ${adminAnswerBytesMax} bytes`;
      return false;
    }
    if (++this.items % textClockLines === 0 && this.now() - this.started >= textAnswerMs) {
      this.cut = `output truncated after ${textAnswerMs} ms (Warren never blocks longer)`;
      return false;
    }
    this.bytes += size;
    return true;
  }

  /** `answer`, with `truncated` when the listing was cut. */
  finish<T extends object>(answer: T): T & { truncated?: string } {
    return this.cut === null ? answer : { ...answer, truncated: this.cut };
  }
}

/** Collects `items` into an array while the budget allows. */
export function takeWhile<T>(items: Iterable<T>, budget: ListingBudget, size: (item: T) => number) {
  const out: T[] = [];
  for (const item of items) {
    if (!budget.take(size(item))) break;
    out.push(item);
  }
  return out;
}
