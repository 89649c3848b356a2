/**
 * The DIGEST-MD5 server against RFC 2831 §4's worked examples (IMAP and ACAP, byte for byte),
 * then against the hand-rolled client of test/support/sasl-digest-client.ts on ZooKeeper's
 * digest-uri: success and rspauth, and each way a response must fail (password, user, replayed
 * nonce count, a second response, another nonce, digest-uri, qop, an initial or GSSAPI token,
 * an oversized token). Also the directive parser's quoting rules.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DigestMd5Server, type SaslOutcome } from '../../../src/server/digest-md5.js';
import { parseDirectives } from '../../../src/protocol/sasl-directives.js';
import { saslTokenBytesMax } from '../../../src/util/limits.js';
import { digestResponse, type DigestClientOptions } from '../../support/sasl-digest-client.js';

const rfcServer = (protocol: string, nonce: string): DigestMd5Server =>
  new DigestMd5Server(
    {
      protocol,
      serverName: 'elwood.innosoft.com',
      realm: 'elwood.innosoft.com',
      password: (user) => (user === 'chris' ? 'secret' : undefined),
    },
    nonce,
  );

const zkServer = (): DigestMd5Server =>
  new DigestMd5Server(
    {
      protocol: 'zookeeper',
      serverName: 'zk-sasl-md5',
      realm: 'zk-sasl-md5',
      password: (user) => new Map([['alice', 'alice-secret']]).get(user),
    },
    'bm9uY2Ugb2YgdGhlIHRlc3Q=',
  );

function challenge(server: DigestMd5Server): Buffer {
  const outcome = server.evaluate(Buffer.alloc(0));
  assert.equal(outcome.kind, 'challenge');
  return (outcome as { token: Buffer }).token;
}

const alice: DigestClientOptions = { username: 'alice', password: 'alice-secret', cnonce: 'c1' };

function respond(server: DigestMd5Server, options: Partial<DigestClientOptions>): SaslOutcome {
  const { token } = digestResponse(challenge(server), { ...alice, ...options });
  return server.evaluate(token);
}

function failureReason(outcome: SaslOutcome): string {
  assert.equal(outcome.kind, 'failure');
  return (outcome as { reason: string }).reason;
}

describe('DIGEST-MD5 server: RFC 2831 §4', () => {
  it('accepts the IMAP example and answers its rspauth', () => {
    const server = rfcServer('imap', 'OA6MG9tEQGm2hh');
    assert.equal(
      challenge(server).toString(),
      'realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",charset=utf-8,' +
        'algorithm=md5-sess',
    );
    const response =
      'charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",' +
      'nc=00000001,cnonce="OA6MHXh6VqTrRk",digest-uri="imap/elwood.innosoft.com",' +
      'response=d388dad90d4bbd760a152321f2143af7,qop=auth';
    const outcome = server.evaluate(Buffer.from(response));
    assert.equal(outcome.kind, 'success');
    const { token, user } = outcome as { token: Buffer; user: string };
    assert.equal(user, 'chris');
    assert.equal(token.toString(), 'rspauth=ea40f60335c427b5527b84dbabcdfffd');
  });

  it('accepts the ACAP example', () => {
    const server = rfcServer('acap', 'OA9BSXrbuRhWay');
    challenge(server);
    const response =
      'charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="OA9BSXrbuRhWay",' +
      'nc=00000001,cnonce="OA9BSuZWMSpW8m",digest-uri="acap/elwood.innosoft.com",' +
      'response=6084c6db3fede7352c551284490fd0fc,qop=auth';
    const outcome = server.evaluate(Buffer.from(response));
    assert.equal(outcome.kind, 'success');
    assert.equal(
      (outcome as { token: Buffer }).token.toString(),
      'rspauth=2f0b3d7c3c2e486600ef710726aa2eae',
    );
  });
});

describe('DIGEST-MD5 server: ZooKeeper exchange with a hand-rolled client', () => {
  it('authenticates alice and proves itself with rspauth', () => {
    const server = zkServer();
    const { token, rspauth } = digestResponse(challenge(server), alice);
    const outcome = server.evaluate(token);
    assert.deepEqual(outcome, { kind: 'success', token: Buffer.from(rspauth), user: 'alice' });
  });

  it('takes an authzid into the digest but names the authenticated user', () => {
    const outcome = respond(zkServer(), { authzid: 'admin' });
    assert.equal(outcome.kind, 'success');
    assert.equal((outcome as { user: string }).user, 'alice');
  });

  it('refuses a wrong password and an unknown user', () => {
    assert.match(failureReason(respond(zkServer(), { password: 'guess' })), /wrong password/);
    assert.match(failureReason(respond(zkServer(), { username: 'mallory' })), /no user/);
  });

  it('refuses a replayed nonce count and any second response', () => {
    assert.match(failureReason(respond(zkServer(), { nc: 2 })), /nonce count 00000002/);
    const server = zkServer();
    const { token } = digestResponse(challenge(server), alice);
    assert.equal(server.evaluate(token).kind, 'success');
    assert.match(failureReason(server.evaluate(token)), /already over/);
  });

  it("refuses a response to another server's nonce", () => {
    const other = challenge(zkServer())
      .toString()
      .replace(/nonce="[^"]*"/, 'nonce="other"');
    const server = zkServer();
    challenge(server);
    const { token } = digestResponse(Buffer.from(other), alice);
    assert.match(failureReason(server.evaluate(token)), /nonce/);
  });

  it('refuses another digest-uri, a forged response value and another qop', () => {
    const uri = respond(zkServer(), { serverName: 'zk.example.com' });
    assert.match(failureReason(uri), /digest-uri zookeeper\/zk.example.com/);
    const forged = respond(zkServer(), { response: '0'.repeat(32) });
    assert.match(failureReason(forged), /wrong password/);
    const server = zkServer();
    const { token } = digestResponse(challenge(server), alice);
    const authInt = Buffer.from(token.toString().replace('qop=auth', 'qop=auth-int'));
    assert.match(failureReason(server.evaluate(authInt)), /qop auth-int/);
  });

  it('refuses an initial response, a GSSAPI token and an oversized token', () => {
    assert.match(failureReason(zkServer().evaluate(Buffer.from('x'))), /no initial response/);
    const gssapi = Buffer.from([0x60, 0x82, 0x02, 0x10, 0x06, 0x09]);
    assert.match(failureReason(zkServer().evaluate(gssapi)), /GSSAPI/);
    const server = zkServer();
    challenge(server);
    const big = Buffer.alloc(saslTokenBytesMax + 1, 0x61);
    assert.match(failureReason(server.evaluate(big)), /at most 4096/);
  });
});

describe('DIGEST-MD5 directives', () => {
  it('reads quoted and plain values, escapes, spaces and empty elements', () => {
    const parsed = parseDirectives(Buffer.from(' a = "x\\"y" ,, B=plain,c=""'));
    assert.deepEqual(
      [...parsed].map(([k, v]) => [k, v.toString()]),
      [
        ['a', 'x"y'],
        ['b', 'plain'],
        ['c', ''],
      ],
    );
  });

  it('refuses duplicates, unclosed quotes and junk', () => {
    assert.throws(() => parseDirectives(Buffer.from('a=1,A=2')), /appears twice/);
    assert.throws(() => parseDirectives(Buffer.from('a="1')), /unclosed quote/);
    assert.throws(() => parseDirectives(Buffer.from('a="1" b=2')), /junk/);
    assert.throws(() => parseDirectives(Buffer.from('novalue')), /malformed/);
  });
});
