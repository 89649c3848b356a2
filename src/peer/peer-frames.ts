/**
 * The byte layout of the server-to-server link, in one place so sender and receiver cannot
 * drift apart. A connection starts with one handshake frame; then every frame is
 * `u32 length, u8 kind, ...`: a whole message, or the start / continuation of a message too
 * large for one frame (chunked so no frame, and so no receive buffer, exceeds a small cap).
 */
export const peerMagic = Buffer.from('WRNPEER', 'latin1');
export const peerProtocolVersion = 1;

/** magic, version u8, fromId u32, toId u32. */
const handshakeBodyBytes = peerMagic.length + 1 + 4 + 4;
/** The handshake frame including its length prefix; the receiver reads exactly this much. */
export const handshakeFrameBytes = 4 + handshakeBodyBytes;

export const frameKind = { message: 1, chunkStart: 2, chunkMore: 3 } as const;
export type FrameKind = (typeof frameKind)[keyof typeof frameKind];

/** Length prefix + kind, plus the total length on a chunk start. */
export const messageHeaderBytes = 4 + 1;
export const chunkStartHeaderBytes = 4 + 1 + 4;

export function encodeHandshake(fromId: number, toId: number): Buffer {
  const out = Buffer.alloc(handshakeFrameBytes);
  let offset = out.writeUInt32BE(handshakeBodyBytes, 0);
  offset += peerMagic.copy(out, offset);
  offset = out.writeUInt8(peerProtocolVersion, offset);
  offset = out.writeUInt32BE(fromId, offset);
  out.writeUInt32BE(toId, offset);
  return out;
}

export type HandshakeResult =
  | { readonly ok: true; readonly fromId: number; readonly toId: number }
  | { readonly ok: false; readonly reason: string };

/** Parses the first `handshakeFrameBytes` of a connection (never throws). */
export function decodeHandshake(frame: Buffer): HandshakeResult {
  if (frame.length !== handshakeFrameBytes) return { ok: false, reason: 'short handshake' };
  const length = frame.readUInt32BE(0);
  if (length !== handshakeBodyBytes) return { ok: false, reason: `handshake length ${length}` };
  const magicEnd = 4 + peerMagic.length;
  if (!frame.subarray(4, magicEnd).equals(peerMagic)) return { ok: false, reason: 'bad magic' };
  const version = frame.readUInt8(magicEnd);
  if (version !== peerProtocolVersion) {
    return { ok: false, reason: `protocol version ${version}, want ${peerProtocolVersion}` };
  }
  return {
    ok: true,
    fromId: frame.readUInt32BE(magicEnd + 1),
    toId: frame.readUInt32BE(magicEnd + 5),
  };
}

/** The header of a frame whose kind byte is followed by `bodyBytes` of payload. */
export function messageHeader(kind: 1 | 3, bodyBytes: number): Buffer {
  const out = Buffer.allocUnsafe(messageHeaderBytes);
  out.writeUInt32BE(1 + bodyBytes, 0);
  out.writeUInt8(kind, 4);
  return out;
}

/** The header of the first chunk of a `totalBytes` message, carrying `pieceBytes` of it. */
export function chunkStartHeader(totalBytes: number, pieceBytes: number): Buffer {
  const out = Buffer.allocUnsafe(chunkStartHeaderBytes);
  out.writeUInt32BE(1 + 4 + pieceBytes, 0);
  out.writeUInt8(frameKind.chunkStart, 4);
  out.writeUInt32BE(totalBytes, 5);
  return out;
}
