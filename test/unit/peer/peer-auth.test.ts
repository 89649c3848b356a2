/**
 * Authenticated server-to-server links, attacked the way the peer port was attacked before
 * they existed: with quorum SASL (shared secret) and with quorum TLS, members that hold the
 * secret or a trusted certificate exchange messages, while a forged plain handshake, a
 * guessed proof, bytes replayed from a recorded genuine link, a member with the wrong secret
 * and a certificate from another CA deliver nothing at all.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { RawSettings } from '../../../src/config/raw-settings.js';
import { challengeFrameBytes, encodeHello, proofBytes } from '../../../src/peer/peer-auth.js';
import { encodeHandshake } from '../../../src/peer/peer-frames.js';
import type { PeerSecurity } from '../../../src/peer/peer-security.js';
import { PeerTransport, type PeerAddress } from '../../../src/peer/peer-transport.js';
import { loadPeerSecurity } from '../../../src/security/quorum-security.js';
import { makeTestPki, opensslMissing, type TestPki } from '../../support/test-certificates.js';

const host = '127.0.0.1';

interface Member {
  id: number;
  transport: PeerTransport;
  address: PeerAddress;
  inbox: { from: number; text: string }[];
  logs: string[];
}

const transports: PeerTransport[] = [];
const dir = mkdtempSync(join(tmpdir(), 'warren-peer-auth-'));
after(async () => {
  await Promise.all(transports.map((t) => t.close()));
  rmSync(dir, { recursive: true, force: true });
});

function raw(settings: Record<string, string>): RawSettings {
  return new Map(Object.entries(settings).map(([key, value]) => [key, { value }]));
}

let jaasCount = 0;
/** A JAAS file: our learner credentials and the users we accept. */
function jaas(learner: { user: string; password: string }, users: Record<string, string>): string {
  const path = join(dir, `jaas-${++jaasCount}.conf`);
  const userLines = Object.entries(users)
    .map(([user, password]) => `  user_${user}="${password}"`)
    .join('\n');
  writeFileSync(
    path,
    '// quorum secrets\nQuorumServer {\n' +
      `  org.apache.zookeeper.server.auth.DigestLoginModule required\n${userLines};\n};\n` +
      `QuorumLearner {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n` +
      `  username="${learner.user}"\n  password="${learner.password}";\n};\n`,
  );
  return path;
}

async function saslSecurity(
  password: string,
  require = true,
  user = 'warren',
): Promise<PeerSecurity> {
  return loadPeerSecurity(
    raw({
      'quorum.auth.enableSasl': 'true',
      'quorum.auth.learnerRequireSasl': String(require),
      'quorum.auth.serverRequireSasl': String(require),
      'java.security.auth.login.config': jaas({ user, password }, { warren: password }),
    }),
  );
}

async function startMember(id: number, security: PeerSecurity): Promise<Member> {
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const inbox: Member['inbox'] = [];
  const transport = new PeerTransport({
    selfId: id,
    listenHost: host,
    listenPort: 0,
    peers: [],
    logger,
    security,
    onMessage: (from, payload) => inbox.push({ from, text: payload.toString() }),
  });
  transports.push(transport);
  const bound = await transport.start();
  return { id, transport, address: { id, host, port: bound.port }, inbox, logs };
}

