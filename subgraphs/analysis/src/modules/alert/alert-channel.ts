/** NOTIFY channel on which a committed alert's id is announced to every analysis replica. */
export const ALERT_CHANNEL = 'analysis_alert';

/** NOTIFY channel on which a changed strategy's id is announced, so every replica's engine re-reads it. */
export const STRATEGY_CHANNEL = 'analysis_strategy';
