/**
 * Whether an error means the database cannot be reached right now (rather than a bad query):
 * a refused, reset or timed-out connection, a connection the server ended, or a server that
 * is starting, shutting down or out of connections. SQLSTATE classes from PostgreSQL's
 * "Appendix A. PostgreSQL Error Codes": 08 (connection exception), 57P01-57P03 (admin or
 * crash shutdown, cannot connect now), 53300 (too many connections). TypeORM wraps driver
 * errors as `driverError`; `cause` chains are followed too.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 5 || error === null || typeof error !== 'object') return false;
  const { code, message, driverError, cause } = error as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || code.startsWith('08') || SERVER_CODES.has(code)) return true;
  }
  if (typeof message === 'string' && CONNECTION_MESSAGES.some((pattern) => pattern.test(message))) return true;
  return isDatabaseUnavailable(driverError, depth + 1) || isDatabaseUnavailable(cause, depth + 1);
}

/** Seconds a client is asked to wait (`Retry-After`) while the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
/** What node-postgres and its pool say when a connection ends or cannot be had in time. */
const CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /Connection is not established/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /is not currently accepting connections/i,
];
