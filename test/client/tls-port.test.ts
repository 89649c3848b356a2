/**
 * The client on a server's own TLS port (`secureClientPort`), Apache ZooKeeper and Warren
 * configured the same way (PKCS12 key store, PEM trust store, client certificates required):
 * it connects with a client certificate, reads its own write, carries the certificate's
 * subject as its x509 identity, and a client without a certificate or with one from another
 * CA is refused.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { createClient, type ZooKeeperClient } from '../../src/client/index.js';
import { freePort } from '../support/ports.js';
import type { RunningServer } from '../support/server-process.js';
import { startTarget, targetSkipReason, TARGETS } from '../support/targets.js';
import {
  makeTestPki,
  opensslMissing,
  TEST_STORE_PASSWORD,
  type TestPki,
} from '../support/test-certificates.js';

for (const target of TARGETS) {
  const noNetty =
    target === 'zookeeper' && !existsSync('/usr/share/java/netty-handler.jar')
      ? "ZooKeeper's TLS port needs Netty: apt-get install libnetty-java"
      : undefined;
  const skip = targetSkipReason(target) ?? opensslMissing() ?? noNetty;
  describe(`client on the TLS port of ${target}`, { skip, timeout: 120_000 }, () => {
    let server: RunningServer | undefined;
    let securePort = 0;
    let pki: TestPki;
    const dir = mkdtempSync(join(tmpdir(), 'warren-client-tls-port-'));
    const clients: ZooKeeperClient[] = [];
    const open = (tls: ConnectionOptions, fast = false): Promise<ZooKeeperClient> => {
      const client = createClient(`127.0.0.1:${securePort}`, {
        tls,
        sessionTimeoutMs: 10_000,
        ...(fast ? { connectTimeoutMs: 1000, initialConnectTimeoutMs: 3000 } : {}),
      });
      clients.push(client);
      return client.connect();
    };

    before(async () => {
      pki = makeTestPki(dir, ['server', 'client']);
      securePort = await freePort();
      const tls = {
        secureClientPort: String(securePort),
        serverCnxnFactory: 'org.apache.zookeeper.server.NettyServerCnxnFactory',
        'ssl.keyStore.location': pki.leaf('server').p12Path,
        'ssl.keyStore.password': TEST_STORE_PASSWORD,
        'ssl.trustStore.location': pki.caPath,
        'ssl.clientAuth': 'need',
      };
      server = await startTarget(target, {
        zookeeper: { extraConfig: tls },
        warren: { config: tls },
      });
    });
    after(async () => {
      for (const client of clients) await client.close().catch(() => undefined);
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('connects with a client certificate, writes, reads, and is its x509 subject', async () => {
      const leaf = pki.leaf('client');
      const client = await open({ ca: pki.caPem, cert: leaf.certPem, key: leaf.keyPem });
      await client.create('/over-tls', { data: 'sealed' });
      assert.equal((await client.getData('/over-tls')).data?.toString(), 'sealed');
      const x509 = (await client.whoAmI()).filter((id) => id.authScheme === 'x509');
      assert.deepEqual(
        x509.map((id) => id.user),
        ['CN=client,OU=tests,O=Warren'],
      );
    });

    it('is refused without a certificate or with one from another CA', async () => {
      await assert.rejects(open({ ca: pki.caPem }, true));
      const rogue = pki.stranger;
      await assert.rejects(open({ ca: pki.caPem, cert: rogue.certPem, key: rogue.keyPem }, true));
    });
  });
}
