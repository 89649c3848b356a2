/**
 * The `name=value, name="quoted value"` lists of DIGEST-MD5 (RFC 2831 §7.1: the `#` rule with
 * optional white space, quoted-pair escapes). Values stay bytes: which character set they are
 * in is only known once `charset` has been read. Pure.
 */

/** More than any real response holds (RFC 2831 defines 13 directives). */
export const saslDirectivesMax = 32;

export type Directives = ReadonlyMap<string, Buffer>;

/** Thrown for a list that does not parse; the exchange fails with it. */
export class DirectiveError extends Error {
  constructor(message: string) {
    super(`DIGEST-MD5: ${message}`);
    this.name = 'DirectiveError';
  }
}

const SPACE = new Set([0x20, 0x09, 0x0d, 0x0a]);
const COMMA = 0x2c;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Parses a directive list. Names are case-insensitive (kept lower case); a name given twice is
 * refused, as every directive of a digest-response may appear at most once.
 */
export function parseDirectives(bytes: Buffer): Directives {
  const out = new Map<string, Buffer>();
  let at = 0;
  const skipSpace = (): void => {
    while (at < bytes.length && SPACE.has(bytes[at] as number)) at++;
  };
  while (at < bytes.length) {
    skipSpace();
    if (at < bytes.length && bytes[at] === COMMA) {
      at++; // empty list elements are allowed by the # rule
      continue;
    }
    if (at >= bytes.length) break;
    const nameStart = at;
    while (at < bytes.length && bytes[at] !== EQUALS && !SPACE.has(bytes[at] as number)) at++;
    const name = bytes.toString('latin1', nameStart, at).toLowerCase();
    skipSpace();
    if (name === '' || bytes[at] !== EQUALS) throw new DirectiveError('malformed directive');
    at++;
    skipSpace();
    let value: Buffer;
    if (bytes[at] === QUOTE) {
      const parts: number[] = [];
      at++;
      for (;;) {
        if (at >= bytes.length) throw new DirectiveError(`unclosed quote in ${name}`);
        const byte = bytes[at++] as number;
        if (byte === QUOTE) break;
        if (byte === BACKSLASH && at < bytes.length) parts.push(bytes[at++] as number);
        else parts.push(byte);
      }
      value = Buffer.from(parts);
    } else {
      const valueStart = at;
      while (at < bytes.length && bytes[at] !== COMMA && !SPACE.has(bytes[at] as number)) at++;
      value = bytes.subarray(valueStart, at);
    }
    skipSpace();
    if (at < bytes.length && bytes[at] !== COMMA) throw new DirectiveError(`junk after ${name}`);
    if (out.has(name)) throw new DirectiveError(`${name} appears twice`);
    if (out.size === saslDirectivesMax) throw new DirectiveError('too many directives');
    out.set(name, value);
  }
  return out;
}

/** Writes `value` as a quoted-string, escaping `"` and `\`. */
export function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * RFC 2831 §2.1.2.1: with charset=utf-8, a string that fits ISO 8859-1 is hashed in it; only
 * one that does not is hashed as UTF-8 (without charset, values are ISO 8859-1 already).
 */
export function digestHashBytes(text: string): Buffer {
  return Buffer.from(text, /[\u0100-\uffff]/.test(text) ? 'utf8' : 'latin1');
}
