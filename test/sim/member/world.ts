/**
 * The simulated world's clock and its one event queue: everything that happens in a
 * simulation (a timer of a member, a message arriving, a disk operation finishing, a client's
 * next step, a fault) is an event at a virtual time, run in (time, order of scheduling).
 * After each event the promise continuations it started are run to completion before the
 * next event, as Node does between two callbacks, so a run is the same every time for a seed.
 *
 * Events belong to a process incarnation: a killed incarnation's events never run, and a
 * paused one's wait until it is resumed (SIGSTOP/SIGCONT).
 */

/** A simulated process incarnation: events it owns run only while it is alive and running. */
export class Incarnation {
  alive = true;
  paused = false;
  /** Events that came due while paused, in order, to run at resume. */
  deferred: (() => void)[] = [];

  constructor(readonly name: string) {}
}

interface QueuedEvent {
  readonly at: number;
  readonly order: number;
  readonly run: () => void;
  readonly owner: Incarnation | null;
}

/** A binary min-heap of events by (at, order). */
class EventHeap {
  private readonly items: QueuedEvent[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): QueuedEvent | undefined {
    return this.items[0];
  }

  push(event: QueuedEvent): void {
    const items = this.items;
    items.push(event);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(event, items[parent] as QueuedEvent)) break;
      items[i] = items[parent] as QueuedEvent;
      i = parent;
    }
    items[i] = event;
  }

  pop(): QueuedEvent | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child =
        right < items.length && before(items[right] as QueuedEvent, items[left] as QueuedEvent)
          ? right
          : left;
      if (!before(items[child] as QueuedEvent, last)) break;
      items[i] = items[child] as QueuedEvent;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}

/**
 * Lets every promise continuation started so far run (nothing else is on the event loop).
 * Node runs a process.nextTick callback only once the microtask queue is empty, continuations
 * queued by other continuations included, so this waits for as much as a setImmediate would;
 * but it skips a turn of the event loop (about 1 µs each, a third of the Raft simulation's
 * time). Nothing the simulation runs schedules its own ticks or immediates.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}

export class SimWorld {
  /** Virtual milliseconds since the start of the run. */
  now = 0;
  private order = 0;
  private readonly heap = new EventHeap();
  /**
   * Events scheduled for the very time they were scheduled at (`soon`, zero delays: nearly
   * half of them), in order: already sorted by (at, order), so they skip the heap.
   */
  private readonly current: QueuedEvent[] = [];
  private currentHead = 0;
  events = 0;

  /** Runs `run` at virtual time `at` (not before now), as `owner` if given. */
  at(at: number, run: () => void, owner: Incarnation | null = null): void {
    const event = { at: Math.max(at, this.now), order: this.order++, run, owner };
    if (event.at === this.now) this.current.push(event);
    else this.heap.push(event);
  }

  /** The next event by (at, order), taken off its queue. */
  private next(): QueuedEvent | undefined {
    const current = this.current;
    const head = current[this.currentHead];
    if (head === undefined) return this.heap.pop();
    const top = this.heap.peek();
    if (top !== undefined && before(top, head)) return this.heap.pop();
    this.currentHead++;
    if (this.currentHead === current.length) {
      current.length = 0;
      this.currentHead = 0;
    }
    return head;
  }

  /** Puts back an event that `next` took (it lies beyond a run's end). */
  private putBack(event: QueuedEvent): void {
    this.heap.push(event);
  }

  after(delayMs: number, run: () => void, owner: Incarnation | null = null): void {
    this.at(this.now + delayMs, run, owner);
  }

  /** Resumes a paused incarnation: what came due meanwhile runs now, in order. */
  resume(owner: Incarnation): void {
    owner.paused = false;
    const deferred = owner.deferred;
    owner.deferred = [];
    for (const run of deferred) this.at(this.now, run, owner);
  }

  /** Runs events until virtual time `until` or until `stop()` says so. */
  async runUntil(until: number, afterEach: () => boolean): Promise<void> {
    for (;;) {
      const event = this.next();
      if (event === undefined) return;
      if (event.at > until) {
        this.putBack(event);
        this.now = until;
        return;
      }
      this.now = event.at;
      const owner = event.owner;
      if (owner !== null && !owner.alive) continue;
      if (owner !== null && owner.paused) {
        owner.deferred.push(event.run);
        continue;
      }
      this.events++;
      event.run();
      await settle();
      if (afterEach()) return;
    }
  }
}
