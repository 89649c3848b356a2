/**
 * The x509 identities of an HTTPS caller (the AdminServer's `Authorization: x509`, the
 * dashboard's certificate login), as the TLS client port gives them: the subject of a
 * certificate the trust store verified, `super` first for X509AuthenticationProvider.superUser.
 * An unverified or absent certificate gives none.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Id } from '../protocol/records.js';
import { x509Subject } from '../security/x500-name.js';
import { certificateIds } from './auth.js';

/** The verified certificate's subject, or undefined. */
export function verifiedSubject(socket: Socket): string | undefined {
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const certificate = socket.getPeerX509Certificate();
  if (certificate === undefined) return undefined;
  try {
    return x509Subject(certificate.raw);
  } catch {
    return undefined; // a subject Warren cannot read names no one
  }
}

export function tlsPeerIds(socket: Socket, superUser: string | null): Id[] {
  return certificateIds(verifiedSubject(socket), superUser);
}
