/**
 * Raw frames for clients that misbehave on purpose: a handshake followed by many pipelined
 * requests in one buffer, sent on a socket that never reads. No test-framework imports:
 * bench/ uses this too.
 */
import { OpCode } from '../../src/protocol/opcodes.js';

/** A ConnectRequest frame for a new session with `timeoutMs`. */
export function handshakeFrame(timeoutMs: number): Buffer {
  const frame = Buffer.alloc(4 + 45);
  frame.writeInt32BE(45, 0);
  frame.writeInt32BE(timeoutMs, 16);
  return frame;
}

/** `count` getData frames for `path` (xids from `firstXid`), no watch. */
export function getDataFrames(path: string, count: number, firstXid = 1): Buffer {
  const pathBytes = Buffer.from(path);
  const body = 4 + 4 + 4 + pathBytes.length + 1;
  const frames = Buffer.alloc((4 + body) * count);
  for (let i = 0; i < count; i++) {
    const at = i * (4 + body);
    frames.writeInt32BE(body, at);
    frames.writeInt32BE(firstXid + i, at + 4);
    frames.writeInt32BE(OpCode.getData, at + 8);
    frames.writeInt32BE(pathBytes.length, at + 12);
    pathBytes.copy(frames, at + 16);
  }
  return frames;
}
