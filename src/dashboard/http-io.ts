/**
 * The dashboard's HTTP plumbing: bodies read up to a cap, JSON answers that are never cached,
 * cookies. Bodies are the only thing the dashboard reads that the admin listener does not.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dashboardBodyBytesMax } from './dashboard-limits.js';

/** A refusal with its HTTP status; its message goes to the browser as is. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = 'error',
  ) {
    super(message);
  }
}

export function sendJson(
  response: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(value);
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  response.end(body);
}

/** The body as JSON; past the cap the connection is dropped after a 413. */
export async function readJson(request: IncomingMessage): Promise<unknown> {
  const type = request.headers['content-type'] ?? '';
  // A JSON content type cannot be sent cross-site without a CORS preflight we never grant.
  if (!type.startsWith('application/json')) {
    request.resume();
    throw new HttpError(415, 'send application/json');
  }
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > dashboardBodyBytesMax) {
    request.resume();
    throw new HttpError(413, `body over ${dashboardBodyBytesMax} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > dashboardBodyBytesMax) {
      request.destroy();
      throw new HttpError(413, `body over ${dashboardBodyBytesMax} bytes`);
    }
    chunks.push(buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
}

export function cookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** A field of a parsed JSON body, checked for its type. */
export function field(body: unknown, name: string, type: 'string' | 'number'): unknown {
  const value = (body as Record<string, unknown> | null)?.[name];
  if (value !== undefined && typeof value !== type) {
    throw new HttpError(400, `${name} must be a ${type}`);
  }
  return value;
}

export function stringField(body: unknown, name: string): string {
  const value = field(body, name, 'string');
  if (value === undefined) throw new HttpError(400, `${name} is missing`);
  return value as string;
}
