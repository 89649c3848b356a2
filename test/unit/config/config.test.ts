// Proves that server configuration loads as ZooKeeper would load it and fails the way an
// operator can act on: defaults; Debian's stock zoo.cfg (copied verbatim) and a fuller
// ZooKeeper-style file parse with no surprises; every invalid value stops with a ConfigError
// naming the key, the file and line, the value and what is expected; unknown keys warn;
// server.N lines parse in all documented forms and refuse malformed ones; the 4lw whitelist and
// hex jute.maxbuffer read right; flags overlay a file with derived fields following. A
// fast-check property round-trips server.N values through formatServer.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  applyFlags,
  ConfigError,
  defaultConfig,
  formatServer,
  KNOWN_FOUR_LETTER_WORDS,
  loadZooCfg,
  parseFourLetterWords,
  parseServerSpec,
  parseZooCfg,
  validateConfig,
  type EnsembleServer,
  type ServerConfig,
} from '../../../src/config/config.js';
import { digestId } from '../../support/digest.js';

/** /etc/zookeeper/conf/zoo.cfg of Debian bookworm's zookeeper 3.8.0 package, verbatim. */
const DEBIAN_ZOO_CFG = `# The number of milliseconds of each tick
tickTime=2000
# The number of ticks that the initial 
# synchronization phase can take
initLimit=10
# The number of ticks that can pass between 
# sending a request and getting an acknowledgement
syncLimit=5
# the directory where the snapshot is stored.
# do not use /tmp for storage, /tmp here is just 
# example sakes.
dataDir=/tmp/zookeeper
# the port at which the clients will connect
clientPort=2181
# the maximum number of client connections.
# increase this if you need to handle more clients
#maxClientCnxns=60
#
# Be sure to read the maintenance section of the 
# administrator guide before turning on autopurge.
#
# https://zookeeper.apache.org/doc/current/zookeeperAdmin.html#sc_maintenance
#
# The number of snapshots to retain in dataDir
#autopurge.snapRetainCount=3
# Purge task interval in hours
# Set to "0" to disable auto purge feature
#autopurge.purgeInterval=1

## Metrics Providers
#
# https://prometheus.io Metrics Exporter
#metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
#metricsProvider.httpHost=0.0.0.0
#metricsProvider.httpPort=7000
#metricsProvider.exportJvmInfo=true

`;

/** The shape of a production zoo.cfg: every setting Warren acts on, plus ensemble lines. */
const FULL_ZOO_CFG = [
  '! a properties comment',
  'tickTime = 3000',
  'clientPort: 2182',
  'clientPortAddress=127.0.0.1',
  'dataDir=/var/lib/zookeeper  ',
  'dataLogDir=/var/log/zookeeper-txn',
  'maxClientCnxns=0',
  'minSessionTimeout=6000',
  'maxSessionTimeout=120000',
  'autopurge.snapRetainCount=5',
  'autopurge.purgeInterval=24',
  '4lw.commands.whitelist=ruok, mntr,\\',
  '    conf',
  'snapCount=50000',
  'jute.maxbuffer=0x400000',
  'extendedTypesEnabled=TRUE',
  `DigestAuthenticationProvider.superDigest=${digestId('super', 'secret')}`,
  'znode.container.checkIntervalMs=1000',
  'znode.container.maxPerMinute=600',
  'warren.outstandingRequestsMax=500',
  'warren.watchesPerSessionMax=20000',
  'warren.sessionsMax=5000',
  'warren.connectionsMax=4000',
  'initLimit=10',
  'syncLimit=5',
  'admin.enableServer=false',
  'metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider',
  'metricsProvider.httpPort=7000',
  'server.1=zk1.example:2888:3888',
  'server.2=zk2.example:2888:3888:participant;2181',
  'server.3=zk3.example:2888:3888:observer;0.0.0.0:2181',
  '',
].join('\n');

function parse(text: string): ReturnType<typeof parseZooCfg> {
  return parseZooCfg(text, 'zoo.cfg');
}

/** The parsed config and warnings, without the raw lines. */
function parsed(text: string): { config: ServerConfig; warnings: string[] } {
  const { config, warnings } = parse(text);
  return { config, warnings };
}

