/**
 * What a Warren server can be configured with: the ServerConfig shape, its defaults, and one
 * spec per field saying which zoo.cfg keys set it, how a value is read and what is valid.
 * The same spec checks a zoo.cfg line and a value given by flags, so both say the same thing.
 */
import {
  frameBytesMaxCeiling,
  memoryBytesMaxCeiling,
  memoryBytesMaxMin,
  pathBytesMaxCeiling,
  pathBytesMaxDefault,
  watchBytesMaxMin,
} from '../util/limits.js';
import { emptyEnsemble, type EnsembleConfig } from './config-ensemble.js';
import {
  defaultOperationsConfig,
  OPERATIONS_SPECS,
  type OperationsConfig,
} from './config-operations.js';
import {
  isHost,
  isIntBetween,
  isPort,
  isSuperDigest,
  JAVA_INT_MAX,
  parseBoolean,
  parseDecimalOrHexInt,
  parseJavaInt,
} from './config-values.js';

/** The metrics and AdminServer listeners are in config-operations.ts. */
export interface ServerConfig extends OperationsConfig {
  /**
   * The plaintext client port; null for none, which is what a zoo.cfg with secureClientPort
   * and no clientPort asks for (a TLS-only server never listens in plaintext).
   */
  clientPort: number | null;
  clientPortAddress: string;
  /** secureClientPort: the client port served over TLS with the ssl.* stores; null: none. */
  secureClientPort: number | null;
  /** secureClientPortAddress; all addresses when unset, as in ZooKeeper. */
  secureClientPortAddress: string;
  /**
   * client.certReload: reload the ssl.* stores when their files change. ZooKeeper's default
   * is false; Warren's is true (a rotated certificate should not need a restart).
   */
  clientCertReload: boolean;
  /**
   * X509AuthenticationProvider.superUser: a client whose certificate subject (RFC 2253, as
   * the x509 scheme names it) is this is a super user; null for none.
   */
  x509SuperUser: string | null;
  /** Resolved relative to the working directory by the caller. */
  dataDir: string;
  /** Defaults to dataDir. */
  dataLogDir: string;
  /** Milliseconds. */
  tickTime: number;
  /** Milliseconds; defaults to 2 × tickTime. */
  minSessionTimeout: number;
  /** Milliseconds; defaults to 20 × tickTime. */
  maxSessionTimeout: number;
  /** Connections per client IP; 0 = unlimited. */
  maxClientCnxns: number;
  /** autopurge.snapRetainCount; at least 3. */
  snapRetainCount: number;
  /** autopurge.purgeInterval; 0 = no purging. */
  purgeIntervalHours: number;
  /** 4lw.commands.whitelist; `srvr` is always in it, as in ZooKeeper. */
  fourLetterWords: ReadonlySet<string>;
  /** Transactions between snapshots. */
  snapCount: number;
  /**
   * snapSizeLimitInKb: snapshot once the log since the last one holds this many KiB (0: only
   * Warren's own bound, raftSnapshotAtHeldBytes, which also caps this).
   */
  snapSizeLimitKb: number;
  /** jute.maxbuffer: the largest packet and znode, in bytes. */
  juteMaxBuffer: number;
  extendedTypesEnabled: boolean;
  /** `user:base64sha1`, or null for no super user. */
  superDigest: string | null;
  containerCheckIntervalMs: number;
  containerMaxPerMinute: number;
  /** DigestAuthenticationProvider.enabled: false refuses the digest scheme in addAuth. */
  digestAuthEnabled: boolean;
  /** enforce.auth.enabled: a session must authenticate with one of enforceAuthSchemes. */
  enforceAuthEnabled: boolean;
  /** enforce.auth.schemes (comma-separated). */
  enforceAuthSchemes: readonly string[];
  /** audit.enable: one audit line per write and per authentication attempt. */
  auditEnabled: boolean;
  /** warren.audit.file; empty: `audit.log` in dataLogDir. */
  auditLogFile: string;
  /** warren.outstandingRequestsMax: requests in flight per connection. */
  outstandingRequestsMax: number;
  /**
   * warren.clientOutputBytesMax: replies a connection may leave unread before its later
   * requests wait (a reader that never reads cannot make the server build more).
   */
  clientOutputBytesMax: number;
  /** warren.clientStallMs: a connection over its output budget this long is closed. */
  clientStallMs: number;
  /** warren.slowRequestMs: requests answered this late are logged (0: never). */
  slowRequestMs: number;
  /**
   * globalOutstandingLimit: past this many requests received and not answered over every
   * connection, connections with requests of their own outstanding stop being read.
   */
  globalOutstandingLimit: number;
  /**
   * requestThrottleLimit (zookeeper.request_throttle_max_requests): requests started and not
   * answered past which later ones wait in their connection's queue; 0: off, as in ZooKeeper.
   */
  requestThrottleMaxRequests: number;
  /** requestThrottleStallTime: how often waiting requests are looked at (ms). */
  requestThrottleStallTimeMs: number;
  /**
   * requestThrottleDropStale: a request the throttler has held longer than its session's
   * timeout is stale; its connection is closed (the client retries elsewhere or later).
   */
  requestThrottleDropStale: boolean;
  /** throttledOpWaitTime: a request held longer than this is answered ThrottledOp; 0: never. */
  throttledOpWaitTimeMs: number;
  /**
   * warren.memoryBytesMax: past this much live memory (V8 heap in use plus Buffers), no
   * client's requests are read until it is back under 90% of it; 0: no bound.
   */
  memoryBytesMax: number;
  /** warren.watchesPerSessionMax. */
  watchesPerSessionMax: number;
  /** warren.watchBytesMax: estimated memory of all watches together (util/limits.ts). */
  watchBytesMax: number;
  /**
   * warren.pathBytesMax: the longest path (UTF-8 bytes) any request may name; longer ones are
   * answered BadArguments. Bounded well below the length V8 stops hashing strings at.
   */
  pathBytesMax: number;
  /** warren.sessionsMax. */
  sessionsMax: number;
  /** warren.sessionsPerAddressMax: live sessions created here by one client address. */
  sessionsPerAddressMax: number;
  /** warren.sessionCreateRatePerAddress: new sessions per second per client address. */
  sessionCreateRatePerAddress: number;
  /** warren.connectionsMax: connections in total. */
  connectionsMax: number;
  /** Ticks a follower may take to connect and catch up (election timeout: see ensemble). */
  initLimit: number;
  /** Ticks a follower may fall silent before the leader counts it out. */
  syncLimit: number;
  /** reconfigEnabled: whether the reconfig operation is allowed (ZooKeeper's default: no). */
  reconfigEnabled: boolean;
  /** warren.linearizableReads: every read first confirms the leader's commit point. */
  linearizableReads: boolean;
  /** warren.join: a new ensemble member that waits to be added by reconfig. */
  join: boolean;
  /** readonlymode.enabled: without a quorum, serve reads to clients that allow it. */
  readOnlyModeEnabled: boolean;
  /**
   * standaloneEnabled (ZooKeeper 3.5+, default true): with a single server.N line, run alone
   * and ignore it. False runs that server as a one-member ensemble (peer port, myid), which
   * reconfig can grow.
   */
  standaloneEnabled: boolean;
  /** server.N, group.N, weight.N, dynamicConfigFile: with two or more servers, an ensemble. */
  ensemble: EnsembleConfig;
}