function connectAll(members: Member[], extra: PeerAddress[] = []): void {
  for (const member of members)
    member.transport.setPeers([...members.map((m) => m.address), ...extra]);
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Sends `bytes` on a raw TCP connection; resolves with what came back once it closed. */
async function rawExchange(
  port: number,
  bytes: Buffer,
  answer?: (received: Buffer, socket: net.Socket) => void,
): Promise<Buffer> {
  const socket = net.createConnection({ host, port });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    answer?.(Buffer.concat(chunks), socket);
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(bytes);
  const timer = setTimeout(() => socket.destroy(), 3000);
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  clearTimeout(timer);
  return Buffer.concat(chunks);
}

/** A TCP proxy to `port` that records every byte the dialling side sends. */
async function recordingProxy(
  port: number,
): Promise<{ port: number; recorded: Buffer[]; close: () => Promise<void> }> {
  const recorded: Buffer[] = [];
  const proxy = net.createServer((inbound) => {
    const outbound = net.createConnection({ host, port });
    inbound.on('data', (chunk: Buffer) => {
      recorded.push(chunk);
      outbound.write(chunk);
    });
    outbound.on('data', (chunk: Buffer) => inbound.write(chunk));
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, host, resolve));
  return {
    port: (proxy.address() as net.AddressInfo).port,
    recorded,
    close: () => new Promise<void>((resolve) => proxy.close(() => resolve())),
  };
}

/** A message frame as a member sends it (kind 1 = a whole message). */
function messageFrame(text: string): Buffer {
  const body = Buffer.from(text);
  const out = Buffer.alloc(5 + body.length);
  out.writeUInt32BE(1 + body.length, 0);
  out.writeUInt8(1, 4);
  body.copy(out, 5);
  return out;
}

const logged = (member: Member, text: string): boolean => member.logs.some((l) => l.includes(text));

void describe('quorum SASL (shared secret)', () => {
  test('members with the secret talk both ways', async () => {
    const security = await saslSecurity('s3cret');
    const members = [await startMember(1, security), await startMember(2, security)];
    connectAll(members);
    const [a, b] = members as [Member, Member];
    assert.ok(a.transport.send(2, Buffer.from('from 1')));
    assert.ok(b.transport.send(1, Buffer.from('from 2')));
    await waitFor('both messages', () => a.inbox.length === 1 && b.inbox.length === 1);
    assert.deepEqual(b.inbox, [{ from: 1, text: 'from 1' }]);
    assert.deepEqual(a.inbox, [{ from: 2, text: 'from 2' }]);
  });

  test('a forged plain handshake delivers nothing', async () => {
    const security = await saslSecurity('s3cret');
    const [a, b] = [await startMember(1, security), await startMember(2, security)];
    connectAll([a, b]);
    await waitFor('links up', () => a.transport.isConnected(2) && b.transport.isConnected(1));
    // An attacker with TCP access claims to be server 2 and sends a message.
    const forged = Buffer.concat([encodeHandshake(2, 1), messageFrame('forged vote')]);
    await rawExchange(a.address.port, forged);
    assert.deepEqual(a.inbox, []);
    assert.ok(logged(a, 'did not authenticate'), 'the refusal is logged');
    // The real member 2's link was not replaced by the forged one.
    assert.ok(b.transport.send(1, Buffer.from('genuine')));
    await waitFor('the genuine message', () => a.inbox.length === 1);
    assert.deepEqual(a.inbox, [{ from: 2, text: 'genuine' }]);
  });

  test('a guessed proof delivers nothing', async () => {
    const security = await saslSecurity('s3cret');
    const [a, b] = [await startMember(1, security), await startMember(2, security)];
    connectAll([a, b]);
    const hello = encodeHello({ fromId: 2, toId: 1, nonce: randomBytes(32), username: 'warren' });
    let answered = false;
    const reply = await rawExchange(a.address.port, hello, (received, socket) => {
      if (answered || received.length < challengeFrameBytes) return;
      answered = true;
      socket.write(Buffer.concat([randomBytes(proofBytes), messageFrame('forged setACL')]));
    });
    assert.equal(reply.length, challengeFrameBytes, 'a challenge, then the connection closed');
    assert.equal(reply.readUInt8(0), 1, 'the challenge status');
    assert.deepEqual(a.inbox, []);
    assert.ok(logged(a, 'failed the quorum authentication'));
  });

  test('bytes replayed from a recorded genuine link deliver nothing', async () => {
    const security = await saslSecurity('s3cret');
    const a = await startMember(1, security);
    // Member 2 reaches member 1 through a proxy that records what member 2 sends.
    const proxy = await recordingProxy(a.address.port);
    const { recorded } = proxy;
    const proxyPort = proxy.port;
    const b = await startMember(2, security);
    a.transport.setPeers([a.address, b.address]);
    b.transport.setPeers([b.address, { id: 1, host, port: proxyPort }]);
    assert.ok(b.transport.send(1, Buffer.from('genuine')));
    await waitFor('the genuine message', () => a.inbox.length === 1);
    await b.transport.close();
    await proxy.close();
    a.inbox.length = 0;
    // Replay everything member 2 sent (hello, proof, message) on a fresh connection.
    await rawExchange(a.address.port, Buffer.concat(recorded));
    assert.deepEqual(a.inbox, [], 'the replayed proof answers an old challenge');
    assert.ok(logged(a, 'failed the quorum authentication'));
  });

  test('a member with the wrong secret cannot join; an unknown user is refused', async () => {
    const good = await saslSecurity('s3cret');
    const [a, b] = [await startMember(1, good), await startMember(2, good)];
    const wrong = await startMember(3, await saslSecurity('guess'));
    const stranger = await startMember(4, await saslSecurity('s3cret', true, 'mallory'));
    connectAll([a, b, wrong, stranger]);
    assert.ok(b.transport.send(1, Buffer.from('genuine')));
    wrong.transport.send(1, Buffer.from('from the wrong secret'));
    stranger.transport.send(1, Buffer.from('from an unknown user'));
    await waitFor('the genuine message', () => a.inbox.length >= 1);
    // The wrong secret is caught by the dialler first (member 1's proof does not verify), so
    // member 1 sees its challenge go unanswered.
    await waitFor(
      'the refusals',
      () =>
        logged(a, 'did not answer the quorum challenge') &&
        logged(a, "unknown quorum user 'mallory'"),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(a.inbox, [{ from: 2, text: 'genuine' }]);
    assert.ok(
      logged(wrong, 'failed to prove the quorum secret'),
      'the dialler sees an impostor too',
    );
    assert.ok(!wrong.transport.isConnected(1));
  });

  test('learnerRequireSasl: a member never sends to a peer without authentication', async () => {
    const open = await startMember(1, { sasl: null, tls: null });
    const strict = await startMember(2, await saslSecurity('s3cret'));
    connectAll([open, strict]);
    strict.transport.send(1, Buffer.from('secret data'));
    await waitFor('the refusal', () => logged(strict, 'learnerRequireSasl'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(open.inbox, []);
  });

  test('zoo.cfg mistakes ZooKeeper refuses are refused', async () => {
    await assert.rejects(
      loadPeerSecurity(raw({ 'quorum.auth.serverRequireSasl': 'true' })),
      /needs quorum.auth.enableSasl=true/,
    );
    await assert.rejects(
      loadPeerSecurity(
        raw({
          'quorum.auth.enableSasl': 'true',
          'quorum.auth.learnerRequireSasl': 'false',
          'quorum.auth.serverRequireSasl': 'true',
        }),
      ),
      /needs quorum.auth.learnerRequireSasl=true/,
    );
    await assert.rejects(
      loadPeerSecurity(raw({ 'quorum.auth.enableSasl': 'true' })),
      /set java.security.auth.login.config/,
    );
    const kerberos = join(dir, 'krb.conf');
    writeFileSync(
      kerberos,
      'QuorumServer { com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true; };\n' +
        'QuorumLearner { com.sun.security.auth.module.Krb5LoginModule required; };\n',
    );
    await assert.rejects(
      loadPeerSecurity(
        raw({ 'quorum.auth.enableSasl': 'true', 'java.security.auth.login.config': kerberos }),
      ),
      /Krb5LoginModule; Warren supports org.apache.zookeeper.server.auth.DigestLoginModule/,
    );
    const broken = join(dir, 'broken.conf');
    writeFileSync(
      broken,
      'QuorumServer {\n  org.apache.zookeeper.server.auth.DigestLoginModule maybe;\n};\n',
    );
    await assert.rejects(
      loadPeerSecurity(
        raw({ 'quorum.auth.enableSasl': 'true', 'java.security.auth.login.config': broken }),
      ),
      /line 2: 'maybe' is not a control flag/,
    );
  });
});

void describe('quorum TLS', () => {
  const missing = opensslMissing();
  let pki: TestPki;
  before(() => {
    if (missing !== undefined) return;
    mkdirSync(join(dir, 'pki'));
    pki = makeTestPki(join(dir, 'pki'), ['server1', 'server2']);
  });

  async function tlsSecurity(keyStore: string): Promise<PeerSecurity> {
    return loadPeerSecurity(
      raw({
        sslQuorum: 'true',
        'ssl.quorum.keyStore.location': keyStore,
        'ssl.quorum.trustStore.location': pki.caPath,
      }),
    );
  }

  test(
    'members with trusted certificates talk; strangers and plain TCP deliver nothing',
    { skip: missing },
    async () => {
      const a = await startMember(1, await tlsSecurity(pki.leaf('server1').pemPath));
      const b = await startMember(2, await tlsSecurity(pki.leaf('server2').pemPath));
      const stranger = await startMember(3, await tlsSecurity(pki.stranger.pemPath));
      connectAll([a, b, stranger]);
      assert.ok(b.transport.send(1, Buffer.from('over tls')));
      stranger.transport.send(1, Buffer.from('from another CA'));
      await waitFor('the genuine message', () => a.inbox.length >= 1);
      await waitFor('the stranger refused', () => logged(a, 'peer TLS handshake failed'));
      // Plain TCP with a well-formed handshake is not even TLS.
      await rawExchange(
        a.address.port,
        Buffer.concat([encodeHandshake(2, 1), messageFrame('plain')]),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(a.inbox, [{ from: 2, text: 'over tls' }]);
    },
  );

  test(
    'bytes replayed from a recorded genuine TLS link deliver nothing',
    { skip: missing },
    async () => {
      const a = await startMember(1, await tlsSecurity(pki.leaf('server1').pemPath));
      const proxy = await recordingProxy(a.address.port);
      const b = await startMember(2, await tlsSecurity(pki.leaf('server2').pemPath));
      a.transport.setPeers([a.address, b.address]);
      b.transport.setPeers([b.address, { id: 1, host, port: proxy.port }]);
      assert.ok(b.transport.send(1, Buffer.from('genuine over tls')));
      await waitFor('the genuine message', () => a.inbox.length === 1);
      await b.transport.close();
      await proxy.close();
      a.inbox.length = 0;
      // The recorded ClientHello, key exchange and records answer an old server random.
      await rawExchange(a.address.port, Buffer.concat(proxy.recorded));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(a.inbox, [], 'a replayed TLS session delivered a message');
      assert.ok(proxy.recorded.length > 0, 'the proxy recorded the genuine link');
    },
  );

  test('sslQuorum without stores is refused', { skip: missing }, async () => {
    await assert.rejects(
      loadPeerSecurity(
        raw({ sslQuorum: 'true', 'ssl.quorum.keyStore.location': pki.leaf('server1').pemPath }),
      ),
      /sslQuorum=true needs ssl.quorum.keyStore.location and ssl.quorum.trustStore.location/,
    );
  });
});
