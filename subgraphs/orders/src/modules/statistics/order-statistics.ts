import Decimal from 'decimal.js';
import { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError } from '@herck/common';
import { OrderPeriodStatistics, StatisticsPeriod } from './order-statistics.type';

const TRUNC: Record<StatisticsPeriod, string> = { DAY: 'day', WEEK: 'week', MONTH: 'month' };

interface StatisticsRow {
  period_start: Date;
  currency: string;
  count: string;
  total: string;
  min: string;
  max: string;
  median: string;
  average: string;
}

/**
 * Count, total, min, max, median and mean of order amounts per period and
 * currency, computed by PostgreSQL. percentile_cont works in double precision:
 * the median of 2-decimal amounts is rounded back to 3 decimals, where it is exact.
 */
export async function orderStatistics(em: EntityManager, period: StatisticsPeriod, from: Date, to: Date, currency: string | null): Promise<OrderPeriodStatistics[]> {
  if (from >= to) throw new BadUserInputError('from must be before to', 'from');
  const rows = await em.execute<StatisticsRow[]>(
    `SELECT date_trunc('${TRUNC[period]}', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS period_start, currency,
            count(*) AS count, sum(amount) AS total, min(amount) AS min, max(amount) AS max,
            round((percentile_cont(0.5) WITHIN GROUP (ORDER BY amount))::numeric, 3) AS median,
            round(avg(amount), 8) AS average
       FROM orders WHERE created_at >= ? AND created_at < ? ${currency ? 'AND currency = ?' : ''}
      GROUP BY 1, 2 ORDER BY 1, 2`,
    currency ? [from, to, currency] : [from, to],
  );
  return rows.map((row) =>
    Object.assign(new OrderPeriodStatistics(), {
      periodStart: new Date(row.period_start),
      currency: row.currency,
      count: Number(row.count),
      totalAmount: new Decimal(row.total),
      min: new Decimal(row.min),
      max: new Decimal(row.max),
      median: new Decimal(row.median),
      average: new Decimal(row.average),
    }),
  );
}
