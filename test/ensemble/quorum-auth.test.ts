/**
 * Real 3-member ensembles with quorum authentication configured as a ZooKeeper user would
 * (the same zoo.cfg keys, a JAAS file, PEM stores): they elect, replicate and serve; a process
 * with TCP access to a member's peer port that claims to be another member is refused and the
 * ensemble keeps serving; an ensemble without quorum authentication warns at start-up.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NoAuthError, Perm } from '../../src/client/index.js';
import { encodeHandshake } from '../../src/peer/peer-frames.js';
import type { Ensemble } from '../support/ensemble-proc.js';
import { sleep } from '../support/server-process.js';
import { makeTestPki, opensslMissing, TEST_STORE_PASSWORD } from '../support/test-certificates.js';
import { forwardedSetAcl, harmfulMessages, sendForged } from './support/forged-peer.js';
import { clientOn, closeAll, sharedEnsemble, SUITE_TIMEOUT_MS } from './support/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'warren-quorum-auth-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const jaasPath = join(dir, 'jaas.conf');
writeFileSync(
  jaasPath,
  'QuorumServer {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n' +
    '  user_warren="quorum-secret";\n};\n' +
    'QuorumLearner {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n' +
    '  username="warren"\n  password="quorum-secret";\n};\n',
);

/** Writes on one member, reads them on every member. */
async function replicates(ens: Ensemble, root: string): Promise<void> {
  const clients = await Promise.all(ens.servers.map((s) => clientOn(ens, s.id, { only: true })));
  try {
    await clients[0]?.create(root, { data: 'hello' });
    for (const client of clients) {
      await client.sync(root);
      assert.equal((await client.getData(root)).data?.toString(), 'hello');
    }
  } finally {
    await closeAll(clients);
  }
}

