import { Migration20261123000400_analysis } from './Migration20261123000400_analysis';
import { Migration20261123000600_portfolios } from './Migration20261123000600_portfolios';
import { Migration20261202000100_notification_times } from './Migration20261202000100_notification_times';
import { Migration20261202000300_deleted_owners } from './Migration20261202000300_deleted_owners';
import { Migration20261203000100_close_change24h } from './Migration20261203000100_close_change24h';
import { Migration20261203000200_applied_fills } from './Migration20261203000200_applied_fills';
import { Migration20261205000100_untracked_symbols } from './Migration20261205000100_untracked_symbols';
import { Migration20261205000400_deliveries_by_channel } from './Migration20261205000400_deliveries_by_channel';
import { Migration20261205000500_ticks } from './Migration20261205000500_ticks';
import { Migration20261206000100_strategy_constraints } from './Migration20261206000100_strategy_constraints';
import { Migration20261206000200_alert_references } from './Migration20261206000200_alert_references';
import { Migration20261206000300_pending_alerts_notifications } from './Migration20261206000300_pending_alerts_notifications';
import { Migration20261206000400_alert_budget_spent } from './Migration20261206000400_alert_budget_spent';
import { Migration20261206000500_strategy_generations } from './Migration20261206000500_strategy_generations';
import { Migration20261206000600_cascade_from_strategies } from './Migration20261206000600_cascade_from_strategies';
import { Migration20261206000700_notification_strategy_filled } from './Migration20261206000700_notification_strategy_filled';
import { Migration20261206000800_alert_budget_spent_by_time } from './Migration20261206000800_alert_budget_spent_by_time';
import { Migration20261206000900_symbol_asset_version } from './Migration20261206000900_symbol_asset_version';
import { Migration20261206001000_candle_revision } from './Migration20261206001000_candle_revision';
import { Migration20261207001100_transaction_base_amount } from './Migration20261207001100_transaction_base_amount';

/** Applied in this order at start-up; append, never edit a migration that has shipped. */
export const migrations = [
  { name: 'Migration20261123000400_analysis', class: Migration20261123000400_analysis },
  { name: 'Migration20261123000600_portfolios', class: Migration20261123000600_portfolios },
  { name: 'Migration20261202000100_notification_times', class: Migration20261202000100_notification_times },
  { name: 'Migration20261202000300_deleted_owners', class: Migration20261202000300_deleted_owners },
  { name: 'Migration20261203000100_close_change24h', class: Migration20261203000100_close_change24h },
  { name: 'Migration20261203000200_applied_fills', class: Migration20261203000200_applied_fills },
  { name: 'Migration20261205000100_untracked_symbols', class: Migration20261205000100_untracked_symbols },
  { name: 'Migration20261205000400_deliveries_by_channel', class: Migration20261205000400_deliveries_by_channel },
  { name: 'Migration20261205000500_ticks', class: Migration20261205000500_ticks },
  { name: 'Migration20261206000100_strategy_constraints', class: Migration20261206000100_strategy_constraints },
  { name: 'Migration20261206000200_alert_references', class: Migration20261206000200_alert_references },
  { name: 'Migration20261206000300_pending_alerts_notifications', class: Migration20261206000300_pending_alerts_notifications },
  { name: 'Migration20261206000400_alert_budget_spent', class: Migration20261206000400_alert_budget_spent },
  { name: 'Migration20261206000500_strategy_generations', class: Migration20261206000500_strategy_generations },
  { name: 'Migration20261206000600_cascade_from_strategies', class: Migration20261206000600_cascade_from_strategies },
  { name: 'Migration20261206000700_notification_strategy_filled', class: Migration20261206000700_notification_strategy_filled },
  { name: 'Migration20261206000800_alert_budget_spent_by_time', class: Migration20261206000800_alert_budget_spent_by_time },
  { name: 'Migration20261206000900_symbol_asset_version', class: Migration20261206000900_symbol_asset_version },
  { name: 'Migration20261206001000_candle_revision', class: Migration20261206001000_candle_revision },
  { name: 'Migration20261207001100_transaction_base_amount', class: Migration20261207001100_transaction_base_amount },
];
