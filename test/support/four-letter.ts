/**
 * Sends a ZooKeeper four-letter word (ruok, srvr, mntr, ...) over a fresh TCP connection and
 * returns everything the server writes before it closes the connection.
 */
import { connect } from 'node:net';

export const FOUR_LETTER_TIMEOUT_MS = 5_000;

export function fourLetter(
  host: string,
  port: number,
  cmd: string,
  timeoutMs = FOUR_LETTER_TIMEOUT_MS,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy(
        new Error(`four-letter word '${cmd}' to ${host}:${port}: no answer after ${timeoutMs} ms`),
      );
    });
    socket.once('connect', () => socket.end(cmd));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}
