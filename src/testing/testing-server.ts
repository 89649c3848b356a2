/**
 * TestingServer (Curator's TestingServer): a standalone Warren on 127.0.0.1, a free port and a
 * temporary data directory removed by stop(). 'inProcess' (the default) runs it in this
 * process with the product's own start-up (startMember, nodeEnvironment): fast, and restart()
 * keeps port and data. 'childProcess' runs `warren server` as a child process, so kill()
 * is a real crash (SIGKILL) and pause() freezes it (SIGSTOP).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseZooCfg, validateConfig } from '../config/config.js';
import { nodeEnvironment } from '../member/node-environment.js';
import { startMember, type MemberHandle } from '../member/start-member.js';
import { ChildServer, logTail, warrenCliBuilt } from './child-server.js';
import {
  freePort,
  isBindFailure,
  keepTempDir,
  LOOPBACK,
  makeTempDir,
  removeTempDir,
  zooCfgText,
} from './resources.js';
import { TestingStartError, waitUntilServing } from './serving.js';

export interface TestingServerOptions {
  /** 'inProcess' (default) or 'childProcess' (kill and pause need it). */
  mode?: 'inProcess' | 'childProcess';
  /** Client port; by default a free one (retried if another process takes it first). */
  port?: number;
  /** zoo.cfg lines, ZooKeeper's spellings (`maxClientCnxns`, `extendedTypesEnabled`, ...). */
  config?: Readonly<Record<string, string>>;
  /** zoo.cfg tickTime (default 500 ms: sessions may be as short as 1 s). */
  tickTime?: number;
  /** Keep the temporary directory (data, zoo.cfg, log) after stop(), for a post-mortem. */
  keepDataDir?: boolean;
  /** How long start() and restart() wait for the server to serve (default 30 s). */
  startTimeoutMs?: number;
  /** Log level of the server (default 'warn'); its output goes to `logFile`. */
  logLevel?: string;
}

const START_TIMEOUT_MS = 30_000;
const BIND_ATTEMPTS_MAX = 3;

export class TestingServer {
  private handle: MemberHandle | undefined;
  private child: ChildServer | undefined;
  private fatal: Error | undefined;

  private constructor(
    readonly port: number,
    /** The temporary directory: data/, zoo.cfg and warren.log. */
    readonly rootDir: string,
    private readonly opts: TestingServerOptions,
  ) {}

  /** Starts a server and resolves once it accepts sessions. */
  static async start(opts: TestingServerOptions = {}): Promise<TestingServer> {
    if (opts.mode === 'childProcess' && !warrenCliBuilt()) {
      throw new TestingStartError('the warren CLI is not built (dist/src/cli/main.js)');
    }
    for (let attempt = 1; ; attempt++) {
      const rootDir = makeTempDir('warren-testing-');
      const server = new TestingServer(opts.port ?? (await freePort()), rootDir, opts);
      try {
        await server.launch();
        if (opts.keepDataDir === true) keepTempDir(rootDir);
        return server;
      } catch (error) {
        await server.stop();
        const text = `${String(error)}\n${logTail(server.logFile)}`;
        if (opts.port !== undefined || attempt >= BIND_ATTEMPTS_MAX || !isBindFailure(text)) {
          throw error;
        }
      }
    }
  }

  get host(): string {
    return LOOPBACK;
  }
  /** host:port, for createClient. */
  get connectString(): string {
    return `${LOOPBACK}:${this.port}`;
  }
  get dataDir(): string {
    return join(this.rootDir, 'data');
  }
  get logFile(): string {
    return join(this.rootDir, 'warren.log');
  }
  /** The child's pid ('childProcess'), else this process's. */
  get pid(): number {
    return this.child?.pid ?? process.pid;
  }

  /** Stops the server (gracefully) and starts it again on the same port and data. */
  async restart(): Promise<void> {
    await this.halt();
    await this.launch();
  }

  /** 'childProcess' only: SIGKILL, a crash. restart() brings it back on the same data. */
  async kill(): Promise<void> {
    await this.childOnly('kill').kill('SIGKILL');
  }

  /** 'childProcess' only: SIGSTOP; it holds its port and sessions but answers nothing. */
  async pause(): Promise<void> {
    await this.childOnly('pause').kill('SIGSTOP');
  }

  async resume(): Promise<void> {
    await this.childOnly('resume').kill('SIGCONT');
  }

  /** Stops the server and removes its temporary directory (unless keepDataDir). */
  async stop(): Promise<void> {
    await this.halt();
    if (this.opts.keepDataDir !== true) removeTempDir(this.rootDir);
  }

  private childOnly(what: string): ChildServer {
    if (this.child === undefined) {
      throw new TypeError(`TestingServer.${what}() needs mode: 'childProcess'`);
    }
    return this.child;
  }

  private async halt(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
    await this.child?.stop();
  }

  private async launch(): Promise<void> {
    mkdirSync(this.dataDir, { recursive: true });
    const configFile = join(this.rootDir, 'zoo.cfg');
    writeFileSync(configFile, zooCfgText(this.settings()));
    const timeoutMs = this.opts.startTimeoutMs ?? START_TIMEOUT_MS;
    if (this.opts.mode === 'childProcess') {
      const child = new ChildServer(configFile, this.logFile, this.opts.logLevel ?? 'warn');
      this.child = child;
      await waitUntilServing(this.connectString, timeoutMs, () => child.exitReason());
      return;
    }
    this.fatal = undefined;
    const parsed = parseZooCfg(zooCfgText(this.settings()), configFile);
    validateConfig(parsed.config);
    const logger = pino(
      { level: this.opts.logLevel ?? 'warn', base: { name: 'warren-testing' } },
      pino.destination({ dest: this.logFile, sync: true }),
    );
    const onFatal = (error: Error): void => {
      // The product exits the process here; a test suite must live on: the server is gone.
      this.fatal = error;
      logger.fatal({ err: error }, 'the testing server stopped');
    };
    this.handle = await startMember(parsed.config, nodeEnvironment(logger, onFatal));
    await waitUntilServing(this.connectString, timeoutMs, () => this.fatal?.message);
  }

  private settings(): Record<string, string> {
    return {
      tickTime: String(this.opts.tickTime ?? 500),
      dataDir: this.dataDir,
      clientPort: String(this.port),
      clientPortAddress: LOOPBACK,
      '4lw.commands.whitelist': '*',
      ...this.opts.config,
    };
  }
}
