/**
 * The shell's state behind ShellContext: the current client (replaced by connect, dropped by
 * close), session events printed as zkCli prints them, and the output streams.
 */
import {
  ConnectionLossError,
  createClient,
  type SessionState,
  type ZooKeeperClient,
} from '../../client/index.js';
import { runCommandLine } from './command-table.js';
import { describeError } from './error-messages.js';
import type { History } from './history.js';
import {
  ConnectFailedError,
  NotConnectedError,
  type ShellContext,
  type ShellOutput,
} from './shell-context.js';

/** zkCli's names for session states (KeeperState), in events and the prompt. */
const KEEPER_STATES: Readonly<Record<SessionState, string>> = {
  connecting: 'Disconnected',
  connected: 'SyncConnected',
  readOnly: 'ConnectedReadOnly',
  disconnected: 'Disconnected',
  expired: 'Expired',
  authFailed: 'AuthFailed',
  closed: 'Closed',
};

export interface SessionSettings {
  /** Session timeout asked of the server, and how long to try to connect. */
  timeoutMs: number;
  /** Print session state changes as WATCHER:: events (interactive use). */
  showSessionEvents: boolean;
  /** Accept a read-only server (zkCli -r). */
  canBeReadOnly?: boolean;
}

export class ShellSession implements ShellContext {
  client: ZooKeeperClient | null = null;
  connectString: string;
  quitRequested = false;

  constructor(
    connectString: string,
    readonly history: History,
    private readonly output: ShellOutput,
    private readonly settings: SessionSettings,
  ) {
    this.connectString = connectString;
  }

  out(line: string): void {
    this.output.out(line);
  }
  err(line: string): void {
    this.output.err(line);
  }
  notify(lines: readonly string[]): void {
    this.output.notify(lines);
  }

  /** `CONNECTED`, `CONNECTING`, `CLOSED`... for the prompt. */
  get stateName(): string {
    if (this.client === null) return 'CLOSED';
    return this.client.state === 'readOnly' ? 'CONNECTEDREADONLY' : this.client.state.toUpperCase();
  }

  requireClient(): ZooKeeperClient {
    if (this.client === null) throw new NotConnectedError();
    return this.client;
  }

  async reconnect(connectString: string): Promise<void> {
    await this.closeClient();
    this.connectString = connectString;
    const client = createClient(connectString, {
      sessionTimeoutMs: this.settings.timeoutMs,
      initialConnectTimeoutMs: this.settings.timeoutMs,
      canBeReadOnly: this.settings.canBeReadOnly ?? false,
    });
    if (this.settings.showSessionEvents) {
      client.on('state', (state) => {
        const name = KEEPER_STATES[state];
        if (state === 'connecting') return;
        this.notify(['', 'WATCHER::', '', `WatchedEvent state:${name} type:None path:null`]);
      });
    }
    this.client = client;
    try {
      await client.connect();
    } catch (error) {
      this.client = null;
      const reason =
        error instanceof ConnectionLossError
          ? `no server answered within ${this.settings.timeoutMs} ms`
          : describeError(error, '');
      throw new ConnectFailedError(`Could not connect to ${connectString}: ${reason}`, {
        cause: error,
      });
    }
  }

  async closeClient(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.close();
  }

  runLine(line: string): Promise<boolean> {
    return runCommandLine(this, line);
  }

  quit(): void {
    this.quitRequested = true;
  }
}