/** Every four-letter word ZooKeeper 3.8 knows (FourLetterCommands.cmd2String). */
export const KNOWN_FOUR_LETTER_WORDS: readonly string[] = Object.freeze([
  'ruok',
  'srvr',
  'stat',
  'mntr',
  'conf',
  'cons',
  'envi',
  'wchs',
  'wchc',
  'wchp',
  'dirs',
  'isro',
  'crst',
  'srst',
  'dump',
  'gtmk',
  'stmk',
  'hash',
]);

/**
 * ClickHouse Keeper's extras (snapshot now, log indexes, request or yield leadership). Only
 * taken when named in the whitelist: `*` keeps meaning ZooKeeper's words, and two of these
 * move leadership.
 */
export const CLICKHOUSE_FOUR_LETTER_WORDS: readonly string[] = Object.freeze([
  'csnp',
  'lgif',
  'rqld',
  'ydld',
]);

const ALL_FOUR_LETTER_WORDS = [...KNOWN_FOUR_LETTER_WORDS, ...CLICKHOUSE_FOUR_LETTER_WORDS];

const DEFAULT_TICK_TIME_MS = 2000;
export const SNAP_RETAIN_COUNT_MIN = 3;
export const SNAP_COUNT_MIN = 2;
/** snapSizeLimitInKb below this (but above 0) is raised to it. */
export const SNAP_SIZE_LIMIT_KB_MIN = 1024;
export const JUTE_MAX_BUFFER_MIN = 1024;
/**
 * The largest reply a client may be sent. Requests stay within frameBytesMaxCeiling whatever
 * this says: a txn must fit in one WAL record (util/limits.ts).
 */
