/**
 * SASL on the client port, configured as ZooKeeper users configure it: the users of the
 * DigestLoginModule in the JAAS section `zookeeper.sasl.serverconfig` (default Server) of the
 * file named by `java.security.auth.login.config`; `authProvider.N=...SASLAuthenticationProvider`
 * registers the `sasl` scheme; `zookeeper.sessionRequireClientSASLAuth`, `enforce.auth.*`,
 * `zookeeper.superUser`, `zookeeper.allowSaslFailedClients`. Anything asking for what Warren
 * cannot do (Kerberos, a scheme without its provider) stops start-up: never dropped.
 */
import { ConfigError, invalidValue, prefixOf } from '../config/config-error.js';
import { SASL_PROVIDER_CLASS, type ClientSasl } from '../config/client-sasl.js';
import type { ServerConfig } from '../config/config.js';
import { parseBoolean } from '../config/config-values.js';
import { findSetting, type RawSettings } from '../config/raw-settings.js';
import type { JaasConfig } from './jaas.js';
import { jaasFileSetting, jaasProperty, readJaasFile } from './jaas-file.js';

const digestModule = 'org.apache.zookeeper.server.auth.DigestLoginModule';
const sectionKey = 'sasl.serverconfig';

function flag(raw: RawSettings, key: string): boolean {
  const found = findSetting(raw, key);
  if (found === undefined) return false;
  const parsed = parseBoolean(found.value);
  if (parsed === undefined)
    throw invalidValue(found.key, 'true or false', found.value, found.where);
  return parsed.value;
}

/** Values of `key` and of every `key.<anything>` (ZooKeeper's isSaslSuperUser reads both). */
function valuesOf(raw: RawSettings, key: string): string[] {
  const names = [key, `zookeeper.${key}`];
  return [...raw]
    .filter(([name]) => names.some((n) => name === n || name.startsWith(`${n}.`)))
    .map(([, setting]) => setting.value)
    .filter((value) => value !== '');
}

/** Whether an authProvider.N line names SASLAuthenticationProvider (registers `sasl`). */
function saslProviderRegistered(raw: RawSettings): boolean {
  return [...raw].some(
    ([key, setting]) =>
      /^(zookeeper\.)?authProvider\./.test(key) && setting.value.trim() === SASL_PROVIDER_CLASS,
  );
}

/** Loads client-port SASL; null when the JAAS file has no such section (no SASL). */
export async function loadClientSasl(
  config: ServerConfig,
  raw: RawSettings,
): Promise<ClientSasl | null> {
  const sessionRequired = flag(raw, 'sessionRequireClientSASLAuth');
  const enforced = config.enforceAuthEnabled && config.enforceAuthSchemes.includes('sasl');
  const required = sessionRequired || enforced;
  if (required && !saslProviderRegistered(raw)) {
    // ZooKeeper's AuthenticationHelper: "Authentication scheme sasl is not available".
    throw new ConfigError(
      `${sessionRequired ? 'zookeeper.sessionRequireClientSASLAuth' : 'enforce.auth.schemes'} ` +
        `asks for sasl, which needs authProvider.1=${SASL_PROVIDER_CLASS}`,
      'authProvider',
    );
  }
  const named = jaasFileSetting(raw);
  const sectionSetting = findSetting(raw, sectionKey);
  const section = sectionSetting?.value ?? 'Server';
  const jaas = named === undefined ? null : await readJaasFile(named);
  if (jaas === null || !jaas.has(section)) {
    // As ZooKeeper: no section, no SASL; but a setting that asks for it is not dropped.
    const asked = required
      ? 'SASL is required'
      : sectionSetting !== undefined
        ? `${sectionSetting.key}=${section}`
        : undefined;
    if (asked === undefined) return null;
    throw new ConfigError(
      `${prefixOf(sectionSetting?.where)}${asked}, but ` +
        (jaas === null
          ? `no JAAS file is named: set ${jaasProperty}=<path>`
          : `the JAAS file ${named?.value} has no ${section} section`) +
        ` with ${digestModule} required user_<name>="<password>";`,
      sectionSetting?.key ?? jaasProperty,
      sectionSetting?.where,
    );
  }
  const superPassword = findSetting(raw, 'SASLAuthenticationProvider.superPassword')?.value;
  return {
    section,
    users: serverUsers(jaas, section, named?.value ?? ''),
    superPassword: superPassword === undefined || superPassword === '' ? null : superPassword,
    superUsers: valuesOf(raw, 'superUser'),
    sessionRequired,
    allowFailedClients: flag(raw, 'allowSaslFailedClients'),
  };
}

function serverUsers(jaas: JaasConfig, section: string, file: string): Map<string, string> {
  const modules = jaas.get(section) ?? [];
  const refuse = (message: string): never => {
    throw new ConfigError(`the ${section} section of ${file} ${message}`, jaasProperty);
  };
  const other = modules.find((module) => module.className !== digestModule);
  if (other !== undefined) {
    refuse(
      `uses ${other.className}: Warren's client port does SASL with ${digestModule} ` +
        '(DIGEST-MD5) only; Kerberos (GSSAPI) is not supported',
    );
  }
  const users = new Map<string, string>();
  for (const module of modules) {
    for (const [key, value] of module.options) {
      if (!key.startsWith('user_')) continue;
      const name = key.slice('user_'.length);
      if (value === '') refuse(`gives ${key} an empty password`);
      // A name with / or @ is a Kerberos principal, which ZooKeeper would rewrite by its rules.
      if (name === '' || /[/@]/.test(name)) refuse(`names the user '${name}' (no / or @)`);
      users.set(name, value);
    }
  }
  if (users.size === 0) refuse('names no user_<name>="<password>": no client could log in');
  return users;
}
