/**
 * loadClientSasl reads client-port SASL as ZooKeeper configures it: the users of the JAAS
 * Server section (or zookeeper.sasl.serverconfig's), the super users, the required flags; and
 * refuses what it cannot honour: Kerberos, a named section that is missing, SASL required
 * without the SASL provider or without users.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../../../src/config/config.js';
import type { RawSettings } from '../../../src/config/raw-settings.js';
import { loadClientSasl } from '../../../src/security/client-sasl.js';

const DIGEST = 'org.apache.zookeeper.server.auth.DigestLoginModule';
const PROVIDER = 'org.apache.zookeeper.server.auth.SASLAuthenticationProvider';

describe('loadClientSasl', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'warren-client-sasl-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const jaas = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const raw = (settings: Record<string, string>): RawSettings =>
    new Map(Object.entries(settings).map(([key, value]) => [key, { value }]));
  const load = (settings: Record<string, string>) => loadClientSasl(defaultConfig(), raw(settings));

  it('reads the Server section, super users and flags', async () => {
    const file = jaas('a.conf', `Server { ${DIGEST} required user_alice="a" user_bob="b"; };`);
    const sasl = await load({
      'java.security.auth.login.config': file,
      'authProvider.1': PROVIDER,
      'zookeeper.superUser': 'alice',
      'zookeeper.superUser.2': 'bob',
      'zookeeper.sessionRequireClientSASLAuth': 'true',
    });
    assert.deepEqual(
      [...(sasl?.users ?? [])],
      [
        ['alice', 'a'],
        ['bob', 'b'],
      ],
    );
    assert.deepEqual(sasl?.superUsers, ['alice', 'bob']);
    assert.equal(sasl?.sessionRequired, true);
    assert.equal(sasl?.allowFailedClients, false);
  });

  it('is off without a JAAS file or without the section, as in ZooKeeper', async () => {
    assert.equal(await load({}), null);
    const quorumOnly = jaas('q.conf', `QuorumServer { ${DIGEST} required user_x="y"; };`);
    assert.equal(await load({ 'java.security.auth.login.config': quorumOnly }), null);
  });

  it('refuses Kerberos, a missing named section, and SASL required without provider', async () => {
    const krb = jaas(
      'k.conf',
      'Server { com.sun.security.auth.module.Krb5LoginModule required; };',
    );
    await assert.rejects(load({ 'java.security.auth.login.config': krb }), /Kerberos/);
    const file = jaas('b.conf', `Server { ${DIGEST} required user_alice="a"; };`);
    await assert.rejects(
      load({ 'java.security.auth.login.config': file, 'zookeeper.sasl.serverconfig': 'Other' }),
      /no Other section/,
    );
    await assert.rejects(
      load({ 'java.security.auth.login.config': file, sessionRequireClientSASLAuth: 'true' }),
      /needs authProvider.1=.*SASLAuthenticationProvider/,
    );
    await assert.rejects(
      load({ 'zookeeper.sessionRequireClientSASLAuth': 'true', 'authProvider.1': PROVIDER }),
      /SASL is required, but no JAAS file is named/,
    );
    const kerberosName = jaas('n.conf', `Server { ${DIGEST} required user_a@R="x"; };`);
    await assert.rejects(load({ 'java.security.auth.login.config': kerberosName }), /no \/ or @/);
  });
});
