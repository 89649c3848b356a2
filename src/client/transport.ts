/**
 * The client's transport: how it opens a byte stream to one server. ClientOptions.transport
 * takes a SocketFactory, so an application can route through a proxy, a tunnel or a custom
 * resolver, and a test can inject faults; the default opens plain TCP, or TLS when
 * ClientOptions.tls is set. The factory is called once per connection attempt and must return
 * a socket that is connecting (the client waits for its handshake reply, with a timeout).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';

export interface TransportTarget {
  /** The host as written in the connect string. */
  host: string;
  port: number;
  /** ClientOptions.tls, when set. */
  tls: tls.ConnectionOptions | undefined;
}

/** Opens a connection to one server; a TLS transport returns a tls.TLSSocket. */
export type SocketFactory = (target: TransportTarget) => net.Socket;

/** The default: node:net, or node:tls with the given options. */
export const defaultSocketFactory: SocketFactory = (target) =>
  target.tls === undefined
    ? net.connect({ host: target.host, port: target.port })
    : tls.connect({ host: target.host, port: target.port, ...target.tls });
