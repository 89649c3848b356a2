// Proves how zoo.cfg's client TLS keys settle the client ports, as ZooKeeper's
// QuorumPeerConfig does: secureClientPort without clientPort means no plaintext port at all;
// secureClientPortAddress alone, a secure port without a key store, and a misspelt ssl.* key
// stop start-up naming key and line; ssl.* lines without a secure port are warned about;
// client.certReload and X509AuthenticationProvider.superUser are read (both spellings).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseZooCfg } from '../../../src/config/config.js';

const parse = (lines: string[]) => parseZooCfg(lines.join('\n'), 'zoo.cfg');

function refusal(lines: string[]): ConfigError {
  try {
    parse(lines);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail('expected a ConfigError');
}

describe('client TLS keys in zoo.cfg', () => {
  it('secureClientPort alone: no plaintext client port', () => {
    const { config } = parse(['secureClientPort=2281', 'ssl.keyStore.location=/k.pem']);
    assert.equal(config.clientPort, null);
    assert.equal(config.secureClientPort, 2281);
    assert.equal(config.secureClientPortAddress, '0.0.0.0');
    assert.equal(config.clientCertReload, true);
  });

  it('both ports: both kept; neither: the plaintext default as before', () => {
    const both = parse([
      'clientPort=2181',
      'secureClientPort=2281',
      'secureClientPortAddress=127.0.0.1',
      'zookeeper.ssl.keyStore.location=/k.pem',
      'client.certReload=false',
    ]).config;
    assert.equal(both.clientPort, 2181);
    assert.equal(both.secureClientPortAddress, '127.0.0.1');
    assert.equal(both.clientCertReload, false);
    const neither = parse(['tickTime=2000']).config;
    assert.equal(neither.clientPort, 2181);
    assert.equal(neither.secureClientPort, null);
  });

  it('refuses secureClientPortAddress without secureClientPort', () => {
    const error = refusal(['clientPort=2181', 'secureClientPortAddress=127.0.0.1']);
    assert.equal(error.key, 'secureClientPortAddress');
    assert.match(error.message, /^zoo\.cfg line 2: secureClientPortAddress is set but/);
  });

  it('refuses a secure port without a key store', () => {
    const error = refusal(['ssl.trustStore.location=/ca.pem', 'secureClientPort=2281']);
    assert.equal(error.key, 'secureClientPort');
    assert.match(error.message, /^zoo\.cfg line 2: secureClientPort needs a key store/);
  });

  it('refuses a misspelt ssl.* key, suggesting the right one', () => {
    const error = refusal(['secureClientPort=2281', 'ssl.truststore.location=/ca.pem']);
    assert.equal(error.key, 'ssl.truststore.location');
    assert.match(
      error.message,
      /^zoo\.cfg line 2: unknown TLS setting 'ssl\.truststore\.location'/,
    );
    assert.match(error.message, /\(did you mean 'ssl\.trustStore\.location'\?\)/);
    // ssl.quorum.* is the quorum's: not checked here.
    parse(['ssl.quorum.whatever=1']);
  });

  it('warns that ssl.* lines do nothing without secureClientPort', () => {
    const { warnings } = parse(['clientPort=2181', 'ssl.keyStore.location=/k.pem']);
    assert.deepEqual(warnings, [
      'zoo.cfg line 2: ssl.keyStore.location: ssl.* settings are used only with secureClientPort',
    ]);
  });

  it('reads X509AuthenticationProvider.superUser under both spellings', () => {
    const plain = parse(['X509AuthenticationProvider.superUser=CN=admin,O=Example']).config;
    assert.equal(plain.x509SuperUser, 'CN=admin,O=Example');
    const property = parse(['zookeeper.X509AuthenticationProvider.superUser=CN=root']).config;
    assert.equal(property.x509SuperUser, 'CN=root');
    assert.equal(parse([]).config.x509SuperUser, null);
    const error = refusal(['X509AuthenticationProvider.superUser=admin']);
    assert.equal(error.key, 'X509AuthenticationProvider.superUser');
  });
});
