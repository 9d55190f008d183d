/**
 * A log archive's file name, `{service}_{YYYYMMDDTHHMMSSZ}.log.gz`: letters, digits and
 * dashes before the time, nothing that could name another path. The gateway checks it
 * before asking logs, logs before opening a file.
 */
export const LOG_ARCHIVE_NAME = /^[A-Za-z0-9-]{1,64}_\d{8}T\d{6}Z\.log\.gz$/;

/** Where logs serves an archive's file to the gateway (followed by `/<fileName>`). */
export const LOG_ARCHIVE_INTERNAL_PATH = '/internal/archives';

/** Where logs streams an export of the entries a filter selects to the gateway (its `/logs/export`). */
export const LOG_EXPORT_INTERNAL_PATH = '/internal/logs/export';
