/**
 * A small HTTP client for the dashboard's API, as a browser would use it: keeps the session
 * cookie, sends the CSRF token on writes, JSON in and out.
 */
export type Json = Record<string, unknown>;

export interface ApiAnswer {
  readonly status: number;
  readonly body: Json;
  readonly setCookie: string | null;
}

export class DashboardHttp {
  cookie = '';
  csrf = '';

  constructor(readonly base: string) {}

  async call(
    method: string,
    name: string,
    opts: { query?: Record<string, string>; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<ApiAnswer> {
    const qs = opts.query === undefined ? '' : `?${new URLSearchParams(opts.query).toString()}`;
    const headers: Record<string, string> = { ...opts.headers };
    if (this.cookie !== '') headers['Cookie'] = this.cookie;
    if (method !== 'GET' && this.csrf !== '' && !('X-Warren-Csrf' in headers)) {
      headers['X-Warren-Csrf'] = this.csrf;
    }
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['Content-Type'] ??= 'application/json';
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    }
    const response = await fetch(`${this.base}/dashboard/api/${name}${qs}`, {
      method,
      headers,
      body,
    });
    const text = await response.text();
    let parsed: Json = {};
    try {
      parsed = JSON.parse(text) as Json;
    } catch {
      parsed = { raw: text };
    }
    return { status: response.status, body: parsed, setCookie: response.headers.get('set-cookie') };
  }

  /** Logs in; keeps the cookie and CSRF token on success. */
  async login(scheme: string, user: string, password: string): Promise<ApiAnswer> {
    const answer = await this.call('POST', 'login', { body: { scheme, user, password } });
    if (answer.status === 200) {
      this.cookie = (answer.setCookie ?? '').split(';')[0] ?? '';
      this.csrf = String(answer.body['csrf']);
    }
    return answer;
  }
}

export const base64 = (text: string): string => Buffer.from(text).toString('base64');