/** A forged peer connection: claims to be `fromId`, sends a message frame, returns on close. */
async function forgePeer(port: number, fromId: number, toId: number): Promise<void> {
  const socket = net.createConnection({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const message = Buffer.from([0, 0, 0, 5, 1, 1, 2, 3, 4]);
  socket.write(Buffer.concat([encodeHandshake(fromId, toId), message]));
  const timer = setTimeout(() => socket.destroy(), 5000);
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  clearTimeout(timer);
}

/** Creates `path` readable only by the digest user `owner`. */
async function ownersOnly(ens: Ensemble, path: string): Promise<void> {
  const client = await clientOn(ens, 1);
  try {
    await client.addAuth('digest', 'owner:owner-secret');
    const acl = [{ perms: Perm.all, id: { scheme: 'auth', id: '' } }];
    await client.create(path, { data: 'private', acl });
  } finally {
    await closeAll([client]);
  }
}

/** Whether a stranger can read `path` (after a sync on the leader). */
async function strangerReads(ens: Ensemble, path: string): Promise<boolean> {
  const client = await clientOn(ens, (await ens.leader()).id);
  try {
    await client.sync(path);
    await client.getData(path);
    return true;
  } catch (error) {
    if (error instanceof NoAuthError) return false;
    throw error;
  } finally {
    await closeAll([client]);
  }
}

/** The voters in /zookeeper/config, as a leader's client reads them. */
async function voters(ens: Ensemble): Promise<string[]> {
  const client = await clientOn(ens, (await ens.leader()).id);
  try {
    await client.sync('/zookeeper/config');
    const text = (await client.getData('/zookeeper/config')).data?.toString() ?? '';
    return text.split('\n').filter((line) => line.startsWith('server.'));
  } finally {
    await closeAll([client]);
  }
}

/**
 * Sends every harmful message kind both ways (to a follower as the leader, to the leader as a
 * follower), then checks nothing happened: the node is still private, the leader and the
 * voters are the same, and the ensemble replicates.
 */
async function forgedMessagesChangeNothing(
  ens: Ensemble,
  root: string,
  tlsOptions?: Parameters<typeof sendForged>[4],
): Promise<void> {
  const secret = `${root}-secret`;
  await ownersOnly(ens, secret);
  const before = await voters(ens);
  const { leader, followers } = await ens.roles();
  const victim = followers[0];
  assert.ok(victim !== undefined);
  const leaving = followers.map((s) => s.id);
  // A live session, so that only the peer authentication stands in the way.
  const stranger = await clientOn(ens, leader.id);
  const sessionId = stranger.sessionId;
  try {
    await sendForged(
      victim.peerPort,
      leader.id,
      victim.id,
      harmfulMessages(leader.id, victim.id, secret, { leaving, sessionId }),
      tlsOptions,
    );
    await sendForged(
      leader.peerPort,
      victim.id,
      leader.id,
      harmfulMessages(victim.id, leader.id, secret, { leaving, sessionId }),
      tlsOptions,
    );
  } finally {
    await closeAll([stranger]);
  }
  assert.equal(await strangerReads(ens, secret), false, 'the forged setACL was taken');
  assert.equal((await ens.leader()).id, leader.id, 'a forged vote changed the leader');
  assert.deepEqual(await voters(ens), before, 'forged messages changed the membership');
  await replicates(ens, `${root}-after`);
}

async function waitForLog(ens: Ensemble, id: number, text: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!ens.log(id).includes(text)) {
    if (Date.now() > deadline) throw new Error(`server ${id} never logged '${text}'`);
    await sleep(50);
  }
}

void describe('quorum SASL ensemble', { timeout: SUITE_TIMEOUT_MS }, () => {
  const ensemble = sharedEnsemble({
    size: 3,
    config: {
      'quorum.auth.enableSasl': 'true',
      'quorum.auth.learnerRequireSasl': 'true',
      'quorum.auth.serverRequireSasl': 'true',
      'java.security.auth.login.config': jaasPath,
    },
  });

  it('elects, replicates, and refuses a forged member', async () => {
    const ens = ensemble();
    await replicates(ens, '/sasl');
    const { leader, followers } = await ens.roles();
    const victim = followers[0];
    assert.ok(victim !== undefined);
    await forgePeer(victim.peerPort, leader.id, victim.id);
    await waitForLog(ens, victim.id, 'did not authenticate (quorum.auth.serverRequireSasl=true)');
    assert.ok(!ens.log(victim.id).includes('trusts any process'), 'no open-port warning');
    // The real leader's link was not replaced: the ensemble still replicates.
    await replicates(ens, '/sasl-after');
    assert.equal((await ens.leader()).id, leader.id, 'no leader change');
  });

  it('refuses forged messages of every kind, and keeps serving', async () => {
    await forgedMessagesChangeNothing(ensemble(), '/sasl-forged');
  });
});

void describe('quorum TLS ensemble', { timeout: SUITE_TIMEOUT_MS }, () => {
  const missing = opensslMissing();
  if (missing !== undefined) {
    it('needs openssl', { skip: missing }, () => undefined);
    return;
  }
  mkdirSync(join(dir, 'pki'));
  const pki = makeTestPki(join(dir, 'pki'), ['member']);
  const ensemble = sharedEnsemble({
    size: 3,
    config: {
      sslQuorum: 'true',
      'ssl.quorum.keyStore.location': pki.leaf('member').p12Path,
      'ssl.quorum.keyStore.password': TEST_STORE_PASSWORD,
      'ssl.quorum.trustStore.location': pki.caPath,
    },
  });

  it('elects, replicates, and refuses a peer connection without a certificate', async () => {
    const ens = ensemble();
    await replicates(ens, '/tls');
    const { leader, followers } = await ens.roles();
    const victim = followers[0];
    assert.ok(victim !== undefined);
    await forgePeer(victim.peerPort, leader.id, victim.id);
    await waitForLog(ens, victim.id, 'peer TLS handshake failed');
    await replicates(ens, '/tls-after');
  });

  it('refuses forged messages over TLS with a certificate from another CA', async () => {
    const rogue = pki.stranger;
    await forgedMessagesChangeNothing(ensemble(), '/tls-forged', {
      tls: { cert: rogue.certPem, key: rogue.keyPem },
    });
  });
});

void describe('ensemble without quorum authentication', { timeout: SUITE_TIMEOUT_MS }, () => {
  const ensemble = sharedEnsemble({ size: 3 });
  it('warns at start-up that the peer port is open', async () => {
    const ens = ensemble();
    await ens.ready();
    for (const s of ens.servers) {
      await waitForLog(ens, s.id, 'trusts any process that can reach it');
    }
  });

  // The control for the forged-message tests above: the same forged frames are well-formed
  // and do harm where the peer port is trusted, so those tests show the authentication.
  it('takes a forged forwarded setACL, as the warning says', async () => {
    const ens = ensemble();
    const secret = '/open-forged-secret';
    await ownersOnly(ens, secret);
    const { leader, followers } = await ens.roles();
    const claimed = followers[0];
    assert.ok(claimed !== undefined);
    const stranger = await clientOn(ens, leader.id);
    try {
      const forged = forwardedSetAcl(secret, stranger.sessionId);
      await sendForged(leader.peerPort, claimed.id, leader.id, forged, { lingerMs: 1000 });
    } finally {
      await closeAll([stranger]);
    }
    const deadline = Date.now() + 10_000;
    while (!(await strangerReads(ens, secret))) {
      assert.ok(Date.now() < deadline, 'the forged setACL never applied');
      await sleep(100);
    }
  });
});
