/**
 * What SASL on the client port is configured with, once security/client-sasl.ts has read the
 * JAAS file and the ZooKeeper settings. Plain data: the server (server/sasl.ts) runs the
 * exchange with it.
 */
export interface ClientSasl {
  /** The JAAS section the users came from (zookeeper.sasl.serverconfig, default Server). */
  readonly section: string;
  /** user_<name>="<password>" of the section's DigestLoginModule. */
  readonly users: ReadonlyMap<string, string>;
  /**
   * zookeeper.SASLAuthenticationProvider.superPassword: the password of the user `super`
   * (ZooKeeper's SaslServerCallbackHandler); null when unset.
   */
  readonly superPassword: string | null;
  /** zookeeper.superUser (and zookeeper.superUser.*): users that also get the `super` id. */
  readonly superUsers: readonly string[];
  /** zookeeper.sessionRequireClientSASLAuth: every session must authenticate with SASL. */
  readonly sessionRequired: boolean;
  /** zookeeper.allowSaslFailedClients: a failed exchange keeps the connection open. */
  readonly allowFailedClients: boolean;
}

/** The SASL authentication provider's class, as authProvider.N names it. */
export const SASL_PROVIDER_CLASS = 'org.apache.zookeeper.server.auth.SASLAuthenticationProvider';