export const JUTE_MAX_BUFFER_MAX = 1024 * 1024 * 1024;
const JUTE_RANGE = `${JUTE_MAX_BUFFER_MIN}..${JUTE_MAX_BUFFER_MAX}`;
/** Room for /zookeeper/config and any real path. */
export const PATH_BYTES_MAX_MIN = 256;
const MEMORY_RANGE = `${memoryBytesMaxMin}..${memoryBytesMaxCeiling}`;
const PATH_RANGE = `${PATH_BYTES_MAX_MIN}..${pathBytesMaxCeiling}`;
/** So that the default maxSessionTimeout, 20 × tickTime, fits in an int as in ZooKeeper. */
export const TICK_TIME_MAX_MS = Math.floor(JAVA_INT_MAX / 20);

export function defaultConfig(): ServerConfig {
  return {
    clientPort: 2181,
    clientPortAddress: '0.0.0.0',
    secureClientPort: null,
    secureClientPortAddress: '0.0.0.0',
    clientCertReload: true,
    x509SuperUser: null,
    dataDir: './data',
    dataLogDir: './data',
    tickTime: DEFAULT_TICK_TIME_MS,
    minSessionTimeout: 2 * DEFAULT_TICK_TIME_MS,
    maxSessionTimeout: 20 * DEFAULT_TICK_TIME_MS,
    maxClientCnxns: 60,
    snapRetainCount: SNAP_RETAIN_COUNT_MIN,
    purgeIntervalHours: 0,
    fourLetterWords: new Set(['srvr']),
    snapCount: 100_000,
    snapSizeLimitKb: 4_194_304, // ZooKeeper's default, 4 GiB: Warren's own bound comes first
    juteMaxBuffer: 0xfffff,
    extendedTypesEnabled: false,
    superDigest: null,
    containerCheckIntervalMs: 60_000,
    containerMaxPerMinute: 10_000,
    digestAuthEnabled: true,
    enforceAuthEnabled: false,
    enforceAuthSchemes: [],
    auditEnabled: false,
    auditLogFile: '',
    outstandingRequestsMax: 1000,
    clientOutputBytesMax: 4 * 1024 * 1024,
    clientStallMs: 30_000,
    slowRequestMs: 1_000,
    globalOutstandingLimit: 1000,
    requestThrottleMaxRequests: 0,
    requestThrottleStallTimeMs: 100,
    requestThrottleDropStale: true,
    throttledOpWaitTimeMs: 0,
    memoryBytesMax: 0,
    watchesPerSessionMax: 1_000_000,
    watchBytesMax: 512 * 1024 * 1024,
    pathBytesMax: pathBytesMaxDefault,
    sessionsMax: 100_000,
    sessionsPerAddressMax: 2000,
    sessionCreateRatePerAddress: 200,
    connectionsMax: 60_000,
    initLimit: 10,
    syncLimit: 5,
    reconfigEnabled: false,
    linearizableReads: false,
    join: false,
    readOnlyModeEnabled: false,
    standaloneEnabled: true,
    ...defaultOperationsConfig(),
    ensemble: emptyEnsemble(),
  };
}

