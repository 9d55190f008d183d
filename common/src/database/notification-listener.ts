import pg from 'pg';
import { Logger } from '../logging/logger';
import { databaseClient } from './connect-timeout';

const RETRY_MS = { first: 500, max: 10_000 };

export interface NotificationListenerOptions {
  /** Names the listener in its log lines. */
  name: string;
  databaseUrl: string;
  channels: string[];
  onNotification: (channel: string, payload: string) => void;
  /** After a lost connection is made again: whatever was announced meanwhile was missed. */
  onReconnected?: () => Promise<void>;
  logger: Logger;
}

/**
 * One connection LISTENing on PostgreSQL channels, made again with backoff
 * whenever it is lost (a restart, a failover, a dropped connection): without
 * that, a service falls back to polling, or misses announcements, until it is
 * itself restarted.
 */
export class NotificationListener {
  private client?: pg.Client;
  private stopped = false;
  private retryMs = RETRY_MS.first;
  private retry?: NodeJS.Timeout;
  /** A reconnection under way: stop waits for it, so no connection outlives the listener. */
  private reconnecting?: Promise<void>;

  constructor(private readonly options: NotificationListenerOptions) {}

  /** Connects and listens; rejects when that fails (a service does not start without its database). */
  async start(): Promise<void> {
    this.client = await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.reconnecting;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<pg.Client> {
    const client = databaseClient({ connectionString: this.options.databaseUrl, keepAlive: true });
    client.on('error', (error) => this.lost(client, error));
    // A server that closes the connection without an error (a clean shutdown) ends it all the same.
    client.on('end', () => this.lost(client, new Error('the connection was closed')));
    client.on('notification', (message) => this.options.onNotification(message.channel, message.payload ?? ''));
    try {
      await client.connect();
      for (const channel of this.options.channels) await client.query(`LISTEN ${channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  }

  private lost(client: pg.Client, error: Error): void {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    this.options.logger.warn(`${this.options.name} connection lost; reconnecting`, { error });
    void client.end().catch(() => undefined);
    this.reconnectLater();
  }

  private reconnectLater(): void {
    if (this.stopped) return;
    this.retry = setTimeout(() => {
      this.reconnecting = this.reconnect().finally(() => (this.reconnecting = undefined));
    }, this.retryMs);
    this.retry.unref();
  }

  private async reconnect(): Promise<void> {
    let client: pg.Client;
    try {
      client = await this.connect();
    } catch {
      // Still away: tried again later, less often (the loss was logged once).
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MS.max);
      return this.reconnectLater();
    }
    if (this.stopped) return void (await client.end().catch(() => undefined));
    this.client = client;
    this.retryMs = RETRY_MS.first;
    this.options.logger.info(`${this.options.name} reconnected`);
    await this.options.onReconnected?.().catch((error: unknown) => this.options.logger.error(`${this.options.name}: catching up after reconnecting failed`, { error }));
  }
}
