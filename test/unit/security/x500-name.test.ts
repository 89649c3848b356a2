// Proves that a certificate subject is named exactly as ZooKeeper's x509 scheme names it
// (the JDK's X500Principal.getName(), RFC 2253). The expected strings were printed by the JDK
// (17) for certificates openssl made with these subjects: reversed RDN order, '+' inside a
// multi-valued RDN, keywords only for RFC 2253 attributes, '#hex' for the others, escaping.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DerError } from '../../../src/security/der.js';
import { x509Subject } from '../../../src/security/x500-name.js';
import { opensslMissing } from '../../support/test-certificates.js';

function subjectOf(subject: string, multivalue = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'warren-x500-'));
  try {
    const cert = join(dir, 'c.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
        .concat(['-keyout', join(dir, 'k.pem'), '-out', cert, '-days', '1', '-utf8'])
        .concat(multivalue ? ['-multivalue-rdn'] : [])
        .concat(['-subj', subject]),
      { stdio: 'ignore' },
    );
    return x509Subject(new X509Certificate(readFileSync(cert)).raw);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('x509 subject names (RFC 2253 as the JDK writes them)', { skip: opensslMissing() }, () => {
  it('reverses the RDNs', () => {
    assert.equal(subjectOf('/O=Warren/OU=tests/CN=server'), 'CN=server,OU=tests,O=Warren');
  });

  it('joins a multi-valued RDN with +', () => {
    assert.equal(subjectOf('/O=Warren/OU=tests+CN=client', true), 'OU=tests+CN=client,O=Warren');
  });

  it('escapes as the JDK does and writes unnamed attributes in hex', () => {
    const subject =
      '/DC=com/DC=example/O=Warren, Inc./OU=a/CN= lead #1 "q" <t> /emailAddress=a@b.c' +
      '/UID=u1/ST=Zürich/L=Here/street=Main St/serialNumber=42';
    assert.equal(
      subjectOf(subject),
      '2.5.4.5=#13023432,STREET=Main St,L=Here,ST=Zürich,UID=u1,' +
        '1.2.840.113549.1.9.1=#16056140622e63,CN=\\ lead \\#1 \\"q\\" \\<t\\>\\ ,OU=a,' +
        'O=Warren\\, Inc.,DC=example,DC=com',
    );
  });

  it('refuses bytes that are not a certificate', () => {
    assert.throws(() => x509Subject(Buffer.from([0x30, 0x05, 0x01])), DerError);
  });
});
