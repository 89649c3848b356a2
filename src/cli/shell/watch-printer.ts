/**
 * Prints a watch notification the moment it arrives, in zkCli's lines: a blank line,
 * `WATCHER::`, a blank line, then `WatchedEvent state:SyncConnected type:... path:...`.
 */
import type { WatchedEvent, Watcher } from '../../client/index.js';
import type { ShellOutput } from './shell-context.js';

export function formatEvent(event: WatchedEvent): string {
  return `WatchedEvent state:SyncConnected type:${event.type} path:${event.path}`;
}

export function printEvent(output: ShellOutput, event: WatchedEvent): void {
  output.notify(['', 'WATCHER::', '', formatEvent(event)]);
}

/** A one-shot watcher that prints its event, or none when the command's -w was not given. */
export function eventPrinter(output: ShellOutput, on: boolean): Watcher | undefined {
  return on ? (event) => printEvent(output, event) : undefined;
}
