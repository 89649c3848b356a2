/**
 * Server configuration: `warren server` takes an Apache ZooKeeper zoo.cfg as it is, flags,
 * or nothing (the defaults of defaultConfig()). The order is defaults → zoo.cfg → flags, then
 * validateConfig(); an invalid value stops start-up with a ConfigError naming the key, the
 * file and line, the bad value and what is expected.
 *
 * zoo.cfg is a Java properties file, read with `properties-file` (comments with `#` and `!`,
 * `\` continuations, `=`, `:` or blank separators, escapes); keys and values are trimmed and,
 * as in java.util.Properties, the last line of a repeated key wins (with a warning).
 *
 * Key spellings are ZooKeeper's. ZooKeeper turns an unrecognised zoo.cfg key K into the system
 * property `zookeeper.K`, which is how `4lw.commands.whitelist`, `snapCount`,
 * `extendedTypesEnabled` and `DigestAuthenticationProvider.superDigest` work in a real zoo.cfg;
 * Warren takes those and their `zookeeper.`-prefixed property names. `jute.maxbuffer` and
 * `znode.container.*` are JVM properties in ZooKeeper (a zoo.cfg line has no effect there);
 * Warren honours them in zoo.cfg. Warren's own settings are `warren.*`.
 *
 * Choices where ZooKeeper is lax or silent:
 * - minSessionTimeout ≤ maxSessionTimeout is the only relation checked, as in ZooKeeper's
 *   QuorumPeerConfig; a minimum below 2 × tickTime is allowed. -1 in zoo.cfg means the
 *   default (2 × / 20 × tickTime), as in ZooKeeper. tickTime is capped so 20 × fits an int.
 * - autopurge.snapRetainCount < 3 and snapCount < 2 in zoo.cfg are raised with a warning, as
 *   ZooKeeper does; from flags they are errors. autopurge.purgeInterval ≤ 0 means off.
 * - Booleans are true/false in any case (ZooKeeper's rule); yes/no are read too, with a
 *   warning that ZooKeeper would not.
 * - `srvr` is always enabled, as in ZooKeeper; unknown whitelist words are dropped with a
 *   warning. An empty superDigest means none.
 * - Unknown keys are warnings; ZooKeeper keys Warren does not act on are listed in
 *   config-ignored.ts; server.N and friends go to `ensemble` (config-ensemble.ts).
 */
import { readFile } from 'node:fs/promises';
import { Properties } from 'properties-file/parser';
import { ConfigError, invalidValue, prefixOf, type Where } from './config-error.js';
import { addEnsembleLine, isEnsembleKey, validateEnsemble } from './config-ensemble.js';
import {
  defaultConfig,
  FIELD_SPECS,
  SPEC_BY_KEY,
  type FieldSpec,
  type ServerConfig,
  type ValueField,
} from './config-fields.js';
import { findIgnoredSetting, ignoredKeys, type IgnoredSetting } from './config-ignored.js';
import { clientTlsName, TLS_SETTING_NAMES } from './config-tls.js';
import type { RawSetting, RawSettings } from './raw-settings.js';
import { parseBoolean, parseJavaInt } from './config-values.js';
import { assert } from '../util/assert.js';

export { ConfigError, type Where } from './config-error.js';
export {
  CLICKHOUSE_FOUR_LETTER_WORDS,
  defaultConfig,
  KNOWN_FOUR_LETTER_WORDS,
  parseFourLetterWords,
  type FourLetterWordList,
  type ServerConfig,
} from './config-fields.js';
export {
  formatServer,
  parseServerSpec,
  SERVER_FORMAT,
  type EnsembleConfig,
  type EnsembleGroup,
  type EnsembleServer,
  type EnsembleWeight,
  type PeerRole,
} from './config-ensemble.js';

export interface ParsedConfig {
  config: ServerConfig;
  /** One line each, naming the file and line: unknown keys, ignored settings, adjustments. */
  warnings: string[];
  /** Every line as written, for settings other modules read (TLS stores, quorum auth). */
  raw: RawSettings;
}

