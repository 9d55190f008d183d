import { testEnvironment } from '@herck/common';
import { readAnalysisConfig } from '../src';

/** ANALYSIS_ALERT_RETENTION_DAYS: 0 keeps alerts for good; otherwise no alert may go while one of its sends is still retried. */
describe('alert retention', () => {
  const environment = testEnvironment();
  afterAll(() => environment.cleanUp());
  const read = (env: Record<string, string>) => readAnalysisConfig({ ...environment.env, ...env });

  it('keeps alerts for good unless set', () => {
    expect(read({}).alertRetentionDays).toBe(0);
    expect(read({ ANALYSIS_ALERT_RETENTION_DAYS: '90' }).alertRetentionDays).toBe(90);
  });

  it('refuses a retention no longer than deliveries are retried', () => {
    expect(() => read({ ANALYSIS_ALERT_RETENTION_DAYS: '1' })).toThrow(/ANALYSIS_ALERT_RETENTION_DAYS must be 0 \(keep alerts for good\) or more than DELIVERY_RETRY_HOURS in days \(1\)/);
    expect(() => read({ ANALYSIS_ALERT_RETENTION_DAYS: '7', DELIVERY_RETRY_HOURS: '168' })).toThrow(/more than DELIVERY_RETRY_HOURS in days \(7\)/);
    expect(read({ ANALYSIS_ALERT_RETENTION_DAYS: '8', DELIVERY_RETRY_HOURS: '168' }).alertRetentionDays).toBe(8);
  });
});
