/**
 * A certificate subject as ZooKeeper's x509 scheme names it: X509AuthenticationProvider uses
 * `getSubjectX500Principal().getName()`, the JDK's RFC 2253 form. So: RDNs last to first,
 * joined by ','; values of a multi-valued RDN joined by '+' in encoded order; keywords only
 * for the RFC 2253 attributes (CN, C, L, ST, O, OU, STREET, DC, UID), dotted OIDs with the
 * DER value in hex ('#…') for the rest; the JDK's escaping. An ACL written for ZooKeeper
 * (`x509:CN=client,OU=tests,O=Warren`) then matches in Warren too.
 */
import { children, DerError, oidText, readTlv, type Tlv } from './der.js';

const KEYWORDS: ReadonlyMap<string, string> = new Map([
  ['2.5.4.3', 'CN'],
  ['2.5.4.6', 'C'],
  ['2.5.4.7', 'L'],
  ['2.5.4.8', 'ST'],
  ['2.5.4.10', 'O'],
  ['2.5.4.11', 'OU'],
  ['2.5.4.9', 'STREET'],
  ['0.9.2342.19200300.100.1.25', 'DC'],
  ['0.9.2342.19200300.100.1.1', 'UID'],
]);

// DER string tags the JDK writes as text (AVA.isDerString, not canonical).
const UTF8 = 0x0c;
const PRINTABLE = 0x13;
const T61 = 0x14;
const IA5 = 0x16;
const GENERAL = 0x1b;
const BMP = 0x1e;

/** The subject of a DER certificate, as ZooKeeper's x509 id. Throws DerError. */
export function x509Subject(certificate: Buffer): string {
  const cert = readTlv(certificate, 0).tlv;
  const tbs = children(cert)[0];
  if (tbs === undefined) throw new DerError('certificate without tbsCertificate');
  const fields = children(tbs);
  // [0] version is optional; then serial, signature, issuer, validity, subject.
  const skip = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[skip + 4];
  if (subject === undefined) throw new DerError('certificate without subject');
  return rfc2253(subject);
}

/** A DER Name in the JDK's RFC 2253 form. */
export function rfc2253(name: Tlv): string {
  return children(name)
    .reverse()
    .map((rdn) => children(rdn).map(attribute).join('+'))
    .join(',');
}

function attribute(ava: Tlv): string {
  const [type, value] = children(ava);
  if (type === undefined || value === undefined) throw new DerError('malformed attribute');
  const oid = oidText(type.content);
  const keyword = KEYWORDS.get(oid);
  const text = keyword === undefined ? undefined : decodeString(value);
  if (keyword === undefined || text === undefined) {
    return `${oid}=#${value.encoded.toString('hex')}`;
  }
  return `${keyword}=${escape(text)}`;
}

function decodeString(value: Tlv): string | undefined {
  switch (value.tag) {
    case UTF8:
    case PRINTABLE:
    case IA5:
    case GENERAL:
      return value.content.toString('utf8');
    case T61:
      return value.content.toString('latin1');
    case BMP:
      if (value.content.length % 2 !== 0) return undefined;
      return Buffer.from(value.content).swap16().toString('utf16le');
    default:
      return undefined;
  }
}

const ESCAPED = ',=+<>#;"\\';

/** AVA.toRFC2253String's escaping: specials anywhere, NUL as \00, edge blanks. */
function escape(text: string): string {
  const chars: string[] = [];
  for (const c of text) {
    if (ESCAPED.includes(c)) chars.push(`\\${c}`);
    else if (c === '\u0000') chars.push('\\00');
    else chars.push(c);
  }
  const blank = (c: string | undefined) => c === ' ' || c === '\r';
  let lead = 0;
  while (lead < chars.length && blank(chars[lead])) lead++;
  let trail = chars.length - 1;
  while (trail >= 0 && blank(chars[trail])) trail--;
  return chars.map((c, i) => (i < lead || i > trail ? `\\${c}` : c)).join('');
}