/** A field's origin in a file: the key as written and its line. */
interface Origin {
  key: string;
  where: Where;
}

/** Which fields a file line or a flag set, so that derived fields know whether to follow. */
const explicitFields = new WeakMap<ServerConfig, ReadonlySet<ValueField>>();

interface ParseState {
  readonly source: string;
  readonly config: ServerConfig;
  readonly warnings: string[];
  readonly origins: Map<ValueField, Origin>;
  readonly ensembleWheres: Map<string, Where>;
  readonly notesSaid: Set<string>;
  /** Client-port TLS lines (ssl.*): key as written → line. */
  readonly tlsWheres: Map<string, Where>;
}

/** The text of the file a zoo.cfg's `dynamicConfigFile` names, and that name. */
export interface DynamicConfigText {
  readonly text: string;
  readonly source: string;
}

/**
 * Parses zoo.cfg text; `source` names the file in messages. `dynamic` is the file its
 * dynamicConfigFile names (loadZooCfg reads it): its server.N, group.N and weight.N lines are
 * the ensemble, as in ZooKeeper 3.5+. Throws ConfigError.
 */
export function parseZooCfg(
  text: string,
  source: string,
  dynamic?: DynamicConfigText,
): ParsedConfig {
  const properties = readProperties(text, source);
  const state: ParseState = {
    source,
    config: defaultConfig(),
    warnings: [],
    origins: new Map(),
    ensembleWheres: new Map(),
    notesSaid: new Set(),
    tlsWheres: new Map(),
  };
  const lastNodes = new Map(properties.getProperties().map((node) => [node.key, node]));
  for (const collision of properties.getKeyCollisions()) {
    const lines = collision.nodes.map((node) => node.startingLineNumber);
    state.warnings.push(
      `${source} lines ${lines.join(', ')}: ${collision.key.trim()} is set more than once; ` +
        `line ${lines[lines.length - 1]} wins`,
    );
  }
  const raw = new Map<string, RawSetting>();
  for (const node of properties.getProperties()) {
    if (lastNodes.get(node.key) !== node) continue;
    const where = { source, line: node.startingLineNumber };
    applyLine(state, node.key.trim(), node.value.trim(), where);
    raw.set(node.key.trim(), { value: node.value.trim(), where });
  }
  if (dynamic !== undefined) applyDynamic(state, dynamic);
  return { config: finish(state), warnings: state.warnings, raw };
}

/**
 * The dynamic config file's lines: ensemble keys only, and `version` (ZooKeeper's config
 * version, which Warren keeps in its log instead). Anything else there is refused: ZooKeeper
 * would not read it from that file either.
 */
function applyDynamic(state: ParseState, dynamic: DynamicConfigText): void {
  const properties = readProperties(dynamic.text, dynamic.source);
  for (const node of properties.getProperties()) {
    const key = node.key.trim();
    const where = { source: dynamic.source, line: node.startingLineNumber };
    if (key === 'version') continue;
    if (!isEnsembleKey(key) || key === 'dynamicConfigFile') {
      throw new ConfigError(
        `${prefixOf(where)}${key} does not belong in a dynamic config file (only server.N, ` +
          'group.N, weight.N and version do)',
        key,
        where,
      );
    }
    addEnsembleLine(state.config.ensemble, key, node.value.trim(), where, state.ensembleWheres);
  }
}

/** Reads and parses a zoo.cfg file (UTF-8). Throws ConfigError. */
export async function loadZooCfg(file: string): Promise<ParsedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      `cannot read ${file} (${reason}); give the path of a readable zoo.cfg, or none for the ` +
        'defaults',
      '',
      undefined,
      { cause: error },
    );
  }
  // Only the one key is looked up before the single full parse (last line wins, as there).
  const named = readProperties(text, file)
    .getProperties()
    .filter((node) => node.key.trim() === 'dynamicConfigFile')
    .at(-1);
  const dynamicFile = named?.value.trim() ?? '';
  // An empty value is refused by the parse, with its line.
  if (dynamicFile === '') return parseZooCfg(text, file);
  // As ZooKeeper: the path as written (relative to the working directory), and a file that
  // cannot be read stops start-up, never a silent standalone server.
  let dynamicText: string;
  try {
    dynamicText = await readFile(dynamicFile, 'utf8');
  } catch (error) {
    const where = { source: file, line: named?.startingLineNumber ?? 0 };
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      `${prefixOf(where)}dynamicConfigFile=${dynamicFile} cannot be read (${reason})`,
      'dynamicConfigFile',
      where,
      { cause: error },
    );
  }
  return parseZooCfg(text, file, { text: dynamicText, source: dynamicFile });
}

