import { Logger, NotificationListener, Orm } from '@herck/common';
import { ALERT_CHANNEL, STRATEGY_CHANNEL } from './alert-channel';
import { readAlerts } from './read-alerts';
import { LiveAlerts } from './live-alerts';

/**
 * Every replica listens for committed alerts (to publish them to its
 * subscribers) and changed strategies (to re-read them into its engine),
 * reconnecting when the connection drops.
 */
export class AnalysisListener {
  private readonly listener: NotificationListener;

  constructor(
    databaseUrl: string,
    private readonly orm: Orm,
    private readonly alerts: LiveAlerts,
    private readonly onStrategyChanged: (id: string) => Promise<void>,
    /** After a reconnect: strategy changes announced while disconnected were missed. */
    onReconnected: () => Promise<void>,
    private readonly logger: Logger,
  ) {
    this.listener = new NotificationListener({
      name: 'analysis listener',
      databaseUrl,
      channels: [ALERT_CHANNEL, STRATEGY_CHANNEL],
      onNotification: (channel, payload) => void this.handle(channel, payload),
      onReconnected,
      logger,
    });
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  stop(): Promise<void> {
    return this.listener.stop();
  }

  private async handle(channel: string, payload: string): Promise<void> {
    try {
      if (channel === STRATEGY_CHANNEL) return await this.onStrategyChanged(payload);
      // With its strategy, as the alerts query reads them: deleted a moment later, the strategy is still named.
      const [alert] = await readAlerts(this.orm.em.fork(), 'SELECT * FROM alerts WHERE id = ?', [payload]);
      if (alert) this.alerts.publish(alert);
    } catch (error) {
      this.logger.error('analysis notification not handled', { channel, error });
    }
  }
}