export interface FourLetterWordList {
  words: Set<string>;
  /** Entries that are not known words; they are dropped. */
  unknown: string[];
}

/**
 * Reads a 4lw.commands.whitelist value: comma-separated words, `*` for all known words.
 * Entries are trimmed and empty ones skipped; `srvr` is always added, as ZooKeeper does
 * (zkServer.sh depends on it). Words are case-sensitive, as in ZooKeeper.
 */
export function parseFourLetterWords(list: string): FourLetterWordList {
  const words = new Set<string>(['srvr']);
  const unknown: string[] = [];
  for (const entry of list.split(',').map((word) => word.trim())) {
    if (entry === '*') KNOWN_FOUR_LETTER_WORDS.forEach((word) => words.add(word));
    else if (isKnownFourLetterWord(entry)) words.add(entry);
    else if (entry !== '') unknown.push(entry);
  }
  return { words, unknown };
}

/** The fields set from a single value (all but the ensemble). */
export type ValueField = Exclude<keyof ServerConfig, 'ensemble'>;

export interface FieldSpec {
  readonly field: ValueField;
  /** zoo.cfg spellings; the first is the one ZooKeeper documents. */
  readonly keys: readonly string[];
  /** Completes "KEY must be …". */
  readonly expected: string;
  /** Reads a trimmed zoo.cfg value; undefined when malformed. Notes are about this key. */
  parse(raw: string, note: (message: string) => void): unknown;
  /** Whether a typed value (parsed, or given by flags) is acceptable. */
  valid(value: unknown): boolean;
  /** Why a well-formed but refused value is refused, when `expected` does not say. */
  explain?(value: unknown): string | undefined;
}

interface IntOptions {
  min: number;
  max?: number;
  /** zoo.cfg values below min are raised to min, as ZooKeeper does; warn says so. */
  raise?: 'silently' | 'with a warning';
}

function intSpec(field: ValueField, keys: string[], expected: string, o: IntOptions): FieldSpec {
  const max = o.max ?? JAVA_INT_MAX;
  return {
    field,
    keys,
    expected,
    parse(raw, note) {
      const value = parseJavaInt(raw);
      if (value === undefined || value >= o.min || o.raise === undefined) return value;
      if (o.raise === 'with a warning') {
        note(`${value} is below ${o.min}; using ${o.min}, as ZooKeeper does`);
      }
      return o.min;
    },
    valid: (value) => isIntBetween(value, o.min, max),
    explain(value) {
      const number = typeof value === 'string' ? Number(value) : value;
      const tooLarge = typeof number === 'number' && /^[+-]?[0-9]+$/.test(String(value));
      return tooLarge && number > max ? `the largest accepted is ${max}` : undefined;
    },
  };
}

function textSpec(field: ValueField, key: string, expected: string, check: FieldSpec['valid']) {
  return { field, keys: [key], expected, parse: (raw: string) => raw, valid: check };
}

/**
 * The schemes a client can authenticate with here. ZooKeeper also checks the provider is
 * registered: for sasl, security/client-sasl.ts checks its authProvider.N line.
 */
export const ENFORCEABLE_SCHEMES: readonly string[] = ['digest', 'ip', 'x509', 'sasl'];

const isPath = (value: unknown): boolean => typeof value === 'string' && value.length > 0;
const MS = 'a positive integer (milliseconds)';
const POSITIVE = 'a positive integer';

