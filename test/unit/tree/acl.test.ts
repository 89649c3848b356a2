/**
 * ACL checks and fix-up (protocol §13): world, digest, ip prefixes (v4 and v6, never
 * crossing families), super bypass, the empty ACL, auth expansion, invalid ids and schemes,
 * duplicate removal, and getACL's digest masking.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Perm } from '../../../src/protocol/opcodes.js';
import type { ACL, Id } from '../../../src/protocol/records.js';
import { fixupACL, hasPerm, maskDigests, parseIpPrefix } from '../../../src/tree/acl.js';

const acl = (perms: number, scheme: string, id: string): ACL => ({ perms, id: { scheme, id } });
const ip = (address: string): Id => ({ scheme: 'ip', id: address });

describe('hasPerm', () => {
  it('matches sasl ids as SASLAuthenticationProvider does: the SASL user super matches all', () => {
    const a = [acl(Perm.read, 'sasl', 'alice')];
    assert.ok(hasPerm(a, Perm.read, [{ scheme: 'sasl', id: 'alice' }]));
    assert.ok(!hasPerm(a, Perm.read, [{ scheme: 'sasl', id: 'bob' }]));
    assert.ok(!hasPerm(a, Perm.read, [{ scheme: 'digest', id: 'alice' }]));
    assert.ok(hasPerm(a, Perm.read, [{ scheme: 'sasl', id: 'super' }]));
    assert.ok(
      !hasPerm([acl(Perm.read, 'digest', 'x:y')], Perm.read, [{ scheme: 'sasl', id: 'super' }]),
    );
  });

  it('grants world:anyone and an empty ACL to everyone', () => {
    assert.ok(hasPerm([acl(Perm.read, 'world', 'anyone')], Perm.read, []));
    assert.ok(!hasPerm([acl(Perm.read, 'world', 'anyone')], Perm.write, []));
    assert.ok(hasPerm([], Perm.admin, []));
  });

  it('matches digest ids exactly and lets super through', () => {
    const a = [acl(Perm.all, 'digest', 'bob:fyVmFCwVbTJYrznoSu1koqYEYF0=')];
    assert.ok(
      hasPerm(a, Perm.write, [{ scheme: 'digest', id: 'bob:fyVmFCwVbTJYrznoSu1koqYEYF0=' }]),
    );
    assert.ok(!hasPerm(a, Perm.write, [{ scheme: 'digest', id: 'bob:other' }]));
    assert.ok(hasPerm(a, Perm.write, [{ scheme: 'super', id: '' }]));
  });

  it('matches ip prefixes within one address family', () => {
    const a = [acl(Perm.read, 'ip', '10.1.0.0/16'), acl(Perm.write, 'ip', 'fe80::/10')];
    assert.ok(hasPerm(a, Perm.read, [ip('10.1.200.3')]));
    assert.ok(!hasPerm(a, Perm.read, [ip('10.2.0.1')]));
    assert.ok(hasPerm(a, Perm.write, [ip('fe80::1')]));
    assert.ok(!hasPerm(a, Perm.write, [ip('10.1.0.1')]));
    assert.ok(hasPerm([acl(Perm.read, 'ip', '127.0.0.1')], Perm.read, [ip('::ffff:127.0.0.1')]));
  });

  it('parses ip prefixes strictly', () => {
    assert.deepEqual(parseIpPrefix('1.2.3.4/8')?.bits, 8);
    assert.equal(parseIpPrefix('1.2.3.4/33'), null);
    assert.equal(parseIpPrefix('1.2.3'), null);
    assert.equal(parseIpPrefix('256.1.1.1'), null);
    assert.equal(parseIpPrefix('::1')?.bytes.length, 16);
    assert.equal(parseIpPrefix('1::2::3'), null);
  });
});

describe('fixupACL', () => {
  const digest: Id = { scheme: 'digest', id: 'bob:hash' };

  it('rejects empty, null, bad world ids, unknown schemes and malformed digests', () => {
    assert.equal(fixupACL(null, []), null);
    assert.equal(fixupACL([], []), null);
    assert.equal(fixupACL([acl(1, 'world', 'someone')], []), null);
    // sasl ids are Kerberos names: with an @, name[/host]@realm.
    assert.deepEqual(fixupACL([acl(1, 'sasl', 'bob')], []), [acl(1, 'sasl', 'bob')]);
    assert.deepEqual(fixupACL([acl(1, 'sasl', 'zk/h@R')], []), [acl(1, 'sasl', 'zk/h@R')]);
    assert.equal(fixupACL([acl(1, 'sasl', 'a@b@c')], []), null);
    assert.equal(fixupACL([acl(1, 'kerberos', 'bob')], []), null);
    // x509 (a secure client port's scheme) takes X.500 names only.
    assert.deepEqual(fixupACL([acl(1, 'x509', 'CN=a')], []), [acl(1, 'x509', 'CN=a')]);
    assert.equal(fixupACL([acl(1, 'x509', 'not a name')], []), null);
    assert.equal(fixupACL([acl(1, 'digest', 'nocolon')], []), null);
    assert.equal(
      fixupACL([acl(1, 'digest', 'user:')], []),
      null,
      "Java's split drops the empty tail",
    );
    assert.equal(fixupACL([acl(1, 'ip', 'not-an-ip')], []), null);
  });

  it('expands auth into the caller identities, never ip, and needs at least one', () => {
    assert.equal(fixupACL([acl(Perm.all, 'auth', '')], [ip('127.0.0.1')]), null);
    assert.deepEqual(fixupACL([acl(Perm.all, 'auth', '')], [ip('127.0.0.1'), digest]), [
      acl(Perm.all, 'digest', 'bob:hash'),
    ]);
  });

  it('drops exact duplicates, keeps order', () => {
    const out = fixupACL(
      [acl(1, 'world', 'anyone'), acl(2, 'ip', '1.2.3.4'), acl(1, 'world', 'anyone')],
      [],
    );
    assert.deepEqual(out, [acl(1, 'world', 'anyone'), acl(2, 'ip', '1.2.3.4')]);
  });
});

describe('maskDigests', () => {
  it('hides digest hashes for callers without ADMIN', () => {
    assert.deepEqual(maskDigests([acl(31, 'digest', 'bob:hash'), acl(1, 'world', 'anyone')]), [
      acl(31, 'digest', 'bob:x'),
      acl(1, 'world', 'anyone'),
    ]);
  });
});
