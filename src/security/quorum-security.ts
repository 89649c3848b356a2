/**
 * Reads ZooKeeper's quorum security settings into what the peer transport enforces
 * (peer/peer-security.ts): `sslQuorum` with the `ssl.quorum.*` stores, and
 * `quorum.auth.enableSasl` / `learnerRequireSasl` / `serverRequireSasl` with the JAAS sections
 * named by `quorum.auth.learner.saslLoginContext` / `quorum.auth.server.saslLoginContext`
 * (default QuorumLearner / QuorumServer) in the file named by
 * `java.security.auth.login.config`. Every inconsistency ZooKeeper's QuorumPeerConfig refuses
 * is refused here too, and so is anything Warren cannot honour (Kerberos): a setting that asks
 * for security is never dropped.
 */
import { ConfigError, invalidValue, prefixOf } from '../config/config-error.js';
import { parseBoolean } from '../config/config-values.js';
import { findSetting, type FoundSetting, type RawSettings } from '../config/raw-settings.js';
import { usernameBytesMax, type LearnerCredentials } from '../peer/peer-auth.js';
import type { PeerSasl, PeerSecurity, PeerTls } from '../peer/peer-security.js';
import type { JaasConfig, LoginModule } from './jaas.js';
import { jaasFileSetting, jaasProperty, readJaasFile } from './jaas-file.js';
import { loadTls } from './key-stores.js';

const digestModule = 'org.apache.zookeeper.server.auth.DigestLoginModule';

function flag(raw: RawSettings, key: string): { value: boolean; found?: FoundSetting } {
  const found = findSetting(raw, key);
  if (found === undefined) return { value: false };
  const parsed = parseBoolean(found.value);
  if (parsed === undefined)
    throw invalidValue(found.key, 'true or false', found.value, found.where);
  return { value: parsed.value, found };
}

/** Loads the quorum security a zoo.cfg asks for. Throws ConfigError. */
export async function loadPeerSecurity(raw: RawSettings): Promise<PeerSecurity> {
  return { tls: await loadQuorumTls(raw), sasl: await loadQuorumSasl(raw) };
}

async function loadQuorumTls(raw: RawSettings): Promise<PeerTls | null> {
  const sslQuorum = flag(raw, 'sslQuorum');
  if (!sslQuorum.value) return null;
  const loaded = await loadTls('ssl.quorum.', raw);
  const at = prefixOf(sslQuorum.found?.where);
  if (loaded.settings.keyStore === null || loaded.settings.trustStore === null) {
    throw new ConfigError(
      `${at}sslQuorum=true needs ssl.quorum.keyStore.location and ` +
        'ssl.quorum.trustStore.location: ' +
        'each member proves itself with its key store and checks the others with the trust store',
      'sslQuorum',
      sslQuorum.found?.where,
    );
  }
  return {
    server: { ...loaded.options, requestCert: true, rejectUnauthorized: true },
    client: { ...loaded.options, rejectUnauthorized: true },
    hostnameVerification: loaded.settings.hostnameVerification,
    clientHostnameVerification:
      loaded.settings.hostnameVerification && loaded.settings.clientHostnameVerification,
  };
}

