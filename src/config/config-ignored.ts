/**
 * ZooKeeper settings that Warren recognises but does not act on. A zoo.cfg holding them is
 * accepted: most pass silently, a few get a note because ignoring them changes behaviour an
 * operator may count on (TLS, ACL skipping, global limits). Settings that ZooKeeper's
 * QuorumPeerConfig parses strictly keep their type check here (ZooKeeper refuses to start on
 * `initLimit=ten`, so Warren does too); ones ZooKeeper reads as system properties are not
 * checked, since ZooKeeper falls back to its default on a malformed value.
 */

/** `int` and `bool` are checked as ZooKeeper's QuorumPeerConfig checks them. */
export type IgnoredKind = 'int' | 'bool' | 'text';

export interface IgnoredSetting {
  readonly kind: IgnoredKind;
  /** Said once per file (the same note for several keys is said once). */
  readonly note?: string;
  /**
   * Why this value cannot start a server that is asked for something Warren does not do (a
   * security setting is never dropped: it is honoured or refused); undefined: accepted.
   */
  readonly refuse?: (value: string) => string | undefined;
}

const isTrue = (value: string): boolean => /^(true|yes)$/i.test(value.trim());

/** Refused when set to true (or yes), with `reason`. */
function refusedWhenTrue(kind: IgnoredKind, reason: string): IgnoredSetting {
  return { kind, refuse: (value) => (isTrue(value) ? reason : undefined) };
}

const BUILT_IN_PROVIDERS = ['Digest', 'IP', 'X509', 'SASL'].map(
  (name) => `org.apache.zookeeper.server.auth.${name}AuthenticationProvider`,
);

const INT_KEYS = [
  'connectToLearnerMasterLimit',
  'electionAlg',
  'observerMasterPort',
  'clientPortListenBacklog',
  'quorum.cnxn.threads.size',
  'multiAddress.reachabilityCheckTimeoutMs',
];

const BOOL_KEYS = [
  'localSessionsUpgradingEnabled',
  'quorumListenOnAllIPs',
  'syncEnabled',
  'multiAddress.enabled',
  'multiAddress.reachabilityCheckEnabled',
];

/** Read by ZooKeeper as `zookeeper.<key>` system properties (or plain ones); not checked. */
const TEXT_KEYS = [
  'peerType',
  'oraclePath',
  'preAllocSize',
  'forceSync',
  'snapSizeLimitInKb',
  'txnLogSizeLimitInKb',
  'commitLogCount',
  'maxResponseCacheSize',
  'maxGetChildrenResponseCacheSize',
  'fsync.warningthresholdms',
  'digest.enabled',
  'serverCnxnFactory',
  'electionPortBindRetry',
  'cnxTimeout',
  'leaderServes',
  'tcpKeepAlive',
  'flushDelay',
  'maxWriteQueuePollTime',
  'maxBatchSize',
  'closeSessionTxn.enabled',
  'watchManagerName',
  'znode.container.maxNeverUsedIntervalMs',
  'jute.maxbuffer.extrasize',
  'emulate353TTLNodes',
];

const PLAIN_HTTP =
  "Warren's metrics endpoint speaks plain HTTP only (bind it to a private address; the " +
  'AdminServer has HTTPS: admin.forceHttps)';

/** TLS on the metrics listener: refused, never dropped (config-operations.ts has the rest). */
const HTTP_TLS: ReadonlyArray<readonly [string, IgnoredSetting]> = [
  ['metricsProvider.httpsPort', { kind: 'text', refuse: () => PLAIN_HTTP }],
];

const NOTED: ReadonlyArray<readonly [string, IgnoredSetting]> = [
  ['localSessionsEnabled', { kind: 'bool', note: 'Warren has no local sessions' }],
  [
    'client.secure',
    { kind: 'text', note: 'client.secure is a client setting; the server ignores it' },
  ],
  [
    'skipACL',
    refusedWhenTrue('text', 'Warren always checks ACLs; remove skipACL (or set it to no)'),
  ],
  [
    'enforceQuota',
    refusedWhenTrue('text', 'Warren does not enforce quotas yet; remove enforceQuota'),
  ],
  [
    'portUnification',
    refusedWhenTrue(
      'bool',
      'Warren serves TLS on secureClientPort only, never mixed with plaintext on one port',
    ),
  ],
  [
    'sslQuorumReloadCertFiles',
    refusedWhenTrue('bool', 'Warren reloads quorum certificates only on restart'),
  ],
  [
    'maxCnxns',
    {
      kind: 'text',
      note: 'maxCnxns is ignored: Warren limits connections in total with warren.connectionsMax',
    },
  ],
  [
    'DigestAuthenticationProvider.digestAlg',
    {
      kind: 'text',
      refuse: (value) =>
        /^sha-?1$/i.test(value.trim())
          ? undefined
          : 'Warren computes digests with SHA1 only (ZooKeeper 3.6+ can use others)',
    },
  ],
];

