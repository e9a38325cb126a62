import type { LoggerService, LogLevel } from '@nestjs/common';
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

import { redactText, redactValue } from './redaction';

/** `json`: one JSON object per line (for log collectors); `pretty`: human-readable lines. */
export type LogFormat = 'json' | 'pretty';

/** How {@link createKassaLogger} writes. */
export interface KassaLoggerOptions {
  /** Lowest Nest level written (`log` is pino's `info`, `verbose` its `trace`). */
  level: LogLevel;
  format: LogFormat;
  /** Where lines go; default stdout (written synchronously, so nothing is lost at exit). */
  destination?: DestinationStream;
}

const PINO_LEVELS: Record<LogLevel, Level> = { fatal: 'fatal', error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

const ULID = '[0-9A-HJKMNP-TV-Z]{26}';
/**
 * Fields read from a message's text, so a line about a payment can be found by its id
 * whatever the code that logged it: the first Kassa id of each kind, the chain id and the
 * block number (`chain 1`, `block 123`).
 */
const FIELDS: readonly [string, RegExp][] = [
  ['paymentId', new RegExp(`\\bpay_${ULID}\\b`)],
  ['eventId', new RegExp(`\\bevt_${ULID}\\b`)],
  ['deliveryId', new RegExp(`\\bdlv_${ULID}\\b`)],
  ['endpointId', new RegExp(`\\bwe_${ULID}\\b`)],
  ['merchantId', new RegExp(`\\bmer_${ULID}\\b`)],
  ['apiKeyId', new RegExp(`\\bkey_${ULID}\\b`)],
  ['settlementId', new RegExp(`\\bstl_${ULID}\\b`)],
];
const CHAIN = /\bchain (?:id )?(\d+)\b|\bChainStatus:(\d+)\b/i;
const BLOCK = /\bblocks? (\d+)\b/i;

/** The structured fields a message names (see {@link FIELDS}). */
export function fieldsOf(text: string): Record<string, string | number> {
  const fields: Record<string, string | number> = {};
  for (const [name, pattern] of FIELDS) {
    const match = pattern.exec(text);
    if (match) fields[name] = match[0];
  }
  const chain = CHAIN.exec(text);
  if (chain) fields.chainId = Number(chain[1] ?? chain[2]);
  const block = BLOCK.exec(text);
  if (block) fields.blockNumber = Number(block[1]);
  return fields;
}

/** A pino logger writing `format` at `level` (see {@link KassaLoggerOptions}). */
export function createPinoLogger(options: KassaLoggerOptions): Logger {
  const settings = {
    level: PINO_LEVELS[options.level],
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  const destination =
    options.destination ??
    (options.format === 'pretty'
      ? pinoPretty({
          sync: true,
          translateTime: 'SYS:HH:MM:ss.l',
          messageFormat: '{if context}[{context}] {end}{msg}',
          // The ids read from the message are in the message already.
          ignore: ['pid', 'hostname', 'context', ...FIELDS.map(([name]) => name), 'chainId', 'blockNumber'].join(','),
        })
      : pino.destination({ dest: 1, sync: true }));
  return pino(settings, destination);
}

/**
 * Nest's logger over pino (DESIGN.md "Operations"): every `Logger` of the apps writes one
 * structured line with its level, time, `context` (the Nest logger name), the message and
 * the ids it names (see {@link fieldsOf}); objects logged are merged in as fields.
 * Secrets never reach the output: API keys, webhook secrets, credentials and URL query
 * strings are redacted from messages and fields, and fields named as secrets are dropped
 * (see `redactValue`).
 */
export class KassaLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    // Nest passes (message, stack, context) or (message, context).
    const [stack, context] = params.length >= 2 ? params : [undefined, params[0]];
    this.write('error', message, context === undefined ? [] : [context], typeof stack === 'string' ? stack : undefined);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest calls it with the levels to print; the lowest one becomes pino's level. */
  setLogLevels(levels: LogLevel[]): void {
    const order: LogLevel[] = ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'];
    const lowest = order.find((level) => levels.includes(level));
    this.logger.level = lowest ? PINO_LEVELS[lowest] : 'silent';
  }

  private write(level: Level, message: unknown, params: unknown[], stack?: string): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const context = params.length > 0 && typeof params[params.length - 1] === 'string' ? (params[params.length - 1] as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    let text: string;
    if (message instanceof Error) {
      text = message.message;
      fields.error = redactValue(message);
    } else if (message !== null && typeof message === 'object') {
      const { msg, message: inner, ...rest } = message as Record<string, unknown>;
      text = typeof msg === 'string' ? msg : typeof inner === 'string' ? inner : '';
      Object.assign(fields, redactValue(rest));
    } else {
      text = String(message);
    }
    if (stack) fields.stack = redactText(stack);
    const safe = redactText(text);
    this.logger[level]({ ...fieldsOf(safe), ...fields }, safe);
  }
}

/** The Nest logger of a Kassa process (see {@link KassaLogger}). */
export function createKassaLogger(options: KassaLoggerOptions): KassaLogger {
  return new KassaLogger(createPinoLogger(options));
}
