/**
 * The client's DIGEST-MD5: RFC 2831's own example (§4) as a known answer, a full exchange
 * with the server's implementation, and every way a challenge or proof can be wrong.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DigestMd5Client, SaslExchangeError } from '../../../src/client/sasl-digest-md5.js';
import { parseDirectives } from '../../../src/protocol/sasl-directives.js';
import { DigestMd5Server } from '../../../src/server/digest-md5.js';

const RFC_CHALLENGE =
  'realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,' +
  'charset=utf-8';
const rfcClient = (): DigestMd5Client =>
  new DigestMd5Client(
    {
      username: 'chris',
      password: 'secret',
      serviceName: 'imap',
      serverName: 'elwood.innosoft.com',
    },
    'OA6MHXh6VqTrRk',
  );

describe('DIGEST-MD5 client', () => {
  it("computes RFC 2831's example response and accepts its rspauth", () => {
    const client = rfcClient();
    const response = parseDirectives(client.respond(Buffer.from(RFC_CHALLENGE)));
    const field = (name: string): string | undefined => response.get(name)?.toString();
    assert.equal(field('response'), 'd388dad90d4bbd760a152321f2143af7');
    assert.equal(field('digest-uri'), 'imap/elwood.innosoft.com');
    assert.equal(field('nc'), '00000001');
    assert.equal(field('qop'), 'auth');
    client.verify(Buffer.from('rspauth=ea40f60335c427b5527b84dbabcdfffd'));
  });

  it("completes an exchange with the server's implementation", () => {
    const server = new DigestMd5Server(
      {
        protocol: 'zookeeper',
        serverName: 'zk-sasl-md5',
        realm: 'zk-sasl-md5',
        password: (user) => (user === 'alice' ? 'pässwörd' : undefined),
      },
      'a-fresh-nonce-of-the-server',
    );
    const client = new DigestMd5Client({ username: 'alice', password: 'pässwörd' }, 'cn');
    const challenge = server.evaluate(Buffer.alloc(0));
    assert.equal(challenge.kind, 'challenge');
    const outcome = server.evaluate(client.respond(challenge.token));
    assert.equal(outcome.kind, 'success', JSON.stringify(outcome));
    assert.equal(outcome.user, 'alice');
    client.verify(outcome.token);
  });

  it('refuses a server that cannot prove it knows the password', () => {
    const client = rfcClient();
    client.respond(Buffer.from(RFC_CHALLENGE));
    for (const proof of [null, Buffer.alloc(0), Buffer.from('rspauth=' + '0'.repeat(32))]) {
      assert.throws(() => client.verify(proof), SaslExchangeError);
    }
  });

  it('refuses challenges it cannot answer safely', () => {
    const bad = [
      'realm="r",qop="auth",algorithm=md5-sess', // no nonce
      'realm="r",nonce="n",qop="auth-conf",algorithm=md5-sess', // no plain auth offered
      'realm="r",nonce="n",qop="auth"', // not md5-sess
      'realm="r",nonce="n",qop="auth",algorithm=md5-sess,charset=latin9',
      'realm="r,nonce="n"', // an unclosed quote
    ];
    for (const challenge of bad) {
      assert.throws(
        () => rfcClient().respond(Buffer.from(challenge)),
        SaslExchangeError,
        challenge,
      );
    }
    const client = rfcClient();
    assert.throws(() => client.verify(Buffer.from('rspauth=x')), /before any challenge/);
    client.respond(Buffer.from(RFC_CHALLENGE));
    assert.throws(() => client.respond(Buffer.from(RFC_CHALLENGE)), /second challenge/);
  });
});
