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
}

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
  'portUnification',
  'sslQuorumReloadCertFiles',
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
  'audit.enable',
  'serverCnxnFactory',
  'electionPortBindRetry',
  'cnxTimeout',
  'leaderServes',
  'tcpKeepAlive',
  'flushDelay',
  'maxWriteQueuePollTime',
  'maxBatchSize',
  'requestThrottleLimit',
  'requestThrottleStallTime',
  'requestThrottleDropStale',
  'closeSessionTxn.enabled',
  'enforceQuota',
  'watchManagerName',
  'znode.container.maxNeverUsedIntervalMs',
  'jute.maxbuffer.extrasize',
  'DigestAuthenticationProvider.enabled',
  'emulate353TTLNodes',
];

const NOTED: ReadonlyArray<readonly [string, IgnoredSetting]> = [
  ['localSessionsEnabled', { kind: 'bool', note: 'Warren has no local sessions' }],
  [
    'client.secure',
    { kind: 'text', note: 'client.secure is a client setting; the server ignores it' },
  ],
  ['skipACL', { kind: 'text', note: 'skipACL is ignored: Warren always checks ACLs' }],
  [
    'globalOutstandingLimit',
    {
      kind: 'text',
      note:
        'globalOutstandingLimit is ignored: Warren limits requests in flight per connection ' +
        '(warren.outstandingRequestsMax, default 1000)',
    },
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
    { kind: 'text', note: 'Warren checks digests with SHA1 only; digestAlg is ignored' },
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

const IGNORED: ReadonlyMap<string, IgnoredSetting> = new Map<string, IgnoredSetting>([
  ...READ_BY_QUORUM_SECURITY,
  ...INT_KEYS.map((key): [string, IgnoredSetting] => [key, { kind: 'int' }]),
  ...BOOL_KEYS.map((key): [string, IgnoredSetting] => [key, { kind: 'bool' }]),
  ...TEXT_KEYS.map((key): [string, IgnoredSetting] => [key, { kind: 'text' }]),
  ...NOTED,
]);

const IGNORED_PREFIXES: ReadonlyArray<readonly [string, IgnoredSetting]> = [
  ['metricsProvider.', { kind: 'text' }],
  ['admin.', { kind: 'text' }],
  ['jvm.pause.', { kind: 'text' }],
  ['connection_throttle_', { kind: 'text' }],
  ['ssl.quorum.', { kind: 'text' }], // read by security/quorum-security.ts
  [
    'authProvider.',
    {
      kind: 'text',
      note: 'Warren supports the digest auth scheme only; authProvider.* is ignored',
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
