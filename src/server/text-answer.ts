/**
 * Writes a four-letter word's answer under two caps: at most jute.maxbuffer bytes (a
 * monitoring tool's client reads no more), and at most textAnswerMs of building (listing
 * 200k watches used to stall every client for half a second). Either cap ends the answer
 * with a last line saying which one cut it.
 *
 * Why one pass and not slices across event-loop turns: tools such as `nc` and zkCli's 4lw
 * helper half-close right after the word, and a Node socket that is not half-open ends as
 * soon as the peer's FIN is read; an answer written over several turns would be cut short.
 */
import type { Runtime } from '../util/runtime.js';
import { textAnswerMs, textClockLines } from '../util/limits.js';
import type { Connection } from './connection.js';

/** Bytes kept free for the truncation line. */
const TRUNCATION_ROOM = 128;

export function truncatedAtBytes(bytesMax: number): string {
  return `... output truncated at ${bytesMax} bytes (jute.maxbuffer)\n`;
}

export function truncatedAtTime(): string {
  return `... output truncated after ${textAnswerMs} ms (Warren never blocks longer)\n`;
}

/** Writes `lines` (each ending in a newline, or a whole answer) to `conn`, then ends it. */
export function sendTextAnswer(
  conn: Connection,
  runtime: Runtime,
  lines: Iterable<string>,
  bytesMax: number,
): void {
  const started = runtime.now();
  const parts: string[] = [];
  let bytes = 0;
  let count = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line, 'utf8');
    if (bytes + size > bytesMax - TRUNCATION_ROOM) {
      parts.push(truncatedAtBytes(bytesMax));
      break;
    }
    parts.push(line);
    bytes += size;
    if (++count % textClockLines === 0 && runtime.now() - started >= textAnswerMs) {
      parts.push(truncatedAtTime());
      break;
    }
  }
  conn.sendText(parts.join(''));
  conn.end();
}