/** Runs `fn`, asserting it throws a ConfigError, and returns the error. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.code, 'WARREN_CONFIG');
    return error;
  }
  assert.fail('expected a ConfigError, nothing was thrown');
}

function servers(text: string): EnsembleServer[] {
  return parse(text).config.ensemble.servers;
}

describe('defaults', () => {
  it('match ZooKeeper and the brief', () => {
    const config = defaultConfig();
    assert.equal(config.clientPort, 2181);
    assert.equal(config.clientPortAddress, '0.0.0.0');
    assert.equal(config.dataDir, './data');
    assert.equal(config.dataLogDir, './data');
    assert.equal(config.tickTime, 2000);
    assert.equal(config.minSessionTimeout, 4000);
    assert.equal(config.maxSessionTimeout, 40000);
    assert.equal(config.maxClientCnxns, 60);
    assert.equal(config.snapRetainCount, 3);
    assert.equal(config.purgeIntervalHours, 0);
    assert.deepEqual([...config.fourLetterWords], ['srvr']);
    assert.equal(config.snapCount, 100000);
    assert.equal(config.juteMaxBuffer, 0xfffff);
    assert.equal(config.extendedTypesEnabled, false);
    assert.equal(config.superDigest, null);
    assert.equal(config.containerCheckIntervalMs, 60000);
    assert.equal(config.containerMaxPerMinute, 10000);
    assert.equal(config.outstandingRequestsMax, 1000);
    assert.equal(config.watchesPerSessionMax, 1000000);
    assert.equal(config.sessionsMax, 100000);
    assert.equal(config.connectionsMax, 60000);
    assert.deepEqual(config.ensemble, {
      servers: [],
      groups: [],
      weights: [],
      dynamicConfigFile: null,
    });
    validateConfig(config);
  });

  it('are a fresh object each time', () => {
    const a = defaultConfig();
    a.ensemble.servers.push({ id: 1, host: 'h', peerPort: 1, electionPort: 2, role: 'observer' });
    assert.equal(defaultConfig().ensemble.servers.length, 0);
  });

  it('come from an empty or comment-only file', () => {
    assert.deepEqual(parsed(''), { config: defaultConfig(), warnings: [] });
    assert.deepEqual(parsed('# nothing\n! here\n\n'), { config: defaultConfig(), warnings: [] });
  });

  it('lists the 18 four-letter words of ZooKeeper 3.8', () => {
    assert.equal(
      KNOWN_FOUR_LETTER_WORDS.join(' '),
      'ruok srvr stat mntr conf cons envi wchs wchc wchp dirs isro crst srst dump gtmk stmk hash',
    );
  });
});

describe('parseZooCfg on real files', () => {
  it("reads Debian's zoo.cfg silently", () => {
    const { config, warnings } = parse(DEBIAN_ZOO_CFG);
    assert.deepEqual(warnings, []);
    assert.deepEqual(config, {
      ...defaultConfig(),
      dataDir: '/tmp/zookeeper',
      dataLogDir: '/tmp/zookeeper',
    });
  });

  it('reads every setting of a full file, continuations and separators included', () => {
    const { config, warnings } = parse(FULL_ZOO_CFG);
    assert.deepEqual(warnings, []);
    assert.equal(config.adminEnabled, false);
    assert.equal(config.metricsEnabled, true);
    assert.equal(config.metricsHttpPort, 7000);
    assert.equal(config.tickTime, 3000);
    assert.equal(config.clientPort, 2182);
    assert.equal(config.clientPortAddress, '127.0.0.1');
    assert.equal(config.dataDir, '/var/lib/zookeeper');
    assert.equal(config.dataLogDir, '/var/log/zookeeper-txn');
    assert.equal(config.maxClientCnxns, 0);
    assert.equal(config.minSessionTimeout, 6000);
    assert.equal(config.maxSessionTimeout, 120000);
    assert.equal(config.snapRetainCount, 5);
    assert.equal(config.purgeIntervalHours, 24);
    assert.deepEqual([...config.fourLetterWords].sort(), ['conf', 'mntr', 'ruok', 'srvr']);
    assert.equal(config.snapCount, 50000);
    assert.equal(config.juteMaxBuffer, 4 * 1024 * 1024);
    assert.equal(config.extendedTypesEnabled, true);
    assert.equal(config.superDigest, digestId('super', 'secret'));
    assert.equal(config.containerCheckIntervalMs, 1000);
    assert.equal(config.containerMaxPerMinute, 600);
    assert.equal(config.outstandingRequestsMax, 500);
    assert.equal(config.watchesPerSessionMax, 20000);
    assert.equal(config.sessionsMax, 5000);
    assert.equal(config.connectionsMax, 4000);
    assert.deepEqual(
      config.ensemble.servers.map((s) => [s.id, s.role, s.clientHost, s.clientPort]),
      [
        [1, 'participant', undefined, undefined],
        [2, 'participant', undefined, 2181],
        [3, 'observer', '0.0.0.0', 2181],
      ],
    );
    validateConfig(config);
  });

  it('takes the system-property spellings (zookeeper.*) too', () => {
    const { config } = parse(
      [
        'zookeeper.4lw.commands.whitelist=stat',
        'zookeeper.snapCount=7',
        'zookeeper.extendedTypesEnabled=true',
        `zookeeper.DigestAuthenticationProvider.superDigest=${digestId('a', 'b')}`,
      ].join('\n'),
    );
    assert.deepEqual([...config.fourLetterWords].sort(), ['srvr', 'stat']);
    assert.equal(config.snapCount, 7);
    assert.equal(config.extendedTypesEnabled, true);
    assert.equal(config.superDigest, digestId('a', 'b'));
  });

  it('derives dataLogDir and session timeouts when they are not set', () => {
    const { config } = parse('tickTime=500\ndataDir=/d');
    assert.equal(config.dataLogDir, '/d');
    assert.equal(config.minSessionTimeout, 1000);
    assert.equal(config.maxSessionTimeout, 10000);
  });

  it('reads -1 session timeouts as the defaults, as ZooKeeper does', () => {
    const { config } = parse('tickTime=100\nminSessionTimeout=-1\nmaxSessionTimeout=-1');
    assert.equal(config.minSessionTimeout, 200);
    assert.equal(config.maxSessionTimeout, 2000);
  });

  it('lets a session minimum below 2 × tickTime through, as ZooKeeper does', () => {
    assert.equal(parse('minSessionTimeout=1').config.minSessionTimeout, 1);
  });

  it('keeps the last of a repeated key and says so', () => {
    const { config, warnings } = parse('tickTime=1000\nclientPort=1\ntickTime=3000');
    assert.equal(config.tickTime, 3000);
    assert.deepEqual(warnings, ['zoo.cfg lines 1, 3: tickTime is set more than once; line 3 wins']);
  });

  it('does not judge a value that a later line replaces (last wins, as in Java)', () => {
    assert.equal(parse('tickTime=abc\ntickTime=10').config.tickTime, 10);
  });

  it('raises small retain and snap counts with a warning, as ZooKeeper does', () => {
    const { config, warnings } = parse('autopurge.snapRetainCount=1\nsnapCount=0');
    assert.equal(config.snapRetainCount, 3);
    assert.equal(config.snapCount, 2);
    assert.deepEqual(warnings, [
      'zoo.cfg line 1: autopurge.snapRetainCount: 1 is below 3; using 3, as ZooKeeper does',
      'zoo.cfg line 2: snapCount: 0 is below 2; using 2, as ZooKeeper does',
    ]);
  });

  it('reads a negative purge interval as off', () => {
    assert.equal(parse('autopurge.purgeInterval=-1').config.purgeIntervalHours, 0);
  });

  it('reads booleans in any case, and yes/no with a warning', () => {
    assert.equal(parse('extendedTypesEnabled=False').config.extendedTypesEnabled, false);
    const { config, warnings } = parse('extendedTypesEnabled=yes');
    assert.equal(config.extendedTypesEnabled, true);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /^zoo\.cfg line 1: extendedTypesEnabled: 'yes' read as true/);
    assert.equal(parse('extendedTypesEnabled=no').config.extendedTypesEnabled, false);
  });

  it('reads an empty superDigest as none', () => {
    assert.equal(parse('DigestAuthenticationProvider.superDigest=').config.superDigest, null);
  });
});

describe('unknown and ignored keys', () => {
  it('warns about an unknown key, naming it and its line', () => {
    const { config, warnings } = parse('tickTime=2000\nfoo=bar\n');
    assert.deepEqual(warnings, ["unknown setting 'foo' in zoo.cfg line 2 is ignored"]);
    assert.deepEqual(config, defaultConfig());
  });

  it('suggests the known key for a wrong case', () => {
    assert.deepEqual(parse('ticktime=1').warnings, [
      "unknown setting 'ticktime' in zoo.cfg line 1 is ignored (did you mean 'tickTime'?)",
    ]);
  });

  it('accepts ZooKeeper settings it does not act on, silently', () => {
    const text = [
      'initLimit=10',
      'syncLimit=5',
      'preAllocSize=65536',
      'forceSync=no',
      'standaloneEnabled=true',
      'reconfigEnabled=false',
      'quorumListenOnAllIPs=true',
      'clientPortListenBacklog=100',
      'peerType=participant',
    ].join('\n');
    assert.deepEqual(parsed(text), { config: defaultConfig(), warnings: [] });
  });

  it('passes the metrics and admin tuning Warren has no use for, silently', () => {
    const text = ['admin.rateLimiterIntervalInMS=1000', 'metricsProvider.maxQueueSize=10'];
    assert.deepEqual(parse(text.join('\n')).warnings, []);
  });

  it('knows the quorum security keys: no warning, booleans checked as ZooKeeper does', () => {
    const text = [
      'sslQuorum=false',
      'quorum.auth.enableSasl=true',
      'quorum.auth.learnerRequireSasl=true',
      'quorum.auth.serverRequireSasl=true',
      'quorum.auth.server.saslLoginContext=QuorumServer',
      'java.security.auth.login.config=/etc/zookeeper/jaas.conf',
      'ssl.quorum.keyStore.location=/k.p12',
    ].join('\n');
    const { warnings, raw } = parse(text);
    assert.deepEqual(warnings, []);
    assert.equal(raw.get('java.security.auth.login.config')?.value, '/etc/zookeeper/jaas.conf');
    assert.throws(() => parse('sslQuorum=maybe'), /sslQuorum must be true or false/);
  });

  it('notes, once each, ignored settings an operator may count on', () => {
    const { warnings } = parse(['maxCnxns=2000', 'skipACL=no'].join('\n'));
    assert.deepEqual(warnings, [
      'zoo.cfg line 1: maxCnxns: maxCnxns is ignored: Warren limits connections in total ' +
        'with warren.connectionsMax',
    ]);
  });

  it('refuses security settings it cannot honour, naming key and line (fail closed)', () => {
    const refused: ReadonlyArray<readonly [string, RegExp]> = [
      ['skipACL=yes', /line 1: skipACL=yes cannot be honoured: Warren always checks ACLs/],
      ['enforceQuota=true', /enforceQuota=true cannot be honoured: .*quotas/],
      ['portUnification=true', /portUnification=true cannot be honoured/],
      ['zookeeper.letAnySaslUserDoX=anyone', /letAnySaslUserDoX=anyone cannot be honoured/],
      [
        'authProvider.1=com.example.LdapAuthenticationProvider',
        /authProvider.1=.* cannot be honoured: .*digest, ip, x509 and sasl/,
      ],
      ['DigestAuthenticationProvider.digestAlg=SHA3-256', /SHA1 only/],
      ['enforce.auth.enabled=true', /enforce.auth.enabled=true needs enforce.auth.schemes/],
      ['enforce.auth.schemes=kerberos', /enforce.auth.schemes must be .*digest, ip, x509, sasl/],
      ['sslQuorumReloadCertFiles=true', /only on restart/],
    ];
    for (const [line, message] of refused) {
      const error = configError(() => parse(`${line}\n`));
      assert.match(error.message, message, line);
    }
    // The safe values of the same keys are accepted.
    const { config, warnings } = parse(
      [
        'skipACL=no',
        'enforceQuota=false',
        'authProvider.1=org.apache.zookeeper.server.auth.X509AuthenticationProvider',
        'authProvider.2=org.apache.zookeeper.server.auth.SASLAuthenticationProvider',
        'zookeeper.sessionRequireClientSASLAuth=false',
        'zookeeper.superUser=admin',
        'zookeeper.superUser.2=root',
        'DigestAuthenticationProvider.digestAlg=SHA1',
        'DigestAuthenticationProvider.enabled=false',
        'enforce.auth.enabled=true',
        'enforce.auth.schemes=digest,x509',
        'audit.enable=true',
      ].join('\n'),
    );
    assert.deepEqual(warnings, []);
    assert.equal(config.digestAuthEnabled, false);
    assert.equal(config.enforceAuthEnabled, true);
    assert.deepEqual(config.enforceAuthSchemes, ['digest', 'x509']);
    assert.equal(config.auditEnabled, true);
  });

  it('still refuses malformed values that ZooKeeper itself refuses', () => {
    const error = configError(() => parse('electionAlg=ten'));
    assert.equal(
      error.message,
      "zoo.cfg line 1: electionAlg must be an integer, got 'ten' " + '(ZooKeeper refuses it too)',
    );
    assert.equal(
      configError(() => parse('initLimit=ten')).message,
      "zoo.cfg line 1: initLimit must be a positive integer (ticks), got 'ten'",
    );
    configError(() => parse('standaloneEnabled=maybe'));
  });
});

describe('invalid values', () => {
  const cases: ReadonlyArray<readonly [line: string, key: string, message: string]> = [
    ['tickTime=abc', 'tickTime', "tickTime must be a positive integer (milliseconds), got 'abc'"],
    ['tickTime=0', 'tickTime', "tickTime must be a positive integer (milliseconds), got '0'"],
    ['tickTime=-5', 'tickTime', "must be a positive integer (milliseconds), got '-5'"],
    ['tickTime=2000ms', 'tickTime', "got '2000ms'"],
    ['tickTime=2e3', 'tickTime', "got '2e3'"],
    ['tickTime=', 'tickTime', "got ''"],
    ['tickTime=200000000', 'tickTime', "got '200000000' (the largest accepted is 107374182)"],
    ['clientPort=0', 'clientPort', "clientPort must be a port number (1..65535), got '0'"],
    ['clientPort=65536', 'clientPort', "got '65536'"],
    ['clientPort=21 81', 'clientPort', "got '21 81'"],
    ['clientPortAddress=', 'clientPortAddress', 'must be a host name or IP address'],
    ['dataDir=', 'dataDir', "dataDir must be a non-empty directory path, got ''"],
    ['dataLogDir=   ', 'dataLogDir', 'must be a non-empty directory path'],
    ['minSessionTimeout=0', 'minSessionTimeout', 'must be a positive integer (milliseconds)'],
    ['maxSessionTimeout=x', 'maxSessionTimeout', "got 'x'"],
    ['maxClientCnxns=-1', 'maxClientCnxns', 'must be a non-negative integer (0 = unlimited)'],
    ['autopurge.snapRetainCount=three', 'autopurge.snapRetainCount', 'an integer of at least 3'],
    ['autopurge.purgeInterval=1h', 'autopurge.purgeInterval', 'non-negative integer (hours)'],
    ['snapCount=1.5', 'snapCount', "snapCount must be an integer of at least 2, got '1.5'"],
    ['jute.maxbuffer=1023', 'jute.maxbuffer', 'must be an integer in 1024..1073741824'],
    ['jute.maxbuffer=0x40000001', 'jute.maxbuffer', "got '0x40000001'"],
    ['jute.maxbuffer=1M', 'jute.maxbuffer', "got '1M'"],
    ['jute.maxbuffer=0xZZ', 'jute.maxbuffer', "got '0xZZ'"],
    ['extendedTypesEnabled=1', 'extendedTypesEnabled', "must be true or false, got '1'"],
    [
      'zookeeper.DigestAuthenticationProvider.superDigest=super:short',
      'zookeeper.DigestAuthenticationProvider.superDigest',
      "must be 'user:base64' with a 28-character base64 SHA-1 digest, got 'super:short'",
    ],
    ['znode.container.checkIntervalMs=0', 'znode.container.checkIntervalMs', 'positive integer'],
    ['znode.container.maxPerMinute=-1', 'znode.container.maxPerMinute', 'positive integer'],
    ['warren.outstandingRequestsMax=0', 'warren.outstandingRequestsMax', 'positive integer'],
    ['warren.watchesPerSessionMax=lots', 'warren.watchesPerSessionMax', "got 'lots'"],
    ['warren.sessionsMax=0', 'warren.sessionsMax', 'positive integer'],
    ['warren.connectionsMax=1e6', 'warren.connectionsMax', "got '1e6'"],
  ];

  for (const [line, key, message] of cases) {
    it(`refuses ${line}`, () => {
      const error = configError(() => parse(`# a comment\n\n${line}\n`));
      assert.equal(error.key, key);
      assert.deepEqual(error.where, { source: 'zoo.cfg', line: 3 });
      assert.ok(
        error.message.startsWith(`zoo.cfg line 3: ${key} must be `),
        `message names file, line and key: ${error.message}`,
      );
      assert.ok(error.message.includes(message), `${error.message}\n  lacks: ${message}`);
    });
  }

  it('names the source it is given, and the line a continuation starts on', () => {
    const error = configError(() => parseZooCfg('a=1\ntickTime=\\\n  12x', '/etc/zk/zoo.cfg'));
    assert.equal(
      error.message,
      "/etc/zk/zoo.cfg line 2: tickTime must be a positive integer (milliseconds), got '12x'",
    );
  });

  it('refuses minSessionTimeout above maxSessionTimeout, blaming the line written', () => {
    const min = configError(() => parse('tickTime=2000\nminSessionTimeout=50000'));
    assert.equal(
      min.message,
      "zoo.cfg line 2: minSessionTimeout must be at most maxSessionTimeout (40000 ms), got '50000'",
    );
    const max = configError(() => parse('maxSessionTimeout=3000'));
    assert.equal(
      max.message,
      "zoo.cfg line 1: maxSessionTimeout must be at least minSessionTimeout (4000 ms), got '3000'",
    );
    assert.equal(max.key, 'maxSessionTimeout');
  });

  it('refuses a malformed \\u escape, naming its line', () => {
    const error = configError(() => parse('tickTime=1\ndataDir=/a\\u00zz'));
    assert.deepEqual(error.where, { source: 'zoo.cfg', line: 2 });
    assert.match(error.message, /^zoo\.cfg line 2: cannot parse: /);
  });
});

describe('server.N lines', () => {
  const valid: ReadonlyArray<readonly [value: string, expected: Omit<EnsembleServer, 'id'>]> = [
    ['zk1:2888:3888', { host: 'zk1', peerPort: 2888, electionPort: 3888, role: 'participant' }],
    [
      'zk1:2888:3888:observer',
      { host: 'zk1', peerPort: 2888, electionPort: 3888, role: 'observer' },
    ],
    [
      'zk1:2888:3888:OBSERVER',
      { host: 'zk1', peerPort: 2888, electionPort: 3888, role: 'observer' },
    ],
    [
      '10.0.0.1:2888:3888:participant;2181',
      {
        host: '10.0.0.1',
        peerPort: 2888,
        electionPort: 3888,
        role: 'participant',
        clientPort: 2181,
      },
    ],
    [
      'zk1:2888:3888;0.0.0.0:2181',
      {
        host: 'zk1',
        peerPort: 2888,
        electionPort: 3888,
        role: 'participant',
        clientHost: '0.0.0.0',
        clientPort: 2181,
      },
    ],
    [
      '[2001:db8::1]:2888:3888:observer;[::]:2181',
      {
        host: '2001:db8::1',
        peerPort: 2888,
        electionPort: 3888,
        role: 'observer',
        clientHost: '::',
        clientPort: 2181,
      },
    ],
    ['zk1:2888:3888;', { host: 'zk1', peerPort: 2888, electionPort: 3888, role: 'participant' }],
    [
      ' zk1 : 2888 : 3888 ',
      { host: 'zk1', peerPort: 2888, electionPort: 3888, role: 'participant' },
    ],
  ];

  for (const [value, expected] of valid) {
    it(`parses ${value}`, () => {
      assert.deepEqual(parseServerSpec(7, value), { id: 7, ...expected });
    });
  }

  const invalid: ReadonlyArray<readonly [value: string, reason: string]> = [
    ['zk1:2888', 'expected host, peer port and election port separated by colons'],
    ['zk1', 'expected host, peer port and election port separated by colons'],
    ['zk1:2888:3888:observer:x', 'expected host, peer port and election port separated by colons'],
    [':2888:3888', "host '' is not a host name or address"],
    ['zk1:x:3888', "peerPort 'x' is not a port number (1..65535)"],
    ['zk1:2888:70000', "electionPort '70000' is not a port number (1..65535)"],
    ['zk1:2888:2888', 'peerPort and electionPort must differ'],
    ['zk1:2888:3888:leader', "role 'leader' is neither participant nor observer"],
    ['zk1:2888:3888;2181;2182', "more than one ';'"],
    ['zk1:2888:3888;a:b:2181', "expected [clientHost:]clientPort after ';'"],
    ['zk1:2888:3888;port', "clientPort 'port' is not a port number (1..65535)"],
    ['a:2888:3888|b:2888:3888', 'multiple addresses per server (a|b) are not supported'],
    ['[::1:2888:3888', 'expected host, peer port and election port separated by colons'],
    ['::1:2888:3888', 'expected host, peer port and election port separated by colons'],
  ];

  for (const [value, reason] of invalid) {
    it(`refuses ${value}`, () => {
      assert.equal(parseServerSpec(1, value), reason);
      const error = configError(() => parse(`server.2=a:1:2\nserver.1=${value}`));
      assert.equal(error.key, 'server.1');
      assert.equal(
        error.message,
        'zoo.cfg line 2: server.1 must be ' +
          'host:peerPort:electionPort[:participant|:observer][;[clientHost:]clientPort], ' +
          `got '${value.trim()}' (${reason})`,
      );
    });
  }

  it('keeps servers sorted by id, whatever the file order', () => {
    const ids = servers('server.3=c:1:2\nserver.1=a:1:2\nserver.2=b:1:2').map((s) => s.id);
    assert.deepEqual(ids, [1, 2, 3]);
  });

  it('refuses a server id outside 1..255', () => {
    for (const key of ['server.0', 'server.256', 'server.x', 'server.', 'server.1a']) {
      const error = configError(() => parse(`${key}=a:1:2`));
      assert.equal(error.key, key);
      assert.match(error.message, /^zoo\.cfg line 1: server\.[^ ]*: the server id must be an/);
    }
  });

  it('refuses the same id twice, even spelled differently', () => {
    const error = configError(() => parse('server.1=a:1:2\nserver.01=b:1:2'));
    assert.equal(error.message, 'zoo.cfg line 2: server.01: server.1 is already set on line 1');
  });

  it('refuses a host:port used by two servers', () => {
    const error = configError(() => parse('server.1=h:2888:3888\nserver.2=h:3888:4888'));
    assert.equal(error.message, 'zoo.cfg line 2: server.2: h:3888 is already used by server.1');
    const ok = servers('server.1=h:2888:3888\nserver.2=h:2889:3889\nserver.3=h:2890:3890');
    assert.equal(ok.length, 3);
  });

  it('refuses observers without a participant', () => {
    const error = configError(() => parse('server.1=a:1:2:observer'));
    assert.match(error.message, /^zoo\.cfg line 1: server\.1: observers need at least one/);
  });

  it('refuses ids above 254 with extendedTypesEnabled, as ZooKeeper does', () => {
    const error = configError(() => parse('extendedTypesEnabled=true\nserver.255=a:1:2'));
    assert.equal(error.key, 'server.255');
    assert.equal(error.where?.line, 2);
  });

  it('reads groups and weights, checking what they name', () => {
    const { config } = parse(
      [
        'server.1=a:1:2',
        'server.2=b:1:2',
        'server.3=c:1:2',
        'group.1=1:2',
        'group.2=3',
        'weight.1=1',
        'weight.2=1',
        'weight.3=0',
      ].join('\n'),
    );
    assert.deepEqual(config.ensemble.groups, [
      { id: 1, members: [1, 2] },
      { id: 2, members: [3] },
    ]);
    assert.deepEqual(
      config.ensemble.weights.map((w) => [w.serverId, w.weight]),
      [
        [1, 1],
        [2, 1],
        [3, 0],
      ],
    );
    const unknown = configError(() => parse('server.1=a:1:2\ngroup.1=1:9'));
    assert.equal(unknown.message, 'zoo.cfg line 2: group.1: server 9 has no server.9');
    const twice = configError(() => parse('server.1=a:1:2\ngroup.1=1\ngroup.2=1'));
    assert.equal(twice.message, 'zoo.cfg line 3: group.2: server 1 is already in group.1');
    const badGroup = configError(() => parse('server.1=a:1:2\ngroup.1=1:x'));
    assert.match(badGroup.message, /^zoo\.cfg line 2: group\.1 must be server ids separated/);
    const badWeight = configError(() => parse('server.1=a:1:2\nweight.1=-1'));
    assert.equal(
      badWeight.message,
      "zoo.cfg line 2: weight.1 must be a non-negative integer, got '-1'",
    );
    const noServer = configError(() => parse('server.1=a:1:2\nweight.2=1'));
    assert.equal(noServer.message, 'zoo.cfg line 2: weight.2: there is no server.2');
  });

  it('keeps dynamicConfigFile, and refuses server lines beside it as ZooKeeper does', () => {
    const { config } = parse('dynamicConfigFile=/etc/zk/zoo.cfg.dynamic.100000000');
    assert.equal(config.ensemble.dynamicConfigFile, '/etc/zk/zoo.cfg.dynamic.100000000');
    const error = configError(() => parse('dynamicConfigFile=/d\nserver.1=a:1:2'));
    assert.equal(error.key, 'server.1');
    assert.equal(error.where?.line, 2);
  });

  it('formats servers back into the syntax they were read from', () => {
    const host = fc.oneof(
      fc.constantFrom('zk1', 'zk-2.example.com', '10.1.2.3', '2001:db8::7', '::1'),
      fc.stringMatching(/^[a-z][a-z0-9.-]{0,20}$/),
    );
    const arbitrary = fc
      .record({
        id: fc.integer({ min: 1, max: 255 }),
        host,
        peerPort: fc.integer({ min: 1, max: 65535 }),
        electionPort: fc.integer({ min: 1, max: 65535 }),
        role: fc.constantFrom('participant' as const, 'observer' as const),
        client: fc.option(
          fc.record({
            clientHost: fc.option(host, { nil: undefined }),
            clientPort: fc.integer({ min: 1, max: 65535 }),
          }),
          { nil: undefined },
        ),
      })
      .filter((s) => s.peerPort !== s.electionPort);
    fc.assert(
      fc.property(arbitrary, ({ client, ...rest }) => {
        const server: EnsembleServer = { ...rest };
        if (client?.clientHost !== undefined) server.clientHost = client.clientHost;
        if (client !== undefined) server.clientPort = client.clientPort;
        assert.deepEqual(parseServerSpec(server.id, formatServer(server)), server);
      }),
    );
  });
});

describe('4lw.commands.whitelist', () => {
  function words(value: string): string[] {
    return [...parse(`4lw.commands.whitelist=${value}`).config.fourLetterWords].sort();
  }

  it('reads a comma list, trimming entries and always keeping srvr', () => {
    assert.deepEqual(words(' stat , ruok,,mntr '), ['mntr', 'ruok', 'srvr', 'stat']);
    assert.deepEqual(words(''), ['srvr']);
  });

  it('reads * as every known word', () => {
    assert.deepEqual(words('*'), [...KNOWN_FOUR_LETTER_WORDS].sort());
    assert.deepEqual(words('ruok, *'), [...KNOWN_FOUR_LETTER_WORDS].sort());
  });

  it('drops unknown words with a warning, case-sensitively as ZooKeeper does', () => {
    const { config, warnings } = parse('4lw.commands.whitelist=ruok,RUOK,kill');
    assert.deepEqual([...config.fourLetterWords].sort(), ['ruok', 'srvr']);
    assert.equal(warnings.length, 2);
    assert.match(
      warnings[0] ?? '',
      /^zoo\.cfg line 1: 4lw\.commands\.whitelist: unknown four-letter word 'RUOK' is ignored/,
    );
    assert.match(warnings[1] ?? '', /'kill' is ignored \(known: ruok, srvr, stat/);
  });

  it('is available to flag parsing as parseFourLetterWords', () => {
    assert.deepEqual(parseFourLetterWords('stat,nope'), {
      words: new Set(['srvr', 'stat']),
      unknown: ['nope'],
    });
  });
});

describe('jute.maxbuffer', () => {
  const cases: ReadonlyArray<readonly [string, number]> = [
    ['0xfffff', 0xfffff],
    ['0XFFFFF', 0xfffff],
    ['0x100000', 1 << 20],
    ['1048575', 1048575],
    ['1024', 1024],
    ['0x400', 1024],
    ['8388608', 8 << 20],
    ['0x800000', 8 << 20],
  ];
  for (const [raw, bytes] of cases) {
    it(`reads ${raw} as ${bytes}`, () => {
      assert.equal(parse(`jute.maxbuffer=${raw}`).config.juteMaxBuffer, bytes);
    });
  }

  it('takes replies up to 1 GiB, saying that requests stay within 8 MiB', () => {
    const { config, warnings } = parse('jute.maxbuffer=0x40000000');
    assert.equal(config.juteMaxBuffer, 1 << 30);
    assert.ok(
      warnings.some((w) => /requests stay within 8388608/.test(w)),
      warnings.join('\n'),
    );
    assert.deepEqual(parse('jute.maxbuffer=8388608').warnings, []);
  });

  it('refuses values outside 1024..1 GiB', () => {
    for (const raw of ['0x3ff', '-0x400', '0', '1073741825', '0x40000001', '0x', '99999999999']) {
      const error = configError(() => parse(`jute.maxbuffer=${raw}`));
      assert.equal(error.key, 'jute.maxbuffer');
    }
  });
});

describe('applyFlags', () => {
  it('lets flags win and ignores flags left undefined', () => {
    const base = parse('clientPort=2182\nmaxClientCnxns=10').config;
    const config = applyFlags(base, { clientPort: 3000, maxClientCnxns: undefined });
    assert.equal(config.clientPort, 3000);
    assert.equal(config.maxClientCnxns, 10);
    assert.equal(base.clientPort, 2182, 'the input is not changed');
  });

  it('moves dataLogDir with dataDir unless dataLogDir was given', () => {
    assert.equal(applyFlags(defaultConfig(), { dataDir: '/x' }).dataLogDir, '/x');
    const both = applyFlags(defaultConfig(), { dataDir: '/x', dataLogDir: '/y' });
    assert.equal(both.dataLogDir, '/y');
    const fromFile = parse('dataDir=/a\ndataLogDir=/b').config;
    assert.equal(applyFlags(fromFile, { dataDir: '/x' }).dataLogDir, '/b');
    const followed = parse('dataDir=/a').config;
    assert.equal(applyFlags(followed, { dataDir: '/x' }).dataLogDir, '/x');
  });

  it('moves session timeouts with tickTime unless they were given', () => {
    const config = applyFlags(defaultConfig(), { tickTime: 1000 });
    assert.equal(config.minSessionTimeout, 2000);
    assert.equal(config.maxSessionTimeout, 20000);
    const pinned = applyFlags(defaultConfig(), { tickTime: 1000, minSessionTimeout: 4000 });
    assert.equal(pinned.minSessionTimeout, 4000);
    assert.equal(pinned.maxSessionTimeout, 20000);
    // Explicit in the file, even when equal to the derived value: kept.
    const fromFile = parse('tickTime=2000\nminSessionTimeout=4000').config;
    const moved = applyFlags(fromFile, { tickTime: 3000 });
    assert.equal(moved.minSessionTimeout, 4000);
    assert.equal(moved.maxSessionTimeout, 60000);
  });

  it('remembers explicit fields across successive applications', () => {
    const once = applyFlags(defaultConfig(), { dataLogDir: '/logs' });
    assert.equal(applyFlags(once, { dataDir: '/data' }).dataLogDir, '/logs');
  });

  it('infers what followed for a config it did not build', () => {
    const copy: ServerConfig = { ...defaultConfig(), dataLogDir: '/own' };
    const config = applyFlags(copy, { dataDir: '/d', tickTime: 100 });
    assert.equal(config.dataLogDir, '/own');
    assert.equal(config.minSessionTimeout, 200);
  });

  it('leaves validation to validateConfig', () => {
    const config = applyFlags(defaultConfig(), { clientPort: 0 });
    const error = configError(() => validateConfig(config));
    assert.equal(error.key, 'clientPort');
  });
});

describe('validateConfig', () => {
  function invalid(flags: Partial<ServerConfig>): ConfigError {
    return configError(() => validateConfig(applyFlags(defaultConfig(), flags)));
  }

  it('names the field, the value and what is expected', () => {
    assert.equal(
      invalid({ tickTime: -1 }).message,
      "tickTime must be a positive integer (milliseconds), got '-1'",
    );
    assert.equal(invalid({ clientPort: 70000 }).key, 'clientPort');
    assert.equal(invalid({ tickTime: Number.NaN }).key, 'tickTime');
    assert.equal(invalid({ dataDir: '' }).key, 'dataDir');
    assert.equal(invalid({ juteMaxBuffer: 100 }).key, 'juteMaxBuffer');
    assert.equal(invalid({ superDigest: 'nope' }).key, 'superDigest');
    assert.equal(invalid({ outstandingRequestsMax: 0 }).key, 'outstandingRequestsMax');
    assert.equal(invalid({ connectionsMax: 1.5 }).key, 'connectionsMax');
  });

  it('refuses small retain and snap counts from flags (files are raised instead)', () => {
    assert.equal(
      invalid({ snapRetainCount: 2 }).message,
      "snapRetainCount must be an integer of at least 3, got '2'",
    );
    assert.equal(invalid({ snapCount: 1 }).key, 'snapCount');
  });

  it('refuses unknown four-letter words', () => {
    const error = invalid({ fourLetterWords: new Set(['srvr', 'kill']) });
    assert.equal(error.key, 'fourLetterWords');
    assert.match(error.message, /got 'srvr,kill'$/);
  });

  it('checks minSessionTimeout ≤ maxSessionTimeout', () => {
    const error = invalid({ minSessionTimeout: 9000, maxSessionTimeout: 8000 });
    assert.equal(
      error.message,
      "minSessionTimeout must be at most maxSessionTimeout (8000 ms), got '9000'",
    );
    validateConfig(
      applyFlags(defaultConfig(), { minSessionTimeout: 8000, maxSessionTimeout: 8000 }),
    );
  });

  it('checks ensembles built in code', () => {
    const server = { id: 1, host: 'a', peerPort: 5, electionPort: 5, role: 'participant' as const };
    const error = invalid({
      ensemble: { servers: [server], groups: [], weights: [], dynamicConfigFile: null },
    });
    assert.equal(error.key, 'server.1');
    assert.match(error.message, /\(peerPort and electionPort must differ\)$/);
  });

  it('accepts a valid superDigest', () => {
    validateConfig(applyFlags(defaultConfig(), { superDigest: digestId('super', 'pw') }));
  });
});

describe('loadZooCfg', () => {
  it('reads a file and names it in messages', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warren-config-'));
    try {
      const file = join(dir, 'zoo.cfg');
      await writeFile(file, `${DEBIAN_ZOO_CFG}bogus=1\n`);
      const { config, warnings } = await loadZooCfg(file);
      assert.equal(config.dataDir, '/tmp/zookeeper');
      assert.deepEqual(warnings, [`unknown setting 'bogus' in ${file} line 38 is ignored`]);
      await writeFile(file, 'tickTime=soon\n');
      await assert.rejects(loadZooCfg(file), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.message.split(':')[0], `${file} line 1`);
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // ZooKeeper 3.5+ keeps the ensemble in the file dynamicConfigFile names; read as written
  // by ZooKeeper's reconfig (server lines and a version). Ignoring it would start a member
  // of a 3-server ensemble as a standalone server with its own history.
  it('takes the ensemble from dynamicConfigFile, and refuses a missing or odd one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warren-config-'));
    try {
      const file = join(dir, 'zoo.cfg');
      const dynamic = join(dir, 'zoo.cfg.dynamic.100000000');
      await writeFile(file, `dataDir=${dir}/data\ndynamicConfigFile=${dynamic}\n`);
      await writeFile(
        dynamic,
        'server.1=10.0.0.1:2888:3888:participant;0.0.0.0:2181\n' +
          'server.2=10.0.0.2:2888:3888:participant;0.0.0.0:2181\n' +
          'server.3=10.0.0.3:2888:3888:observer;0.0.0.0:2181\nversion=100000000\n',
      );
      const { config } = await loadZooCfg(file);
      assert.deepEqual(
        config.ensemble.servers.map((s) => [s.id, s.host, s.role]),
        [
          [1, '10.0.0.1', 'participant'],
          [2, '10.0.0.2', 'participant'],
          [3, '10.0.0.3', 'observer'],
        ],
      );
      await writeFile(dynamic, 'server.1=10.0.0.1:2888:3888\ntickTime=5\n');
      await assert.rejects(loadZooCfg(file), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.message.split(': ')[0], `${dynamic} line 2`);
        assert.match(error.message, /tickTime does not belong in a dynamic config file/);
        return true;
      });
      await rm(dynamic);
      await assert.rejects(loadZooCfg(file), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /^.*line 2: dynamicConfigFile=.* cannot be read \(ENOENT/);
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('turns a missing file into a ConfigError that keeps the cause', async () => {
    await assert.rejects(loadZooCfg('/nonexistent/zoo.cfg'), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, 'WARREN_CONFIG');
      assert.match(error.message, /^cannot read \/nonexistent\/zoo\.cfg \(ENOENT/);
      assert.ok(error.cause instanceof Error);
      return true;
    });
  });
});
