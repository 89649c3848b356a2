/**
 * A GET to a server's AdminServer over HTTP or HTTPS, for the operator's commands (`warren
 * backup`): with HTTPS, the CA that signed the server's certificate (admin.forceHttps uses the
 * quorum's stores) and, for admin.needClientAuth or `Authorization: x509`, the operator's
 * own certificate and key, all PEM files.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface AdminTlsFiles {
  /** PEM CA certificate(s) the server's certificate must chain to (else the system's). */
  readonly ca?: string | undefined;
  /** PEM client certificate and its key. */
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
}

export class AdminRequestError extends Error {}

/** The PEM files read, or a sentence naming the one that cannot be. */
export function readTlsFiles(files: AdminTlsFiles): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  if ((files.cert === undefined) !== (files.key === undefined)) {
    throw new AdminRequestError('--cert and --key go together: the client certificate and its key');
  }
  const read = (what: string, path: string | undefined): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new AdminRequestError(`cannot read the ${what} ${path}: ${(error as Error).message}`);
    }
  };
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  const ca = read('CA file', files.ca);
  const cert = read('client certificate', files.cert);
  const key = read('client key', files.key);
  if (ca !== undefined) out.ca = ca;
  if (cert !== undefined) out.cert = cert;
  if (key !== undefined) out.key = key;
  return out;
}

/** Resolves with the response (any status); rejects with the transport's error. */
export function adminGet(
  url: URL,
  headers: Record<string, string>,
  tls: AdminTlsFiles,
  timeoutMs: number,
): Promise<IncomingMessage> {
  const secure = url.protocol === 'https:';
  const options = { method: 'GET', headers, signal: AbortSignal.timeout(timeoutMs) };
  return new Promise((resolve, reject) => {
    const req = secure
      ? httpsRequest(url, { ...options, ...readTlsFiles(tls) }, resolve)
      : httpRequest(url, options, resolve);
    req.on('error', reject);
    req.end();
  });
}

/** The whole body of a (short) answer, as text. */
export async function readText(response: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of response) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