/**
 * Quorum security, read by security/quorum-security.ts from the raw lines (not ignored: listed
 * here so the file check knows them and type-checks the booleans as ZooKeeper does).
 */
const READ_BY_QUORUM_SECURITY: ReadonlyArray<readonly [string, IgnoredSetting]> = [
  ['sslQuorum', { kind: 'bool' }],
  ['quorum.auth.enableSasl', { kind: 'bool' }],
  ['quorum.auth.serverRequireSasl', { kind: 'bool' }],
  ['quorum.auth.learnerRequireSasl', { kind: 'bool' }],
  ['quorum.auth.learner.saslLoginContext', { kind: 'text' }],
  ['quorum.auth.server.saslLoginContext', { kind: 'text' }],
  ['quorum.auth.kerberos.servicePrincipal', { kind: 'text' }],
  ['java.security.auth.login.config', { kind: 'text' }],
];

/**
 * Client-port SASL, read by security/client-sasl.ts from the raw lines (each also as its
 * `zookeeper.` system property, and zookeeper.superUser.* by prefix below).
 */
const READ_BY_CLIENT_SASL: ReadonlyArray<readonly [string, IgnoredSetting]> = [
  ...[
    'sessionRequireClientSASLAuth',
    'allowSaslFailedClients',
    'sasl.serverconfig',
    'superUser',
    'SASLAuthenticationProvider.superPassword',
    // Kerberos name rewriting: Warren refuses user names with / or @, so there is none to do.
    'kerberos.removeHostFromPrincipal',
    'kerberos.removeRealmFromPrincipal',
  ].flatMap(
    (key): Array<[string, IgnoredSetting]> => [
      [key, { kind: 'text' }],
      [`zookeeper.${key}`, { kind: 'text' }],
    ],
  ),
  ...['letAnySaslUserDoX', 'zookeeper.letAnySaslUserDoX'].map((key): [string, IgnoredSetting] => [
    key,
    { kind: 'text', refuse: () => 'Warren does not let every SASL user act as one ACL id' },
  ]),
];

const IGNORED: ReadonlyMap<string, IgnoredSetting> = new Map<string, IgnoredSetting>([
  ...READ_BY_QUORUM_SECURITY,
  ...READ_BY_CLIENT_SASL,
  ...INT_KEYS.map((key): [string, IgnoredSetting] => [key, { kind: 'int' }]),
  ...BOOL_KEYS.map((key): [string, IgnoredSetting] => [key, { kind: 'bool' }]),
  ...TEXT_KEYS.map((key): [string, IgnoredSetting] => [key, { kind: 'text' }]),
  ...NOTED,
  ...HTTP_TLS,
]);

const IGNORED_PREFIXES: ReadonlyArray<readonly [string, IgnoredSetting]> = [
  // The rest (worker threads, queue sizes, rate limits) tunes Jetty: nothing to tune here.
  ['metricsProvider.', { kind: 'text' }],
  ['admin.', { kind: 'text' }],
  ['jvm.pause.', { kind: 'text' }],
  ['connection_throttle_', { kind: 'text' }],
  ['ssl.quorum.', { kind: 'text' }], // read by security/quorum-security.ts
  ['superUser.', { kind: 'text' }], // read by security/client-sasl.ts
  ['zookeeper.superUser.', { kind: 'text' }],
  [
    'authProvider.',
    {
      kind: 'text',
      refuse: (value) =>
        BUILT_IN_PROVIDERS.includes(value.trim())
          ? undefined
          : 'Warren has the digest, ip, x509 and sasl schemes built in and loads no other ' +
            'provider',
    },
  ],
];

/** The setting for a key, exact or by prefix; undefined when ZooKeeper has no such key. */
export function findIgnoredSetting(key: string): IgnoredSetting | undefined {
  const exact = IGNORED.get(key);
  if (exact !== undefined) return exact;
  return IGNORED_PREFIXES.find(([prefix]) => key.startsWith(prefix))?.[1];
}

/** Every exact key recognised as ignored; for "did you mean" hints. */
export function ignoredKeys(): Iterable<string> {
  return IGNORED.keys();
}

/** The prefixes recognised as ignored (`admin.`, `authProvider.`, ...), for docs checks. */
export function ignoredPrefixes(): readonly string[] {
  return IGNORED_PREFIXES.map(([prefix]) => prefix);
}