async function loadQuorumSasl(raw: RawSettings): Promise<PeerSasl | null> {
  const enable = flag(raw, 'quorum.auth.enableSasl');
  const learnerRequire = flag(raw, 'quorum.auth.learnerRequireSasl');
  const serverRequire = flag(raw, 'quorum.auth.serverRequireSasl');
  // The same three refusals as ZooKeeper's QuorumPeerConfig.
  const refuse = (found: FoundSetting | undefined, message: string): never => {
    throw new ConfigError(`${prefixOf(found?.where)}${message}`, found?.key ?? '', found?.where);
  };
  if (!enable.value && serverRequire.value) {
    refuse(
      serverRequire.found,
      'quorum.auth.serverRequireSasl=true needs quorum.auth.enableSasl=true',
    );
  }
  if (!enable.value && learnerRequire.value) {
    refuse(
      learnerRequire.found,
      'quorum.auth.learnerRequireSasl=true needs quorum.auth.enableSasl=true',
    );
  }
  if (!learnerRequire.value && serverRequire.value) {
    refuse(
      serverRequire.found,
      'quorum.auth.serverRequireSasl=true needs quorum.auth.learnerRequireSasl=true as well',
    );
  }
  const principal = findSetting(raw, 'quorum.auth.kerberos.servicePrincipal');
  if (enable.value && principal !== undefined) {
    refuse(
      principal,
      'Kerberos (GSSAPI) quorum authentication is not supported; use DigestLoginModule ' +
        'sections or quorum TLS (sslQuorum=true)',
    );
  }
  if (!enable.value) return null;
  const jaas = await loadJaas(raw, enable.found);
  const learnerContext =
    findSetting(raw, 'quorum.auth.learner.saslLoginContext')?.value ?? 'QuorumLearner';
  const serverContext =
    findSetting(raw, 'quorum.auth.server.saslLoginContext')?.value ?? 'QuorumServer';
  return {
    learner: learnerCredentials(jaas.config, learnerContext, jaas.file),
    server: serverCredentials(jaas.config, serverContext, jaas.file),
    learnerRequire: learnerRequire.value,
    serverRequire: serverRequire.value,
  };
}

async function loadJaas(
  raw: RawSettings,
  enabledBy: FoundSetting | undefined,
): Promise<{ config: JaasConfig; file: string }> {
  const named = jaasFileSetting(raw);
  if (named === undefined) {
    throw new ConfigError(
      `${prefixOf(enabledBy?.where)}quorum.auth.enableSasl=true needs a JAAS file with the ` +
        `QuorumServer and QuorumLearner sections: set ${jaasProperty}=<path> in zoo.cfg`,
      'quorum.auth.enableSasl',
      enabledBy?.where,
    );
  }
  return { config: await readJaasFile(named), file: named.value };
}

function digestSection(config: JaasConfig, name: string, file: string): LoginModule {
  const modules = config.get(name);
  if (modules === undefined) {
    throw new ConfigError(
      `the JAAS file ${file} has no ${name} section, which quorum.auth.enableSasl=true needs`,
      jaasProperty,
    );
  }
  const digest = modules.find((module) => module.className === digestModule);
  if (digest === undefined) {
    const classes = modules.map((module) => module.className).join(', ');
    throw new ConfigError(
      `the ${name} section of ${file} uses ${classes || 'no login module'}; Warren supports ` +
        `${digestModule} (shared secrets) for quorum authentication, or quorum TLS`,
      jaasProperty,
    );
  }
  return digest;
}

function learnerCredentials(config: JaasConfig, name: string, file: string): LearnerCredentials {
  const { options } = digestSection(config, name, file);
  const username = options.get('username');
  const password = options.get('password');
  if (username === undefined || password === undefined || password === '') {
    throw new ConfigError(
      `the ${name} section of ${file} needs username="..." and a non-empty password="..."`,
      jaasProperty,
    );
  }
  if (Buffer.byteLength(username) > usernameBytesMax) {
    throw new ConfigError(
      `the ${name} username in ${file} is over ${usernameBytesMax} bytes`,
      jaasProperty,
    );
  }
  return { username, password };
}

function serverCredentials(config: JaasConfig, name: string, file: string): Map<string, string> {
  const { options } = digestSection(config, name, file);
  const users = new Map<string, string>();
  for (const [key, value] of options) {
    if (!key.startsWith('user_')) continue;
    if (value === '')
      throw new ConfigError(`${key} in the ${name} section of ${file} is empty`, jaasProperty);
    users.set(key.slice('user_'.length), value);
  }
  if (users.size === 0) {
    throw new ConfigError(
      `the ${name} section of ${file} names no user_<name>="<password>": no member could join`,
      jaasProperty,
    );
  }
  return users;
}
