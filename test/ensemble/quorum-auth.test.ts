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
import { encodeHandshake } from '../../src/peer/peer-frames.js';
import type { Ensemble } from '../support/ensemble-proc.js';
import { sleep } from '../support/server-process.js';
import { makeTestPki, opensslMissing, TEST_STORE_PASSWORD } from '../support/test-certificates.js';
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
});