function readProperties(text: string, source: string): Properties {
  try {
    return new Properties(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const index = text.split(/\r\n|\r|\n/).findIndex((l) => /\\u(?![0-9a-fA-F]{4})/.test(l));
    const where = index < 0 ? undefined : { source, line: index + 1 };
    const at = where === undefined ? `${source}: ` : prefixOf(where);
    throw new ConfigError(`${at}cannot parse: ${reason}`, '', where, { cause: error });
  }
}

function applyLine(state: ParseState, key: string, raw: string, where: Where): void {
  const spec = SPEC_BY_KEY.get(key);
  if (spec !== undefined) {
    applyField(state, spec, key, raw, where);
  } else if (isEnsembleKey(key)) {
    addEnsembleLine(state.config.ensemble, key, raw, where, state.ensembleWheres);
  } else if (clientTlsName(key) !== undefined) {
    checkTlsKey(state, key, where);
  } else {
    const ignored = findIgnoredSetting(key);
    if (ignored !== undefined) checkIgnored(state, ignored, key, raw, where);
    else {
      state.warnings.push(
        `unknown setting '${key}' in ${state.source} line ${where.line} is ignored${hint(key)}`,
      );
    }
  }
}

function applyField(
  state: ParseState,
  spec: FieldSpec,
  key: string,
  raw: string,
  where: Where,
): void {
  const { field } = spec;
  // ZooKeeper: -1 leaves the session timeouts at their tickTime-based defaults.
  if ((field === 'minSessionTimeout' || field === 'maxSessionTimeout') && raw === '-1') return;
  const note = (text: string): void =>
    void state.warnings.push(`${prefixOf(where)}${key}: ${text}`);
  const value = spec.parse(raw, note);
  if (value === undefined || !spec.valid(value)) {
    throw invalidValue(key, spec.expected, raw, where, spec.explain?.(raw));
  }
  setField(state.config, field, value);
  state.origins.set(field, { key, where });
}

function setField(config: ServerConfig, field: ValueField, value: unknown): void {
  // The value's type is checked by FieldSpec.valid(): in applyField for a file, and by
  // validateConfig() for flags.
  (config as unknown as Record<ValueField, unknown>)[field] = value;
}

/** Client-port TLS keys are read by security/ at start-up; here a misspelt one stops it. */
function checkTlsKey(state: ParseState, key: string, where: Where): void {
  const name = clientTlsName(key) ?? '';
  if (!TLS_SETTING_NAMES.includes(name)) {
    const near = TLS_SETTING_NAMES.find((known) => known.toLowerCase() === name.toLowerCase());
    const guess = near === undefined ? '' : ` (did you mean 'ssl.${near}'?)`;
    throw new ConfigError(
      `${prefixOf(where)}unknown TLS setting '${key}'${guess}: Warren stops rather than ` +
        `serve without a security setting that may be misspelt`,
      key,
      where,
    );
  }
  state.tlsWheres.set(key, where);
}

function checkIgnored(
  state: ParseState,
  setting: IgnoredSetting,
  key: string,
  raw: string,
  where: Where,
): void {
  if (setting.kind === 'int' && parseJavaInt(raw) === undefined) {
    throw invalidValue(key, 'an integer', raw, where, 'ZooKeeper refuses it too');
  }
  if (setting.kind === 'bool' && parseBoolean(raw) === undefined) {
    throw invalidValue(key, 'true or false', raw, where, 'ZooKeeper refuses it too');
  }
  const refusal = setting.refuse?.(raw);
  if (refusal !== undefined) {
    throw new ConfigError(
      `${prefixOf(where)}${key}=${raw} cannot be honoured: ${refusal}`,
      key,
      where,
    );
  }
  if (setting.note !== undefined && !state.notesSaid.has(setting.note)) {
    state.notesSaid.add(setting.note);
    state.warnings.push(`${prefixOf(where)}${key}: ${setting.note}`);
  }
}

/** ` (did you mean 'tickTime'?)` for a key that differs from a known one only in case. */
function hint(key: string): string {
  const lower = key.toLowerCase();
  const known = [...SPEC_BY_KEY.keys(), ...ignoredKeys(), 'dynamicConfigFile'];
  const match = known.find((candidate) => candidate.toLowerCase() === lower);
  return match === undefined ? '' : ` (did you mean '${match}'?)`;
}

function finish(state: ParseState): ServerConfig {
  const { config, origins } = state;
  const explicit = new Set(origins.keys());
  deriveFollowers(config, explicit);
  explicitFields.set(config, explicit);
  checkClientPorts(state);
  const { dynamicConfigFile } = config.ensemble;
  // Ensemble lines in zoo.cfg itself next to dynamicConfigFile: ZooKeeper refuses the mix.
  const inZooCfg = [...state.ensembleWheres].find(
    ([k, where]) => k !== 'dynamicConfigFile' && where.source === state.source,
  );
  if (dynamicConfigFile !== null && inZooCfg !== undefined) {
    const [key, where] = inZooCfg;
    throw new ConfigError(
      `${prefixOf(where)}${key} must be in the dynamic config file ${dynamicConfigFile}, ` +
        'not in zoo.cfg (ZooKeeper refuses both together)',
      key ?? 'dynamicConfigFile',
      where,
    );
  }
  checkRelations(config, (field) => origins.get(field), state.ensembleWheres);
  return config;
}

/**
 * The client ports as ZooKeeper's QuorumPeerConfig settles them: secureClientPortAddress needs
 * secureClientPort; with secureClientPort and no clientPort there is no plaintext port at all;
 * a secure port needs a key store (ZooKeeper: "Keystore is required for SSL server").
 */
function checkClientPorts(state: ParseState): void {
  const { config, origins, tlsWheres, warnings } = state;
  const secure = origins.get('secureClientPort');
  const address = origins.get('secureClientPortAddress');
  if (secure === undefined) {
    if (address !== undefined) {
      throw new ConfigError(
        `${prefixOf(address.where)}secureClientPortAddress is set but secureClientPort is ` +
          'not (ZooKeeper refuses this too)',
        address.key,
        address.where,
      );
    }
    const [key, where] = [...tlsWheres][0] ?? [];
    if (key !== undefined) {
      warnings.push(`${prefixOf(where)}${key}: ssl.* settings are used only with secureClientPort`);
    }
    return;
  }
  if (!origins.has('clientPort')) config.clientPort = null;
  const hasKeyStore = [...tlsWheres.keys()].some((k) => clientTlsName(k) === 'keyStore.location');
  if (!hasKeyStore) {
    throw new ConfigError(
      `${prefixOf(secure.where)}secureClientPort needs a key store: set ssl.keyStore.location ` +
        '(a PEM file with key and certificate, or a PKCS12 file)',
      secure.key,
      secure.where,
    );
  }
}

/** Fields that follow others unless set: dataLogDir ← dataDir, session timeouts ← tickTime. */
function deriveFollowers(config: ServerConfig, explicit: ReadonlySet<ValueField>): void {
  if (!explicit.has('dataLogDir')) config.dataLogDir = config.dataDir;
  if (!explicit.has('minSessionTimeout')) config.minSessionTimeout = 2 * config.tickTime;
  if (!explicit.has('maxSessionTimeout')) config.maxSessionTimeout = 20 * config.tickTime;
}

/** Checks between fields. `origin` gives a field's file line, when it came from a file. */
function checkRelations(
  config: ServerConfig,
  origin: (field: ValueField) => Origin | undefined,
  ensembleWheres: ReadonlyMap<string, Where>,
): void {
  const { minSessionTimeout: min, maxSessionTimeout: max } = config;
  if (min > max) {
    // Blame the minimum, unless only the maximum was written down.
    const blameMax =
      origin('minSessionTimeout') === undefined && origin('maxSessionTimeout') !== undefined;
    const field = blameMax ? 'maxSessionTimeout' : 'minSessionTimeout';
    const { key, where } = origin(field) ?? { key: field, where: undefined };
    const expected = blameMax
      ? `at least minSessionTimeout (${min} ms)`
      : `at most maxSessionTimeout (${max} ms)`;
    throw invalidValue(key, expected, blameMax ? max : min, where);
  }
  if (config.enforceAuthEnabled && config.enforceAuthSchemes.length === 0) {
    // ZooKeeper's AuthenticationHelper refuses this too.
    const { key, where } = origin('enforceAuthEnabled') ?? {
      key: 'enforce.auth.enabled',
      where: undefined,
    };
    throw new ConfigError(
      `${prefixOf(where)}${key}=true needs enforce.auth.schemes (e.g. digest or x509)`,
      key,
      where,
    );
  }
  const locate = (key: string): Where | undefined => ensembleWheres.get(key);
  validateEnsemble(config.ensemble, locate);
  const tooHigh = config.ensemble.servers.find((server) => server.id > 254);
  if (config.extendedTypesEnabled && tooHigh !== undefined) {
    const key = `server.${tooHigh.id}`;
    const where = locate(key);
    throw new ConfigError(
      `${prefixOf(where)}${key}: server ids above 254 cannot be used with ` +
        'extendedTypesEnabled=true (ZooKeeper refuses them)',
      key,
      where,
    );
  }
}

/**
 * Checks a whole configuration: every field's value, then the relations between fields.
 * For configurations built from flags; errors name ServerConfig fields. Throws ConfigError.
 */
export function validateConfig(c: ServerConfig): void {
  for (const spec of FIELD_SPECS) {
    const value = c[spec.field];
    if (!spec.valid(value)) {
      throw invalidValue(spec.field, spec.expected, value, undefined, spec.explain?.(value));
    }
  }
  checkRelations(c, () => undefined, new Map());
}

const FIELDS: ReadonlySet<string> = new Set(FIELD_SPECS.map((spec) => spec.field));

/** Fields explicitly set in `config`; inferred from values for a config parsed elsewhere. */
function explicitOf(config: ServerConfig): ReadonlySet<ValueField> {
  const known = explicitFields.get(config);
  if (known !== undefined) return known;
  const inferred = new Set<ValueField>();
  if (config.dataLogDir !== config.dataDir) inferred.add('dataLogDir');
  if (config.minSessionTimeout !== 2 * config.tickTime) inferred.add('minSessionTimeout');
  if (config.maxSessionTimeout !== 20 * config.tickTime) inferred.add('maxSessionTimeout');
  return inferred;
}

/**
 * Overlays flags on a configuration; flags left undefined are ignored. dataLogDir follows
 * dataDir, and the session timeouts follow tickTime, unless they were set explicitly (in the
 * file or the flags). Does not validate: call validateConfig() on the result.
 */
export function applyFlags(config: ServerConfig, flags: Partial<ServerConfig>): ServerConfig {
  const result: ServerConfig = { ...config };
  const explicit = new Set(explicitOf(config));
  for (const [field, value] of Object.entries(flags) as [keyof ServerConfig, unknown][]) {
    if (value === undefined) continue;
    assert(field === 'ensemble' || FIELDS.has(field), `applyFlags: no such field '${field}'`);
    if (field === 'ensemble') result.ensemble = value as ServerConfig['ensemble'];
    else {
      setField(result, field, value);
      explicit.add(field);
    }
  }
  deriveFollowers(result, explicit);
  explicitFields.set(result, explicit);
  return result;
}
