import { Migration } from '@mikro-orm/migrations';

/**
 * Notifications go with their strategy (Migration20261206000600), by the strategy_id the writer
 * stores. A replica of the version before that migration does not store it, and it keeps
 * evaluating while the new version starts, migrates and takes over: each notification it wrote
 * in that window had no strategy_id and no reference to its alert either, so deleting the
 * strategy left it behind for good. The store fills a missing strategy_id from the alert, and
 * those already written without one are filled now. The new writer always names the strategy:
 * the trigger's condition is false for its rows, and costs them nothing more.
 */
export class Migration20261206000700_notification_strategy_filled extends Migration {
  override up(): void {
    this.addSql(`CREATE FUNCTION notification_strategy_from_alert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.strategy_id := (SELECT strategy_id FROM alerts WHERE id = NEW.alert_id);
        RETURN NEW;
      END
    $$`);
    this.addSql(`CREATE TRIGGER notifications_strategy_from_alert BEFORE INSERT ON notifications
      FOR EACH ROW WHEN (NEW.strategy_id IS NULL AND NEW.alert_id IS NOT NULL) EXECUTE FUNCTION notification_strategy_from_alert()`);
    this.addSql('UPDATE notifications SET strategy_id = alerts.strategy_id FROM alerts WHERE alerts.id = notifications.alert_id AND notifications.strategy_id IS NULL');
  }
}
