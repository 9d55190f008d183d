import { DeliveryStatus } from './delivery.type';

export type DeliveryChannel = 'webhook' | 'email';

export interface StoredAttempt {
  at: string;
  httpStatus: number | null;
  error: string | null;
}

export interface DeliveryRow {
  id: string;
  channel: DeliveryChannel;
  alert_id: string;
  strategy_id: string;
  target: string;
  body: string;
  status: DeliveryStatus;
  attempts: StoredAttempt[];
  next_attempt_at: Date | null;
  created_at: Date;
}
