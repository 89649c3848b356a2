/**
 * How server-to-server links are authenticated, as ZooKeeper configures it: quorum TLS
 * (`sslQuorum=true`: both ends present certificates from the quorum key stores, each checked
 * against the trust store and, with hostname verification, against the claimed server's
 * address) and quorum SASL by shared secret (`quorum.auth.enableSasl=true`, peer-auth.ts).
 * Either, both, or neither (then anyone who can reach the peer port is trusted, and start-up
 * says so).
 */
import type tls from 'node:tls';
import type { LearnerCredentials, ServerCredentials } from './peer-auth.js';

export interface PeerSasl {
  /** Ours when we dial (JAAS QuorumLearner); null: we cannot prove ourselves. */
  readonly learner: LearnerCredentials | null;
  /** Who may dial us (JAAS QuorumServer); null: we cannot check anyone. */
  readonly server: ServerCredentials | null;
  /** quorum.auth.learnerRequireSasl: never send to a peer that did not prove the secret. */
  readonly learnerRequire: boolean;
  /** quorum.auth.serverRequireSasl: never take messages from a peer that did not prove it. */
  readonly serverRequire: boolean;
}

export interface PeerTls {
  /** Listener options: our certificate, the trust store, and client certificates required. */
  readonly server: tls.TlsOptions;
  /** Dialler options: our certificate and the trust store. */
  readonly client: tls.ConnectionOptions;
  /** ssl.quorum.hostnameVerification: a peer we dial must match its server.N host. */
  readonly hostnameVerification: boolean;
  /**
   * And a peer that dials us (ZooKeeper: hostnameVerification and
   * clientHostnameVerification, both on by default for the quorum).
   */
  readonly clientHostnameVerification: boolean;
}

export interface PeerSecurity {
  readonly sasl: PeerSasl | null;
  readonly tls: PeerTls | null;
}

export const openPeerSecurity: PeerSecurity = { sasl: null, tls: null };

/** Whether anyone who can reach the peer port can speak for a member. */
export function peerPortIsOpen(security: PeerSecurity): boolean {
  return security.tls === null && (security.sasl === null || !security.sasl.serverRequire);
}
