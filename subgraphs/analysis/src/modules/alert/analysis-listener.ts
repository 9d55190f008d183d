import pg from 'pg';
import { Logger, Orm } from '@herck/common';
import { ALERT_CHANNEL, STRATEGY_CHANNEL } from './alert-channel';
import { AlertRow, toAlert } from './alert.type';
import { LiveAlerts } from './live-alerts';

/**
 * Every replica listens for committed alerts (to publish them to its
 * subscribers) and changed strategies (to re-read them into its engine),
 * reconnecting when the connection drops.
 */
export class AnalysisListener {
  private client?: pg.Client;
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly databaseUrl: string,
    private readonly orm: Orm,
    private readonly alerts: LiveAlerts,
    private readonly onStrategyChanged: (id: string) => Promise<void>,
    /** After a reconnect: strategy changes announced while disconnected were missed. */
    private readonly onReconnected: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  async start(reconnecting = false): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('error', (error) => {
      this.logger.warn('analysis listener connection lost; reconnecting', { error });
      void client.end().catch(() => undefined);
      this.scheduleReconnect();
    });
    client.on('notification', (message) => void this.handle(message.channel, message.payload ?? ''));
    try {
      await client.connect();
      await client.query(`LISTEN ${ALERT_CHANNEL}`);
      await client.query(`LISTEN ${STRATEGY_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    if (reconnecting) await this.onReconnected().catch((error: unknown) => this.logger.error('strategies not reloaded after reconnecting', { error }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.retry = setTimeout(() => void this.start(true).catch(() => this.scheduleReconnect()), 1000);
    this.retry.unref();
  }

  private async handle(channel: string, payload: string): Promise<void> {
    try {
      if (channel === STRATEGY_CHANNEL) return await this.onStrategyChanged(payload);
      const rows = await this.orm.em.fork().getConnection().execute<AlertRow[]>('SELECT * FROM alerts WHERE id = ?', [payload]);
      if (rows[0]) this.alerts.publish(toAlert(rows[0]));
    } catch (error) {
      this.logger.error('analysis notification not handled', { channel, error });
    }
  }
}
