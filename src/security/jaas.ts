/**
 * A JAAS login configuration file, as ZooKeeper users write it for SASL (named by the
 * `java.security.auth.login.config` property): named sections, each a list of login modules
 * with a control flag and `key="value"` options.
 *
 *   QuorumServer {
 *     org.apache.zookeeper.server.auth.DigestLoginModule required
 *     user_warren="secret";
 *   };
 *
 * Comments (`//`, `/* *\/`) are allowed. Pure: the caller reads the file.
 */

export interface LoginModule {
  readonly className: string;
  readonly flag: string;
  readonly options: ReadonlyMap<string, string>;
}

export type JaasConfig = ReadonlyMap<string, readonly LoginModule[]>;

export class JaasError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'JaasError';
  }
}

interface Token {
  readonly text: string;
  readonly quoted: boolean;
  readonly line: number;
}

const FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional']);
/** The largest file accepted; a JAAS file is a few hundred bytes. */
export const jaasBytesMax = 1024 * 1024;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\n') line++;
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new JaasError('unclosed comment', line);
      for (let j = i; j < end; j++) if (text[j] === '\n') line++;
      i = end + 2;
    } else if (c === '"') {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        if (text[j] === '\n') line++;
        value += text[j] as string;
      }
      if (j >= text.length) throw new JaasError('unclosed quote', line);
      tokens.push({ text: value, quoted: true, line });
      i = j + 1;
    } else if ('{};='.includes(c)) {
      tokens.push({ text: c, quoted: false, line });
      i++;
    } else {
      let j = i;
      while (j < text.length && !/[\s{};="]/.test(text[j] as string)) j++;
      tokens.push({ text: text.slice(i, j), quoted: false, line });
      i = j;
    }
  }
  return tokens;
}

/** Parses a JAAS file's text. Throws JaasError naming the line. */
export function parseJaas(text: string): JaasConfig {
  const tokens = tokenize(text);
  let at = 0;
  const lastLine = tokens.length === 0 ? 1 : (tokens[tokens.length - 1] as Token).line;
  const next = (what: string): Token => {
    const token = tokens[at++];
    if (token === undefined)
      throw new JaasError(`expected ${what}, found the end of the file`, lastLine);
    return token;
  };
  const expect = (symbol: string): void => {
    const token = next(`'${symbol}'`);
    if (token.quoted || token.text !== symbol) {
      throw new JaasError(`expected '${symbol}', found '${token.text}'`, token.line);
    }
  };
  const isSymbol = (symbol: string): boolean => {
    const token = tokens[at];
    return token !== undefined && !token.quoted && token.text === symbol;
  };
  const sections = new Map<string, LoginModule[]>();
  while (at < tokens.length) {
    const name = next('a section name');
    if (name.quoted || '{};='.includes(name.text)) {
      throw new JaasError(`expected a section name, found '${name.text}'`, name.line);
    }
    if (sections.has(name.text))
      throw new JaasError(`section ${name.text} appears twice`, name.line);
    expect('{');
    const modules: LoginModule[] = [];
    while (!isSymbol('}')) {
      const className = next('a login module class');
      const flag = next('a control flag');
      if (!FLAGS.has(flag.text.toLowerCase())) {
        throw new JaasError(
          `'${flag.text}' is not a control flag (required, requisite, sufficient, optional)`,
          flag.line,
        );
      }
      const options = new Map<string, string>();
      while (!isSymbol(';')) {
        const key = next('an option or ;');
        expect('=');
        const value = next('a value');
        options.set(key.text, value.text);
      }
      expect(';');
      modules.push({ className: className.text, flag: flag.text.toLowerCase(), options });
    }
    expect('}');
    expect(';');
    sections.set(name.text, modules);
  }
  return sections;
}
