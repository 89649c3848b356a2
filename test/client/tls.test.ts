/**
 * The client's TLS end to end: a TLS terminator (node:tls, with a throwaway self-signed
 * certificate made by openssl) in front of a real server, as in a deployment where TLS is
 * terminated by a proxy. The client must verify the certificate (a wrong CA fails), then
 * run requests and watches over the encrypted connection.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { createClient } from '../../src/client/index.js';
import type { RunningServer } from '../support/server-process.js';
import { startWarren, warrenBuilt, WARREN_NOT_BUILT_REASON } from '../support/warren-proc.js';

function openssl(): string | undefined {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'openssl is not installed (it makes the test certificate)';
  }
}

function makeCertificate(dir: string, name: string): { key: Buffer; cert: Buffer } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

const skip = !warrenBuilt() ? WARREN_NOT_BUILT_REASON : openssl();

describe('client over TLS (terminating proxy in front of Warren)', { skip }, () => {
  let server: RunningServer;
  let terminator: tls.Server;
  let port = 0;
  let dir = '';
  let cert: Buffer;
  let otherCert: Buffer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warren-tls-'));
    const own = makeCertificate(dir, 'server');
    cert = own.cert;
    otherCert = makeCertificate(dir, 'other').cert;
    server = await startWarren();
    terminator = tls.createServer({ key: own.key, cert: own.cert }, (secure) => {
      const plain = net.connect(server.port, '127.0.0.1');
      secure.pipe(plain).pipe(secure);
      const close = () => {
        secure.destroy();
        plain.destroy();
      };
      secure.on('error', close).on('close', close);
      plain.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => terminator.listen(0, '127.0.0.1', resolve));
    port = (terminator.address() as net.AddressInfo).port;
  });

  after(async () => {
    await new Promise<void>((resolve) => terminator.close(() => resolve()));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the certificate, then runs requests and watches', async () => {
    const client = createClient(`127.0.0.1:${port}`, { tls: { ca: cert } });
    try {
      await client.connect();
      await client.create('/tls', { data: 'secret' });
      const changed = new Promise<string>((resolve) => {
        void client.getData('/tls', { watch: (event) => resolve(event.type) });
      });
      await client.setData('/tls', 'again');
      assert.equal(await changed, 'NodeDataChanged');
      assert.equal((await client.getData('/tls')).data?.toString(), 'again');
    } finally {
      await client.close();
    }
  });

  it('refuses a server whose certificate it does not trust', async () => {
    const client = createClient(`127.0.0.1:${port}`, {
      tls: { ca: otherCert },
      connectTimeoutMs: 500,
      initialConnectTimeoutMs: 1500,
    });
    try {
      await assert.rejects(client.connect());
    } finally {
      await client.close();
    }
  });
});