export const FIELD_SPECS: readonly FieldSpec[] = [
  {
    field: 'clientPort',
    keys: ['clientPort'],
    expected: 'a port number (1..65535)',
    parse: parseJavaInt,
    valid: (value) => value === null || isPort(value),
  },
  textSpec('clientPortAddress', 'clientPortAddress', 'a host name or IP address', isHost),
  {
    field: 'secureClientPort',
    keys: ['secureClientPort'],
    expected: 'a port number (1..65535)',
    parse: parseJavaInt,
    valid: (value) => value === null || isPort(value),
  },
  textSpec(
    'secureClientPortAddress',
    'secureClientPortAddress',
    'a host name or IP address',
    isHost,
  ),
  booleanSpec('clientCertReload', ['client.certReload', 'zookeeper.client.certReload']),
  {
    field: 'x509SuperUser',
    keys: [
      'zookeeper.X509AuthenticationProvider.superUser',
      'X509AuthenticationProvider.superUser',
    ],
    expected: 'a certificate subject such as CN=admin,O=Example',
    parse: (raw) => (raw === '' ? null : raw),
    valid: (value) => value === null || (typeof value === 'string' && /^[^=,+]+=/.test(value)),
  },
  textSpec('dataDir', 'dataDir', 'a non-empty directory path', isPath),
  textSpec('dataLogDir', 'dataLogDir', 'a non-empty directory path', isPath),
  intSpec('tickTime', ['tickTime'], MS, { min: 1, max: TICK_TIME_MAX_MS }),
  intSpec('minSessionTimeout', ['minSessionTimeout'], MS, { min: 1 }),
  intSpec('maxSessionTimeout', ['maxSessionTimeout'], MS, { min: 1 }),
  intSpec('maxClientCnxns', ['maxClientCnxns'], 'a non-negative integer (0 = unlimited)', {
    min: 0,
  }),
  intSpec('snapRetainCount', ['autopurge.snapRetainCount'], 'an integer of at least 3', {
    min: SNAP_RETAIN_COUNT_MIN,
    raise: 'with a warning',
  }),
  intSpec('purgeIntervalHours', ['autopurge.purgeInterval'], 'a non-negative integer (hours)', {
    min: 0,
    raise: 'silently', // ZooKeeper: any value ≤ 0 turns purging off
  }),
  {
    field: 'fourLetterWords',
    keys: ['4lw.commands.whitelist', 'zookeeper.4lw.commands.whitelist'],
    expected: 'a comma-separated list of four-letter words, or *',
    parse(raw, note) {
      const { words, unknown } = parseFourLetterWords(raw);
      for (const word of unknown) {
        note(
          `unknown four-letter word '${word}' is ignored ` +
            `(known: ${ALL_FOUR_LETTER_WORDS.join(', ')})`,
        );
      }
      return words;
    },
    valid: (value) =>
      value instanceof Set && [...(value as Set<unknown>)].every(isKnownFourLetterWord),
  },
  intSpec('snapCount', ['snapCount', 'zookeeper.snapCount'], 'an integer of at least 2', {
    min: SNAP_COUNT_MIN,
    raise: 'with a warning',
  }),
  {
    field: 'snapSizeLimitKb',
    keys: ['snapSizeLimitInKb', 'zookeeper.snapSizeLimitInKb'],
    expected: `an integer (KiB; 0 or less: no limit but Warren's own)`,
    parse(raw, note) {
      const value = parseJavaInt(raw);
      if (value === undefined) return undefined;
      if (value <= 0) return 0; // ZooKeeper: the size trigger is off
      if (value >= SNAP_SIZE_LIMIT_KB_MIN) return value;
      note(`${value} KiB would snapshot at almost every write; using ${SNAP_SIZE_LIMIT_KB_MIN}`);
      return SNAP_SIZE_LIMIT_KB_MIN;
    },
    valid: (value) => value === 0 || isIntBetween(value, SNAP_SIZE_LIMIT_KB_MIN, JAVA_INT_MAX),
  },
  {
    field: 'juteMaxBuffer',
    keys: ['jute.maxbuffer'],
    expected: `an integer in ${JUTE_RANGE} (bytes; decimal or 0x hex)`,
    parse(raw, note) {
      const value = parseDecimalOrHexInt(raw);
      if (value !== undefined && value > frameBytesMaxCeiling && value <= JUTE_MAX_BUFFER_MAX) {
        note(
          `replies may hold up to ${value} bytes; requests stay within ` +
            `${frameBytesMaxCeiling} (a txn must fit in one log record)`,
        );
      }
      return value;
    },
    valid: (value) => isIntBetween(value, JUTE_MAX_BUFFER_MIN, JUTE_MAX_BUFFER_MAX),
  },
  {
    field: 'extendedTypesEnabled',
    keys: ['zookeeper.extendedTypesEnabled', 'extendedTypesEnabled'],
    expected: 'true or false',
    parse(raw, note) {
      const parsed = parseBoolean(raw);
      if (parsed?.zooKeeperRejects === true) {
        note(`'${raw}' read as ${parsed.value}; ZooKeeper only understands true/false here`);
      }
      return parsed?.value;
    },
    valid: (value) => typeof value === 'boolean',
  },
  {
    field: 'superDigest',
    keys: [
      'zookeeper.DigestAuthenticationProvider.superDigest',
      'DigestAuthenticationProvider.superDigest',
    ],
    expected: `'user:base64' with a 28-character base64 SHA-1 digest`,
    parse: (raw) => (raw === '' ? null : raw),
    valid: (value) => value === null || isSuperDigest(value),
  },
  intSpec('containerCheckIntervalMs', ['znode.container.checkIntervalMs'], MS, { min: 1 }),
  intSpec('containerMaxPerMinute', ['znode.container.maxPerMinute'], POSITIVE, { min: 1 }),
  booleanSpec('digestAuthEnabled', [
    'DigestAuthenticationProvider.enabled',
    'zookeeper.DigestAuthenticationProvider.enabled',
  ]),
  booleanSpec('enforceAuthEnabled', ['enforce.auth.enabled', 'zookeeper.enforce.auth.enabled']),
  {
    field: 'enforceAuthSchemes',
    keys: ['enforce.auth.schemes', 'zookeeper.enforce.auth.schemes'],
    expected: `a comma-separated list of ${ENFORCEABLE_SCHEMES.join(', ')}`,
    parse: (raw) =>
      raw
        .split(',')
        .map((scheme) => scheme.trim())
        .filter((scheme) => scheme !== ''),
    valid: (value) =>
      Array.isArray(value) &&
      value.every((scheme) => ENFORCEABLE_SCHEMES.includes(scheme as string)),
  },
  booleanSpec('auditEnabled', ['audit.enable', 'zookeeper.audit.enable']),
  {
    field: 'auditLogFile',
    keys: ['warren.audit.file'],
    expected: 'a file path',
    parse: (raw) => raw,
    valid: (value) => typeof value === 'string',
  },
  intSpec('outstandingRequestsMax', ['warren.outstandingRequestsMax'], POSITIVE, { min: 1 }),
  intSpec('clientOutputBytesMax', ['warren.clientOutputBytesMax'], 'at least 65536 (bytes)', {
    min: 65_536,
  }),
  intSpec('clientStallMs', ['warren.clientStallMs'], 'at least 100 (milliseconds)', { min: 100 }),
  intSpec('slowRequestMs', ['warren.slowRequestMs'], '0 (off) or more milliseconds', { min: 0 }),
  intSpec('globalOutstandingLimit', zkKeys('globalOutstandingLimit'), POSITIVE, { min: 1 }),
  intSpec(
    'requestThrottleMaxRequests',
    throttlerKeys('requestThrottleLimit', 'request_throttle_max_requests'),
    'a non-negative integer (0 = off)',
    { min: 0 },
  ),
  intSpec(
    'requestThrottleStallTimeMs',
    throttlerKeys('requestThrottleStallTime', 'request_throttle_stall_time'),
    MS,
    { min: 1 },
  ),
  booleanSpec(
    'requestThrottleDropStale',
    throttlerKeys('requestThrottleDropStale', 'request_throttle_drop_stale'),
  ),
  intSpec(
    'throttledOpWaitTimeMs',
    throttlerKeys('throttledOpWaitTime', 'throttled_op_wait_time'),
    'a non-negative integer (milliseconds; 0 = off)',
    { min: 0 },
  ),
  {
    field: 'memoryBytesMax',
    keys: ['warren.memoryBytesMax'],
    expected: `0 (no bound) or an integer in ${MEMORY_RANGE} (bytes)`,
    parse: (raw) => (/^[0-9]{1,16}$/.test(raw) ? Number(raw) : undefined),
    valid: (value) => value === 0 || isIntBetween(value, memoryBytesMaxMin, memoryBytesMaxCeiling),
  },
  intSpec('watchesPerSessionMax', ['warren.watchesPerSessionMax'], POSITIVE, { min: 1 }),
  intSpec('watchBytesMax', ['warren.watchBytesMax'], `at least ${watchBytesMaxMin} (bytes)`, {
    min: watchBytesMaxMin,
  }),
  intSpec('pathBytesMax', ['warren.pathBytesMax'], `an integer in ${PATH_RANGE} (bytes)`, {
    min: PATH_BYTES_MAX_MIN,
    max: pathBytesMaxCeiling,
  }),
  intSpec('sessionsMax', ['warren.sessionsMax'], POSITIVE, { min: 1 }),
  intSpec('sessionsPerAddressMax', ['warren.sessionsPerAddressMax'], POSITIVE, { min: 1 }),
  intSpec('sessionCreateRatePerAddress', ['warren.sessionCreateRatePerAddress'], POSITIVE, {
    min: 1,
  }),
  intSpec('connectionsMax', ['warren.connectionsMax'], POSITIVE, { min: 1 }),
  intSpec('initLimit', ['initLimit'], 'a positive integer (ticks)', { min: 1 }),
  intSpec('syncLimit', ['syncLimit'], 'a positive integer (ticks)', { min: 1 }),
  booleanSpec('reconfigEnabled', ['reconfigEnabled']),
  booleanSpec('linearizableReads', ['warren.linearizableReads']),
  booleanSpec('join', ['warren.join']),
  booleanSpec('readOnlyModeEnabled', ['readonlymode.enabled', 'zookeeper.readonlymode.enabled']),
  booleanSpec('standaloneEnabled', ['standaloneEnabled']),
  ...OPERATIONS_SPECS,
];

