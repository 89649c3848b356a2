/**
 * Starts Debian's Apache ZooKeeper 3.8 as a standalone reference server on 127.0.0.1, with a
 * temp dataDir, a free client port, every four-letter word enabled, no AdminServer and no
 * per-address connection cap. The JVM runs directly (QuorumPeerMain); see
 * docs reference-zookeeper.md for why the two log jars and log4j.properties are needed.
 * No test-framework imports: bench/ uses this too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fourLetter } from './four-letter.js';
import { LOOPBACK_HOST } from './ports.js';
import {
  launchServer,
  readyOrStopped,
  spawnServer,
  type RunningServer,
  type ServerProcess,
} from './server-process.js';

export type { RunningServer } from './server-process.js';

export const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
const LOG_JARS = ['/usr/share/java/slf4j-log4j12.jar', '/usr/share/java/log4j-1.2.jar'];
/** Debian's libnetty-java, one jar per module (its netty-all.jar is an empty shell). */
const NETTY_JARS = [
  'buffer',
  'codec',
  'common',
  'handler',
  'resolver',
  'transport',
  'transport-native-epoll',
  'transport-native-unix-common',
].map((module) => `/usr/share/java/netty-${module}.jar`);
const JAVA = 'java';
const READY_TIMEOUT_MS = 30_000;

export interface ZooKeeperOptions {
  /** TTL nodes (-Dzookeeper.extendedTypesEnabled=true). */
  extendedTypes?: boolean;
  /** How often containers and TTL nodes are reaped (ZooKeeper's default is 60 s). */
  containerCheckIntervalMs?: number;
  /** `user:base64(sha1(user:password))`, see digestId(); that user bypasses every ACL. */
  superDigest?: string;
  tickTime?: number;
  /** 0 (the default here) means no cap; ZooKeeper's own default is 60 per address. */
  maxClientCnxns?: number;
  /** More zoo.cfg lines; they override the ones above. */
  extraConfig?: Record<string, string>;
  /** A JAAS file (-Djava.security.auth.login.config), for SASL. */
  jaasConfig?: string;
  heapMb?: number;
  /** Reuse a port (restart after kill); by default a free one is picked. */
  port?: number;
  /** Reuse a dataDir (restart after kill); it is never removed by this launcher. */
  dataDir?: string;
  /** Keep the temp dir (data, config, log) this launcher creates when the server stops. */
  keepDataDir?: boolean;
  /** How long to wait for it to serve (default 30 s): a restart replays its whole log. */
  readyTimeoutMs?: number;
}

let availability: boolean | undefined;

/** True when Debian's zookeeper.jar and the log jars are installed and `java -version` runs. */
export function zooKeeperAvailable(): boolean {
  if (availability === undefined) {
    availability =
      existsSync(ZOOKEEPER_JAR) &&
      LOG_JARS.every((jar) => existsSync(jar)) &&
      spawnSync(JAVA, ['-version'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
  }
  return availability;
}

export const ZOOKEEPER_UNAVAILABLE_REASON =
  `Apache ZooKeeper is not installed (${ZOOKEEPER_JAR} or java missing): ` +
  'apt-get install zookeeper default-jre-headless';

const LOG4J_PROPERTIES = [
  'log4j.rootLogger=INFO, CONSOLE',
  'log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender',
  'log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} %-5p [%t:%C{1}@%L] - %m%n',
  '',
].join('\n');

function zooCfg(dataDir: string, port: number, opts: ZooKeeperOptions): string {
  const settings: Record<string, string> = {
    tickTime: String(opts.tickTime ?? 2000),
    dataDir,
    clientPort: String(port),
    clientPortAddress: LOOPBACK_HOST,
    '4lw.commands.whitelist': '*',
    'admin.enableServer': 'false',
    maxClientCnxns: String(opts.maxClientCnxns ?? 0),
    ...opts.extraConfig,
  };
  return Object.entries(settings)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
}

function jvmArgs(confDir: string, opts: ZooKeeperOptions): string[] {
  const args = [
    `-Xmx${opts.heapMb ?? 512}m`,
    '-Djava.net.preferIPv4Stack=true',
    `-Dzookeeper.log.dir=${confDir}`,
  ];
  if (opts.extendedTypes === true) args.push('-Dzookeeper.extendedTypesEnabled=true');
  if (opts.containerCheckIntervalMs !== undefined) {
    args.push(`-Dznode.container.checkIntervalMs=${opts.containerCheckIntervalMs}`);
  }
  if (opts.superDigest !== undefined) {
    args.push(`-Dzookeeper.DigestAuthenticationProvider.superDigest=${opts.superDigest}`);
  }
  if (opts.jaasConfig !== undefined) {
    args.push(`-Djava.security.auth.login.config=${opts.jaasConfig}`);
  }
  // Netty (Debian's libnetty-java) is needed only with NettyServerCnxnFactory (TLS clients).
  const netty = NETTY_JARS.filter((jar) => existsSync(jar));
  const classpath = [confDir, ZOOKEEPER_JAR, ...LOG_JARS, ...netty].join(':');
  args.push('-cp', classpath, 'org.apache.zookeeper.server.quorum.QuorumPeerMain');
  args.push(join(confDir, 'zoo.cfg'));
  return args;
}

async function isReady(port: number): Promise<boolean> {
  if ((await fourLetter(LOOPBACK_HOST, port, 'ruok')) !== 'imok') return false;
  return (await fourLetter(LOOPBACK_HOST, port, 'srvr')).includes('Zookeeper version');
}

function launch(
  rootDir: string,
  dataDir: string,
  port: number,
  opts: ZooKeeperOptions,
): Promise<ServerProcess> {
  const confDir = join(rootDir, 'conf');
  mkdirSync(confDir, { recursive: true });
  writeFileSync(join(confDir, 'log4j.properties'), LOG4J_PROPERTIES);
  writeFileSync(join(confDir, 'zoo.cfg'), zooCfg(dataDir, port, opts));
  const proc = spawnServer(JAVA, jvmArgs(confDir, opts), {
    logFile: join(rootDir, 'zookeeper.log'),
  });
  const what = `ZooKeeper (pid ${proc.pid}, port ${port})`;
  const readyTimeoutMs = opts.readyTimeoutMs ?? READY_TIMEOUT_MS;
  return readyOrStopped(proc, what, () => isReady(port), readyTimeoutMs);
}

export async function startZooKeeper(opts: ZooKeeperOptions = {}): Promise<RunningServer> {
  if (!zooKeeperAvailable()) throw new Error(ZOOKEEPER_UNAVAILABLE_REASON);
  return launchServer({
    tempPrefix: 'zookeeper-ref-',
    dataDir: opts.dataDir,
    port: opts.port,
    keepDataDir: opts.keepDataDir,
    isBindFailure: (error) =>
      error instanceof Error && /Address already in use|BindException/.test(error.message),
    launch: (rootDir, dataDir, port) => launch(rootDir, dataDir, port, opts),
  });
}
