/**
 * A raw ZooKeeper session handshake for readiness probes: connect, send a ConnectRequest,
 * read the ConnectResponse, then close the session again (closeSession, xid 1) so the probe
 * leaves no session behind. Uses only src/protocol, so it works before any client exists.
 */
import { connect, type Socket } from 'node:net';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { JuteReader } from '../../src/protocol/jute-reader.js';
import { JuteWriter } from '../../src/protocol/jute-writer.js';
import { OpCode } from '../../src/protocol/opcodes.js';
import {
  readConnectResponse,
  writeConnectRequest,
  type ConnectResponse,
} from '../../src/protocol/records.js';

const HANDSHAKE_FRAME_BYTES_MAX = 64 * 1024;
const PROBE_SESSION_TIMEOUT_MS = 10_000;
const CLOSE_WAIT_MS = 2_000;

function frame(write: (w: JuteWriter) => void): Buffer {
  const w = new JuteWriter(256);
  const at = w.beginFrame();
  write(w);
  w.endFrame(at);
  return w.toBuffer();
}

/** Resolves with the next frame on the socket, or rejects on close, error or timeout. */
function nextFrame(socket: Socket, decoder: FrameDecoder, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no reply after ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      try {
        const frames = decoder.push(chunk);
        if (frames[0] !== undefined) finish(null, frames[0]);
        else if (decoder.failure !== null) finish(decoder.failure);
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
      }
    };
    const onClose = (): void => finish(new Error('connection closed before a reply'));
    const onError = (error: Error): void => finish(error);
    function finish(error: Error | null, body?: Buffer): void {
      clearTimeout(timer);
      socket.off('data', onData).off('close', onClose).off('error', onError);
      if (error !== null) reject(error);
      else if (body !== undefined) resolve(Buffer.from(body));
    }
    socket.on('data', onData).once('close', onClose).once('error', onError);
  });
}

function connectSocket(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`TCP connect to ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Opens and closes one session; resolves with the ConnectResponse the server sent. */
export async function probeHandshake(
  host: string,
  port: number,
  timeoutMs = 5_000,
): Promise<ConnectResponse> {
  const socket = await connectSocket(host, port, timeoutMs);
  socket.on('error', () => socket.destroy());
  try {
    const decoder = new FrameDecoder(HANDSHAKE_FRAME_BYTES_MAX);
    const replyFrame = nextFrame(socket, decoder, timeoutMs);
    socket.write(
      frame((w) =>
        writeConnectRequest(w, {
          protocolVersion: 0,
          lastZxidSeen: 0,
          timeOut: PROBE_SESSION_TIMEOUT_MS,
          sessionId: 0n,
          passwd: Buffer.alloc(16),
          readOnly: false,
        }),
      ),
    );
    const response = readConnectResponse(new JuteReader(await replyFrame));
    if (response.sessionId === 0n || response.timeOut <= 0) {
      throw new Error(`server refused the session (timeOut ${response.timeOut})`);
    }
    const closeReply = nextFrame(socket, decoder, CLOSE_WAIT_MS).catch(() => null);
    socket.write(frame((w) => w.writeInt(1).writeInt(OpCode.closeSession)));
    await closeReply;
    return response;
  } finally {
    socket.destroy();
  }
}