/** A ZooKeeper setting read from zoo.cfg or as its system property (zookeeper.<key>). */
function zkKeys(key: string): string[] {
  return [key, `zookeeper.${key}`];
}

/**
 * RequestThrottler settings: the zoo.cfg name ZooKeeper documents, then the system property
 * it actually reads, with and without the zookeeper. prefix zoo.cfg adds to unknown keys.
 */
function throttlerKeys(documented: string, property: string): string[] {
  return [documented, property, `zookeeper.${property}`];
}

function booleanSpec(field: ValueField, keys: string[]): FieldSpec {
  return {
    field,
    keys,
    expected: 'true or false',
    parse(raw, note) {
      const parsed = parseBoolean(raw);
      if (parsed?.zooKeeperRejects === true) {
        note(`'${raw}' read as ${parsed.value}; ZooKeeper only understands true/false here`);
      }
      return parsed?.value;
    },
    valid: (value) => typeof value === 'boolean',
  };
}

function isKnownFourLetterWord(word: unknown): boolean {
  return (
    typeof word === 'string' &&
    (KNOWN_FOUR_LETTER_WORDS.includes(word) || CLICKHOUSE_FOUR_LETTER_WORDS.includes(word))
  );
}

/** zoo.cfg key (any accepted spelling) → spec. */
export const SPEC_BY_KEY: ReadonlyMap<string, FieldSpec> = new Map(
  FIELD_SPECS.flatMap((spec) => spec.keys.map((key) => [key, spec] as const)),
);
