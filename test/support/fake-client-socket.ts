/** A ClientSocket for unit tests: records what the connection does with it. */
import type { ClientSocket, ClientSocketEvents } from '../../src/server/client-socket.js';

export class FakeClientSocket implements ClientSocket {
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 1;
  bufferedBytes = 0;
  destroyed = false;
  readonly writes: Buffer[] = [];
  readonly calls: string[] = [];

  /**
   * @param copyWrites keep a copy of each write (the connection reuses pooled buffers);
   *   false keeps each as given, to see that a cached part reaches the socket uncopied
   */
  constructor(private readonly copyWrites = true) {}

  start(_events: ClientSocketEvents): void {}
  write(bytes: Buffer): void {
    this.writes.push(this.copyWrites ? Buffer.from(bytes) : bytes);
    this.calls.push(`write ${bytes.length}`);
  }
  pause(): void {}
  resume(): void {}
  end(): void {
    this.calls.push('end');
  }
  destroy(): void {
    this.destroyed = true;
    this.calls.push('destroy');
  }
  get bytes(): Buffer {
    return Buffer.concat(this.writes);
  }
}
