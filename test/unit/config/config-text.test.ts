/**
 * The text of /zookeeper/config: server lines format and parse back (participants,
 * observers, IPv6 hosts, client ports with and without a host), the hex version line is read,
 * and malformed server and id lists are refused with a reason.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  formatServerLines,
  parseConfigData,
  parseIdList,
  parseServerList,
} from '../../../src/config/config-text.js';
import type { EnsembleServer } from '../../../src/config/config-ensemble.js';

const servers: EnsembleServer[] = [
  { id: 3, host: 'zk3.example', peerPort: 2888, electionPort: 3888, role: 'observer' },
  {
    id: 1,
    host: '10.0.0.1',
    peerPort: 2888,
    electionPort: 3888,
    role: 'participant',
    clientPort: 2181,
  },
  {
    id: 2,
    host: 'fe80::1',
    peerPort: 2889,
    electionPort: 3889,
    role: 'participant',
    clientHost: '::1',
    clientPort: 2182,
  },
  {
    id: 254,
    host: 'h',
    peerPort: 1,
    electionPort: 65535,
    role: 'participant',
    clientHost: 'client.example',
    clientPort: 65535,
  },
];

/** What parsing the formatted text gives: sorted, client host defaulted to 0.0.0.0. */
function expected(list: readonly EnsembleServer[]): EnsembleServer[] {
  return [...list]
    .sort((a, b) => a.id - b.id)
    .map((s) =>
      s.clientPort !== undefined && s.clientHost === undefined
        ? { ...s, clientHost: '0.0.0.0' }
        : s,
    );
}

const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const host = fc.oneof(
  fc.array(label, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.')),
  fc.ipV4(),
  fc.ipV6(),
);
const port = fc.integer({ min: 1, max: 65535 });
const server: fc.Arbitrary<EnsembleServer> = fc
  .record({
    id: fc.integer({ min: 1, max: 254 }),
    host,
    peerPort: port,
    electionPort: port,
    role: fc.constantFrom('participant' as const, 'observer' as const),
    client: fc.option(fc.record({ port, host: fc.option(host, { nil: undefined }) }), {
      nil: undefined,
    }),
  })
  .filter((s) => s.peerPort !== s.electionPort)
  .map(({ client, ...rest }) => {
    const s: EnsembleServer = { ...rest };
    if (client !== undefined) {
      s.clientPort = client.port;
      if (client.host !== undefined) s.clientHost = client.host;
    }
    return s;
  });
const serverSet = fc.uniqueArray(server, { selector: (s) => s.id, maxLength: 7 });

describe('config text', () => {
  it('formats one sorted line per server, in ZooKeeper syntax', () => {
    assert.equal(
      formatServerLines(servers),
      [
        'server.1=10.0.0.1:2888:3888:participant;0.0.0.0:2181',
        'server.2=[fe80::1]:2889:3889:participant;[::1]:2182',
        'server.3=zk3.example:2888:3888:observer',
        'server.254=h:1:65535:participant;client.example:65535',
        '',
      ].join('\n'),
    );
  });

  it('parses what it formats, with or without a version line', () => {
    const text = formatServerLines(servers);
    assert.deepEqual(parseServerList(text), expected(servers));
    const data = parseConfigData(`${text}version=1a2b00000003`);
    assert.deepEqual(data, { servers: expected(servers), version: 0x1a2b00000003 });
    assert.deepEqual(parseConfigData(text), { servers: expected(servers), version: 0 });
  });

  it('round-trips random server sets', () => {
    fc.assert(
      fc.property(serverSet, fc.nat({ max: 2 ** 40 }), (list, version) => {
        const text = formatServerLines(list);
        assert.deepEqual(parseServerList(text), expected(list));
        const data = parseConfigData(`${text}version=${version.toString(16)}`);
        assert.deepEqual(data, { servers: expected(list), version });
      }),
      { numRuns: 300 },
    );
  });

  it('has no configuration for null, empty or malformed data', () => {
    assert.equal(parseConfigData(null), null);
    assert.equal(parseConfigData(''), null);
    assert.equal(parseConfigData(' \n'), null);
    assert.equal(parseConfigData('server.1=nonsense\nversion=1'), null);
  });

  it('reads comma- and newline-separated lists, ignoring blanks and spaces', () => {
    const list = parseServerList(' server.2=b:1:2 ,\n\nserver.1=a:1:2:observer;3,');
    assert.deepEqual(list, [
      { id: 2, host: 'b', peerPort: 1, electionPort: 2, role: 'participant' },
      { id: 1, host: 'a', peerPort: 1, electionPort: 2, role: 'observer', clientPort: 3 },
    ]);
    assert.deepEqual(parseServerList(''), []);
  });

  it('refuses malformed server lists with a reason', () => {
    const cases: [string, RegExp][] = [
      ['zk1:2888:3888', /is not a server\.N=\.\.\. entry/],
      ['server.x=a:1:2', /'x' is not a server id/],
      ['server.0=a:1:2', /'0' is not a server id/],
      ['server.1=a:1:2,server.1=b:1:2', /server\.1 is given twice/],
      ['server.1=a:1', /server\.1: expected host, peer port and election port/],
      ['server.1=a:1:1', /server\.1: peerPort and electionPort must differ/],
      ['server.1=a:1:70000', /server\.1: electionPort '70000' is not a port/],
      ['server.1=a:1:2:leader', /server\.1: role 'leader'/],
      ['server.1=a:1:2;b:c', /server\.1: clientPort 'c'/],
      ['server.1=[::1:1:2', /server\.1: expected host/],
    ];
    for (const [text, reason] of cases) {
      const result = parseServerList(text);
      assert.equal(typeof result, 'string', text);
      assert.match(result as string, reason, text);
    }
  });

  it('parses id lists and refuses bad ids', () => {
    assert.deepEqual(parseIdList('1, 3,,254'), [1, 3, 254]);
    assert.deepEqual(parseIdList(''), []);
    assert.equal(parseIdList('1,x'), "'x' is not a server id");
    assert.equal(parseIdList('0'), "'0' is not a server id");
    assert.equal(typeof parseIdList('server.1'), 'string');
  });
});
