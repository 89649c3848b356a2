/**
 * The work queue of a cache: which nodes to re-read. Marks coalesce (a node changed twice is
 * read once) and the set is capped: past the cap it collapses into one full re-read, so a
 * storm of events never grows memory. One runner reads at a time, so the cache's copy only
 * moves forward. A failed read pauses the runner (the state stays marked) unless the client
 * is usable again; a reconnect or rebuild marks everything and starts it again.
 */
/** Consecutive failed reads while the client looks usable before the runner pauses. */
const FAILURES_IN_A_ROW_MAX = 5;

export interface RefreshWork {
  /** Re-reads one key. */
  one(key: string): Promise<void>;
  /** Re-reads everything. */
  all(): Promise<void>;
  /** True when reads may succeed now (connected). */
  usable(): boolean;
  /** A read failed and the runner paused (the owner decides what a failure means). */
  failed(error: unknown): void;
}

export class RefreshQueue {
  private readonly dirty = new Set<string>();
  private full = false;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly capacity: number,
    private readonly work: RefreshWork,
  ) {}

  /** Re-read one key (soon). */
  mark(key: string): void {
    if (this.full) return this.kick();
    if (this.dirty.size >= this.capacity) {
      this.markAll();
      return;
    }
    this.dirty.add(key);
    this.kick();
  }

  /** Re-read everything (soon). */
  markAll(): void {
    this.full = true;
    this.dirty.clear();
    this.kick();
  }

  /** Resolves when the runner has nothing to do or paused. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  stop(): void {
    this.stopped = true;
    this.dirty.clear();
    this.full = false;
  }

  private kick(): void {
    if (this.running !== undefined || this.stopped) return;
    this.running = this.run().finally(() => (this.running = undefined));
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped && (this.full || this.dirty.size > 0)) {
      const full = this.full;
      const key = full ? undefined : this.dirty.values().next().value;
      this.full = false;
      if (key !== undefined) this.dirty.delete(key);
      try {
        if (key === undefined) await this.work.all();
        else await this.work.one(key);
        failures = 0;
      } catch (error) {
        if (key === undefined) this.full = true;
        else this.dirty.add(key);
        failures++;
        if (this.work.usable() && failures < FAILURES_IN_A_ROW_MAX) continue;
        this.work.failed(error);
        return;
      }
    }
  }
}
