/**
 * Splitting one client's received frames into comparable segments: the notifications that
 * arrived before each reply, then the reply. Also the one place where notification order is
 * relaxed: the deletions a session close performs happen in an order of the server's choosing.
 */
import type { WatcherEvent } from '../../src/protocol/records.js';
import { opName } from '../../src/protocol/opcodes.js';
import type { Request } from '../../src/protocol/requests.js';
import type { RawEvent } from '../support/raw-client.js';
import { show, type Form } from './normalise.js';

export type ReplyEvent = Extract<RawEvent, { kind: 'reply' }>;

export interface Segment {
  notifications: Form[];
  events: WatcherEvent[];
  reply: ReplyEvent;
}

/** Splits events into (notifications..., reply) segments; trailing notifications stay. */
export function segments(events: readonly RawEvent[]): { list: Segment[]; consumed: number } {
  const list: Segment[] = [];
  let pending: Form[] = [];
  let raw: WatcherEvent[] = [];
  let consumed = 0;
  events.forEach((e, k) => {
    if (e.kind === 'ping') return;
    if (e.kind === 'notification') {
      pending.push([e.event.type, e.event.state, e.event.path, e.header.err]);
      raw.push(e.event);
    } else {
      list.push({ notifications: pending, events: raw, reply: e });
      pending = [];
      raw = [];
      consumed = k + 1;
    }
  });
  return { list, consumed };
}

function notificationKey(n: Form): string {
  const [type, , path] = n as [number, number, string];
  return `${type} ${path}`;
}

/** The notifications a session close can cause: NodeDeleted p, NodeChildrenChanged parent. */
export function closeGroup(paths: readonly string[]): Set<string> {
  const group = new Set<string>();
  for (const p of paths) {
    group.add(`2 ${p}`);
    const parent = p.slice(0, p.lastIndexOf('/')) || '/';
    group.add(`4 ${parent}`);
  }
  return group;
}

/** Sorts each maximal run of notifications whose key is in the group. */
export function sortRuns(list: Form[], group: ReadonlySet<string>): Form[] {
  const out: Form[] = [];
  let run: Form[] = [];
  const flush = (): void => {
    run.sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    out.push(...run);
    run = [];
  };
  for (const n of list) {
    if (group.has(notificationKey(n))) run.push(n);
    else {
      flush();
      out.push(n);
    }
  }
  flush();
  return out;
}

export function describeRequest(req: Request): string {
  if (req.type === 'unknown') return `opcode ${req.opcode}`;
  const { type, ...fields } = req;
  return `${opName(type)} ${show(fields)}`;
}
