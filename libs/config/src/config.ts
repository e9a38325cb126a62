import { readFileSync } from 'node:fs';

import { z } from 'zod';

import { KassaError } from '@kassa/domain';

import { type ChainConfig, chainsConfigSchema } from './chain-config';
import { NETWORK_NAMES, NETWORK_PRESETS, type NetworkName, presetChainConfig, rpcUrlVariable, wsUrlVariable } from './networks';
import { Secret } from './secret';

const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

const PRIVATE_KEY = /^0x[0-9a-fA-F]{64}$/;

/** `{"<chainId>": "0x<private key>"}`; messages never repeat the value (it is a secret). */
const privateKeysByChain = z
  .string()
  .optional()
  .transform((raw, ctx): Record<number, string> | undefined => {
    if (raw === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const valid =
      typeof parsed === 'object' &&
      parsed !== null &&
      !Array.isArray(parsed) &&
      Object.entries(parsed).every(([chainId, key]) => /^[1-9]\d*$/.test(chainId) && typeof key === 'string' && PRIVATE_KEY.test(key));
    if (!valid) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a JSON object {"<chainId>": "0x<64 hex digits>"}' });
      return z.NEVER;
    }
    return Object.fromEntries(Object.entries(parsed as Record<string, string>).map(([chainId, key]) => [Number(chainId), key]));
  });

const DECIMAL = /^\d+(\.\d+)?$/;

/** `{"<coin symbol>": {"perPayout": "<decimal>", "perDay": "<decimal>"}}`, amounts in whole coins. */
const payoutLimits = z
  .string()
  .optional()
  .transform((raw, ctx): Record<string, { perPayout: string; perDay: string }> => {
    if (raw === undefined) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const limit = z.object({ perPayout: z.string().regex(DECIMAL), perDay: z.string().regex(DECIMAL) }).strict();
    const result = z.record(z.string().min(1), limit).safeParse(parsed);
    if (!result.success) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a JSON object {"<coin symbol>": {"perPayout": "<decimal>", "perDay": "<decimal>"}}' });
      return z.NEVER;
    }
    return result.data;
  });

/**
 * Every environment variable Kassa reads, with its description, default and sensitivity.
 * This table is the single source of truth: docs/configuration.md lists the same
 * variables, and a test keeps the two in step.
 */
export const ENVIRONMENT = {
  DATABASE_URL: {
    schema: z.string().url().optional(),
    description: 'PostgreSQL connection URL. Unset with `npm start`: an embedded PostgreSQL under .kassa/pg.',
    sensitive: true,
  },
  DATABASE_POOL_SIZE: {
    schema: z.coerce.number().int().min(1).max(200).default(10),
    description: 'Connections per process.',
    sensitive: false,
  },
  KASSA_CHAINS_FILE: {
    schema: z.string().min(1).optional(),
    description: 'Path of a JSON file with the chains to watch (array of chain objects, see docs/configuration.md).',
    sensitive: false,
  },
  KASSA_CHAINS: {
    schema: z.string().min(1).optional(),
    description: 'The same chain array inline as JSON; wins over KASSA_CHAINS_FILE.',
    sensitive: false,
  },
  KASSA_NETWORKS: {
    schema: z
      .string()
      .min(1)
      .optional()
      .transform((value, ctx) => {
        if (value === undefined) return [];
        const names = value.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
        const unknown = names.filter((name) => !(NETWORK_NAMES as readonly string[]).includes(name));
        if (unknown.length) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `unknown network(s) ${unknown.join(', ')}; known: ${NETWORK_NAMES.join(', ')}` });
        return names as NetworkName[];
      }),
    description:
      `Known networks to watch by name, comma-separated (${NETWORK_NAMES.join(', ')}; docs/networks.md); each needs its RPC URLs in KASSA_RPC_URL_<NAME> (comma-separated; e.g. KASSA_RPC_URL_BASE_SEPOLIA) and may have KASSA_WS_URL_<NAME>. An entry of KASSA_CHAINS with the same chainId overrides the preset field by field.`,
    sensitive: false,
  },
  KASSA_API_HOST: {
    schema: z.string().min(1).default('127.0.0.1'),
    description: 'Interface the API listens on.',
    sensitive: false,
  },
  KASSA_API_PORT: {
    schema: z.coerce.number().int().min(0).max(65535).default(3000),
    description: 'Port the API listens on (0: any free port).',
    sensitive: false,
  },
  KASSA_PUBLIC_URL: {
    schema: z.string().url().optional(),
    description: 'Public base URL of the API, used in checkoutUrl. Default: http://<host>:<port>.',
    sensitive: false,
  },
  KASSA_CONFIRMATION_GRACE_SECONDS: {
    schema: z.coerce.number().int().min(0).default(3600),
    description: 'How long after its deadline a payment paid in time may wait for confirmations.',
    sensitive: false,
  },
  KASSA_LATE_TRANSFER_WINDOW_SECONDS: {
    schema: z.coerce.number().int().min(0).default(7 * 24 * 3600),
    description: 'How long after the final state transfers to a deposit address are still recorded.',
    sensitive: false,
  },
  KASSA_EXPIRY_INTERVAL_MS: {
    schema: z.coerce.number().int().min(100).default(5000),
    description: 'How often the scheduler looks for payments past their deadline.',
    sensitive: false,
  },
  KASSA_EXPIRY_BATCH_SIZE: {
    schema: z.coerce.number().int().min(1).max(100_000).default(1000),
    description: 'Payments the scheduler times out in one statement.',
    sensitive: false,
  },
  KASSA_DELIVERY_INTERVAL_MS: {
    schema: z.coerce.number().int().min(50).default(1000),
    description: 'How often the worker looks for due webhook deliveries.',
    sensitive: false,
  },
  KASSA_WEBHOOK_TIMEOUT_MS: {
    schema: z.coerce.number().int().min(100).max(60_000).default(10_000),
    description: 'Time an endpoint has to answer a delivery with 2xx.',
    sensitive: false,
  },
  KASSA_WEBHOOK_MAX_AGE_SECONDS: {
    schema: z.coerce.number().int().min(60).default(3 * 24 * 3600),
    description: 'How long a delivery is retried before it is marked failed.',
    sensitive: false,
  },
  KASSA_WEBHOOK_ALLOW_PRIVATE_URLS: {
    schema: bool.default('false'),
    description: 'Allow webhook URLs on loopback and private networks (on by default under `npm start`).',
    sensitive: false,
  },
  KASSA_WEBHOOK_ENDPOINT_CONCURRENCY: {
    schema: z.coerce.number().int().min(1).max(32).default(4),
    description: 'Deliveries to one endpoint a worker sends at once; a dead endpoint holds at most this many of its 32 send slots.',
    sensitive: false,
  },
  KASSA_RATE_LIMIT_API_PER_MINUTE: {
    schema: z.coerce.number().int().min(0).default(1200),
    description: 'Requests per minute per API key on /v1, per api process (0: no limit).',
    sensitive: false,
  },
  KASSA_RATE_LIMIT_PUBLIC_PER_MINUTE: {
    schema: z.coerce.number().int().min(0).default(300),
    description: 'Requests per minute per client IP on public routes (/pay, /docs) and on /v1 without a valid API key, per api process (0: no limit).',
    sensitive: false,
  },
  KASSA_RATE_LIMIT_SIGN_IN_PER_MINUTE: {
    schema: z.coerce.number().int().min(0).default(20),
    description: 'Dashboard sign-in attempts (password or TOTP code) per minute per client IP, per api process (0: no limit); each user is also locked for 15 minutes after 5 failures in a row.',
    sensitive: false,
  },
  KASSA_RATE_LIMIT_PAYMENT_LINK_PER_MINUTE: {
    schema: z.coerce.number().int().min(0).default(30),
    description: 'Visits of payment links (/l/{id}, each creates a payment) per minute per client IP, per api process (0: no limit).',
    sensitive: false,
  },
  KASSA_TRUST_PROXY: {
    schema: bool.default('false'),
    description: 'Take the client IP from X-Forwarded-For; set it only behind a reverse proxy that sets that header.',
    sensitive: false,
  },
  KASSA_SETTLEMENT_PRIVATE_KEY: {
    schema: z.string().regex(PRIVATE_KEY, 'must be a 0x-prefixed 32-byte hex private key').optional(),
    description:
      'Private key of the gas payer that sends settlement transactions (flushes deposit addresses to treasuries) on every chain. Unset: no settlement, unless KASSA_SETTLEMENT_PRIVATE_KEYS names the chain. `npm start` uses a local development account.',
    sensitive: true,
  },
  KASSA_DEPLOYER_KEY: {
    schema: z.string().regex(PRIVATE_KEY, 'must be a 0x-prefixed 32-byte hex private key').optional(),
    description:
      'Private key that `kassa chain deploy` and `kassa rescue` send from (deploying the factory, paying a rescue\'s gas); `--key-file` names a file instead. Read by the CLI only.',
    sensitive: true,
  },
  KASSA_SETTLEMENT_PRIVATE_KEYS: {
    schema: privateKeysByChain,
    description: 'Gas payer keys per chain as JSON, `{"<chainId>": "0x..."}`; a chain listed here uses its own key instead of KASSA_SETTLEMENT_PRIVATE_KEY.',
    sensitive: true,
  },
  KASSA_PAYOUT_PRIVATE_KEY: {
    schema: z.string().regex(PRIVATE_KEY, 'must be a 0x-prefixed 32-byte hex private key').optional(),
    description:
      'Private key of the payout wallet: a hot wallet the merchant funds, from which the worker sends payouts and refunds (docs/refunds.md) on every chain. Must not be a settlement gas payer key. Unset: no payouts; refunds are paid from the merchant\'s wallet on the approval page. `npm start` uses a local development account.',
    sensitive: true,
  },
  KASSA_PAYOUT_LIMITS: {
    schema: payoutLimits,
    description:
      'Limits of the payout wallet per coin symbol as JSON, `{"USDC": {"perPayout": "500", "perDay": "5000"}}` (whole coins; per chain; a day is the last 24 hours). A coin not listed is never paid from the payout wallet.',
    sensitive: false,
  },
  KASSA_PAYOUT_INTERVAL_MS: {
    schema: z.coerce.number().int().min(100).default(5000),
    description: 'How often the worker sends pending payouts and refunds, follows their transactions, and looks for refunds paid from merchants\' wallets.',
    sensitive: false,
  },
  KASSA_REFUND_APPROVAL_TTL_SECONDS: {
    schema: z.coerce.number().int().min(60).default(7 * 24 * 3600),
    description: 'How long a refund\'s approvalUrl (the page that pays it from the merchant\'s wallet) works; `POST /v1/refunds/{id}/approval` issues a new one.',
    sensitive: false,
  },
  KASSA_DASHBOARD_SECRET: {
    schema: z.string().min(32, 'must be at least 32 characters').optional(),
    description:
      'Secret that signs the dashboard\'s session cookie (docs/dashboard.md); every api replica needs the same one. Unset: a random secret per process, so sessions end when the api restarts.',
    sensitive: true,
  },
  KASSA_SETTLEMENT_INTERVAL_MS: {
    schema: z.coerce.number().int().min(100).default(5000),
    description: 'How often the worker looks for payments to settle and follows its settlement transactions; also the first retry delay after a failure.',
    sensitive: false,
  },
  KASSA_SETTLEMENT_BATCH_SIZE: {
    schema: z.coerce.number().int().min(1).max(200).default(50),
    description: 'Most deposit addresses flushed in one settlement transaction.',
    sensitive: false,
  },
  KASSA_SETTLEMENT_REPLACE_AFTER_SECONDS: {
    schema: z.coerce.number().int().min(1).default(180),
    description: 'How long a settlement transaction may wait unmined before it is replaced (same nonce) with higher fees.',
    sensitive: false,
  },
  KASSA_SETTLEMENT_FEE_BUMP_PERCENT: {
    schema: z.coerce.number().int().min(10).max(500).default(25),
    description: 'How much a replacement settlement transaction raises both fees, percent (nodes require at least 10).',
    sensitive: false,
  },
  KASSA_SETTLEMENT_LOOKBACK_SECONDS: {
    schema: z.coerce.number().int().min(3600).default(35 * 24 * 3600),
    description: 'Payments that became final longer ago than this are no longer settled by Kassa (their merchant can still flush them). Keep it above the longest policy wait (30 days) and the late-transfer window.',
    sensitive: false,
  },
  KASSA_JOBS_EXPIRY: {
    schema: bool.default('true'),
    description: 'Run the expiry scheduler in this worker.',
    sensitive: false,
  },
  KASSA_JOBS_DELIVERY: {
    schema: bool.default('true'),
    description: 'Run webhook delivery in this worker.',
    sensitive: false,
  },
  KASSA_JOBS_SETTLEMENT: {
    schema: bool.default('true'),
    description: 'Run settlement in this worker (on the chains that have a gas payer key).',
    sensitive: false,
  },
  KASSA_JOBS_PAYOUTS: {
    schema: bool.default('true'),
    description: 'Send payouts and refunds from the payout wallet, and follow refunds paid from merchants\' wallets, in this worker.',
    sensitive: false,
  },
  KASSA_HEALTH_MAX_LAG_BLOCKS: {
    schema: z.coerce.number().int().min(0).default(50),
    description: 'Blocks a chain watcher may be behind the node head before `/health/ready` reports the chain `lagging` and `kassa_chain_up` is 0.',
    sensitive: false,
  },
  KASSA_OPERATOR_TOKEN: {
    schema: z.string().min(16, 'must be at least 16 characters').optional(),
    description: 'Token that opens the operator status page `/ops` (HTTP Basic password or Bearer token). Unset: no `/ops` page.',
    sensitive: true,
  },
  KASSA_METRICS_PORT: {
    schema: z.coerce.number().int().min(0).max(65535).optional(),
    description: 'Port of the Prometheus `/metrics` of a watcher or worker run on its own (the api serves `/metrics` on its own port). Unset: no metrics port.',
    sensitive: false,
  },
  KASSA_METRICS_HOST: {
    schema: z.string().min(1).default('127.0.0.1'),
    description: 'Interface the metrics port of a watcher or worker listens on.',
    sensitive: false,
  },
  KASSA_LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'log', 'debug', 'verbose']).default('log'),
    description: 'Lowest log level printed.',
    sensitive: false,
  },
  KASSA_LOG_FORMAT: {
    schema: z.enum(['json', 'pretty']).optional(),
    description: 'Log lines as JSON objects (`json`) or human-readable (`pretty`). Default: `pretty` in `npm start`, `json` for the api, watcher and worker run on their own.',
    sensitive: false,
  },
} as const;

type Environment = typeof ENVIRONMENT;
type EnvValues = { [K in keyof Environment]: z.output<Environment[K]['schema']> };

/** Kassa's whole configuration, validated and typed. */
export interface KassaConfig {
  database: { url: string | undefined; poolSize: number };
  api: { host: string; port: number; publicUrl: string | undefined };
  chains: ChainConfig[];
  payments: { confirmationGraceSeconds: number; lateTransferWindowSeconds: number };
  jobs: {
    expiry: { enabled: boolean; intervalMs: number; batchSize: number };
    delivery: { enabled: boolean; intervalMs: number };
    settlement: { enabled: boolean; intervalMs: number; batchSize: number };
    payouts: { enabled: boolean; intervalMs: number };
  };
  /** The merchant dashboard (docs/dashboard.md): the secret that signs its session cookie (null: random per process). */
  dashboard: { sessionSecret: Secret | null };
  /** Money going out (docs/refunds.md): the payout wallet, its limits per coin (whole coins), the approval links' lifetime. */
  payouts: {
    walletKey: Secret | null;
    limits: Record<string, { perPayout: string; perDay: string }>;
    approvalTtlSeconds: number;
  };
  /** Settlement (docs/settlement.md): the gas payers and how their transactions are sent. */
  settlement: {
    /** The gas payer's private key for chains without one of their own; null: none. */
    defaultGasPayerKey: Secret | null;
    /** Gas payer private keys by chain id. */
    gasPayerKeys: Record<number, Secret>;
    replaceAfterSeconds: number;
    feeBumpPercent: number;
    lookbackSeconds: number;
  };
  webhooks: { timeoutMs: number; maxAgeSeconds: number; allowPrivateUrls: boolean; endpointConcurrency: number };
  /** The HTTP front of the api: client IPs and rate limits (0 = no limit). */
  http: { trustProxy: boolean; rateLimit: { apiPerMinute: number; publicPerMinute: number; signInPerMinute: number; paymentLinkPerMinute: number } };
  /** The operator status page `/ops`: its token (null: no page); the CLI's deployer key (`KASSA_DEPLOYER_KEY`, null: none). */
  operator: { token: Secret | null; deployerKey: Secret | null };
  /** `/health/ready`: how far behind the head a followed chain may be and still be `ok`. */
  health: { maxLagBlocks: number };
  /** The metrics port of a watcher or worker run on its own (port undefined: none). */
  metrics: { host: string; port: number | undefined };
  logLevel: EnvValues['KASSA_LOG_LEVEL'];
  /** Undefined: the process picks (see `KASSA_LOG_FORMAT`). */
  logFormat: 'json' | 'pretty' | undefined;
}

/** The configuration is invalid; `problems` lists every bad variable (never their values). */
export class ConfigError extends KassaError<'config_invalid'> {
  readonly code = 'config_invalid' as const;

  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * The chains: the known networks of `KASSA_NETWORKS` (presets with their RPC URLs), then the
 * chain objects of `KASSA_CHAINS` / `KASSA_CHAINS_FILE`; an object whose chainId is a named
 * network's overrides that preset field by field instead of adding a chain.
 */
function parseChains(values: EnvValues, env: NodeJS.ProcessEnv, readFile: (path: string) => string): { chains: ChainConfig[]; problems: string[] } {
  const source = values.KASSA_CHAINS ? 'KASSA_CHAINS' : values.KASSA_CHAINS_FILE ? 'KASSA_CHAINS_FILE' : 'chains';
  let custom: unknown = [];
  if (source !== 'chains') {
    try {
      custom = JSON.parse(source === 'KASSA_CHAINS' ? values.KASSA_CHAINS! : readFile(values.KASSA_CHAINS_FILE!));
    } catch (error) {
      return { chains: [], problems: [`${source}: cannot be read as JSON (${(error as Error).message})`] };
    }
    if (!Array.isArray(custom)) return { chains: [], problems: [`${source}: must be a JSON array of chain objects`] };
  }
  const overrides = new Map<unknown, Record<string, unknown>>();
  for (const entry of custom as unknown[]) {
    if (typeof entry === 'object' && entry !== null && 'chainId' in entry) overrides.set((entry as { chainId: unknown }).chainId, entry as Record<string, unknown>);
  }
  const problems: string[] = [];
  const named = values.KASSA_NETWORKS.map((name) => {
    const preset = NETWORK_PRESETS[name];
    const urls = (env[rpcUrlVariable(name)] ?? '').split(',').map((url) => url.trim()).filter(Boolean);
    const override = overrides.get(preset.chain.id);
    if (urls.length === 0 && !override?.rpcUrls) problems.push(`${rpcUrlVariable(name)}: required for network ${name} in KASSA_NETWORKS`);
    return { ...presetChainConfig(preset, urls, env[wsUrlVariable(name)] || undefined), ...override };
  });
  const namedIds = new Set(values.KASSA_NETWORKS.map((name) => NETWORK_PRESETS[name].chain.id));
  const others = (custom as unknown[]).filter((entry) => !(typeof entry === 'object' && entry !== null && namedIds.has((entry as { chainId?: unknown }).chainId as number)));
  if (problems.length) return { chains: [], problems };
  const all = [...named, ...others];
  const parsed = chainsConfigSchema.safeParse(all);
  if (parsed.success) return { chains: parsed.data, problems: [] };
  // Named as the operator wrote it: KASSA_CHAINS[<index in the array>.<field>], KASSA_NETWORKS[<name>.<field>].
  const origin = (index: number) => (index < named.length ? `KASSA_NETWORKS[${values.KASSA_NETWORKS[index]}` : `${source}[${(custom as unknown[]).indexOf(all[index])}`);
  return {
    chains: [],
    problems: parsed.error.issues.map((issue) => {
      const [index, ...rest] = issue.path;
      return typeof index === 'number' ? `${origin(index)}${rest.length ? `.${rest.join('.')}` : ''}]: ${issue.message}` : `${source}: ${issue.message}`;
    }),
  };
}

/**
 * Reads and validates the environment once, into one typed object.
 * @throws ConfigError listing every variable at fault (values of sensitive ones are never shown)
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): KassaConfig {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(ENVIRONMENT)) {
    const raw = env[name] === '' ? undefined : env[name];
    const parsed = (setting.schema as z.ZodTypeAny).safeParse(raw);
    if (parsed.success) values[name] = parsed.data;
    else problems.push(`${name}: ${parsed.error.issues.map((issue) => issue.message).join(', ')}`);
  }
  const typed = values as EnvValues;
  const { chains, problems: chainProblems } = problems.length ? { chains: [], problems: [] } : parseChains(typed, env, readFile);
  problems.push(...chainProblems);
  const payoutKey = typed.KASSA_PAYOUT_PRIVATE_KEY?.toLowerCase();
  if (payoutKey && [typed.KASSA_SETTLEMENT_PRIVATE_KEY, ...Object.values(typed.KASSA_SETTLEMENT_PRIVATE_KEYS ?? {})].some((key) => key?.toLowerCase() === payoutKey)) {
    // One key, two senders: each would take the other's transactions for its own.
    problems.push('KASSA_PAYOUT_PRIVATE_KEY: must not be a settlement gas payer key (KASSA_SETTLEMENT_PRIVATE_KEY, KASSA_SETTLEMENT_PRIVATE_KEYS)');
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    database: { url: typed.DATABASE_URL, poolSize: typed.DATABASE_POOL_SIZE },
    api: { host: typed.KASSA_API_HOST, port: typed.KASSA_API_PORT, publicUrl: typed.KASSA_PUBLIC_URL },
    chains,
    payments: {
      confirmationGraceSeconds: typed.KASSA_CONFIRMATION_GRACE_SECONDS,
      lateTransferWindowSeconds: typed.KASSA_LATE_TRANSFER_WINDOW_SECONDS,
    },
    jobs: {
      expiry: { enabled: typed.KASSA_JOBS_EXPIRY, intervalMs: typed.KASSA_EXPIRY_INTERVAL_MS, batchSize: typed.KASSA_EXPIRY_BATCH_SIZE },
      delivery: { enabled: typed.KASSA_JOBS_DELIVERY, intervalMs: typed.KASSA_DELIVERY_INTERVAL_MS },
      settlement: { enabled: typed.KASSA_JOBS_SETTLEMENT, intervalMs: typed.KASSA_SETTLEMENT_INTERVAL_MS, batchSize: typed.KASSA_SETTLEMENT_BATCH_SIZE },
      payouts: { enabled: typed.KASSA_JOBS_PAYOUTS, intervalMs: typed.KASSA_PAYOUT_INTERVAL_MS },
    },
    dashboard: { sessionSecret: typed.KASSA_DASHBOARD_SECRET ? new Secret(typed.KASSA_DASHBOARD_SECRET) : null },
    payouts: {
      walletKey: typed.KASSA_PAYOUT_PRIVATE_KEY ? new Secret(typed.KASSA_PAYOUT_PRIVATE_KEY) : null,
      limits: typed.KASSA_PAYOUT_LIMITS,
      approvalTtlSeconds: typed.KASSA_REFUND_APPROVAL_TTL_SECONDS,
    },
    settlement: {
      defaultGasPayerKey: typed.KASSA_SETTLEMENT_PRIVATE_KEY ? new Secret(typed.KASSA_SETTLEMENT_PRIVATE_KEY) : null,
      gasPayerKeys: Object.fromEntries(Object.entries(typed.KASSA_SETTLEMENT_PRIVATE_KEYS ?? {}).map(([chainId, key]) => [Number(chainId), new Secret(key)])),
      replaceAfterSeconds: typed.KASSA_SETTLEMENT_REPLACE_AFTER_SECONDS,
      feeBumpPercent: typed.KASSA_SETTLEMENT_FEE_BUMP_PERCENT,
      lookbackSeconds: typed.KASSA_SETTLEMENT_LOOKBACK_SECONDS,
    },
    webhooks: {
      timeoutMs: typed.KASSA_WEBHOOK_TIMEOUT_MS,
      maxAgeSeconds: typed.KASSA_WEBHOOK_MAX_AGE_SECONDS,
      allowPrivateUrls: typed.KASSA_WEBHOOK_ALLOW_PRIVATE_URLS,
      endpointConcurrency: typed.KASSA_WEBHOOK_ENDPOINT_CONCURRENCY,
    },
    http: {
      trustProxy: typed.KASSA_TRUST_PROXY,
      rateLimit: { apiPerMinute: typed.KASSA_RATE_LIMIT_API_PER_MINUTE, publicPerMinute: typed.KASSA_RATE_LIMIT_PUBLIC_PER_MINUTE, signInPerMinute: typed.KASSA_RATE_LIMIT_SIGN_IN_PER_MINUTE, paymentLinkPerMinute: typed.KASSA_RATE_LIMIT_PAYMENT_LINK_PER_MINUTE },
    },
    operator: { token: typed.KASSA_OPERATOR_TOKEN ? new Secret(typed.KASSA_OPERATOR_TOKEN) : null, deployerKey: typed.KASSA_DEPLOYER_KEY ? new Secret(typed.KASSA_DEPLOYER_KEY) : null },
    health: { maxLagBlocks: typed.KASSA_HEALTH_MAX_LAG_BLOCKS },
    metrics: { host: typed.KASSA_METRICS_HOST, port: typed.KASSA_METRICS_PORT },
    logLevel: typed.KASSA_LOG_LEVEL,
    logFormat: typed.KASSA_LOG_FORMAT,
  };
}

/** The gas payer key that settles on `chainId`: the chain's own, else the default; null when settlement is off there. */
export function settlementKeyFor(config: Pick<KassaConfig, 'settlement'>, chainId: number): Secret | null {
  return config.settlement.gasPayerKeys[chainId] ?? config.settlement.defaultGasPayerKey;
}

/** The public base URL merchants' customers reach the API at. */
export function publicUrlOf(config: KassaConfig, listeningPort?: number): string {
  if (config.api.publicUrl) return config.api.publicUrl.replace(/\/$/, '');
  return `http://${config.api.host}:${listeningPort ?? config.api.port}`;
}

/**
 * The database settings every app passes to the persistence module (the same object for
 * all three, so the embedded default shares one pool).
 * @throws ConfigError when no database URL is known
 */
export function persistenceOptions(config: KassaConfig): { databaseUrl: string; poolSize: number } {
  if (!config.database.url) throw new ConfigError(['DATABASE_URL: required to start this app on its own']);
  return { databaseUrl: config.database.url, poolSize: config.database.poolSize };
}

/** The Markdown table of every environment variable (docs/configuration.md embeds it). */
export function configurationTable(): string {
  const rows = Object.entries(ENVIRONMENT).map(([name, setting]) => {
    const parsed = (setting.schema as z.ZodTypeAny).safeParse(undefined);
    const fallback = parsed.success && parsed.data !== undefined ? `\`${String(parsed.data)}\`` : '—';
    return `| \`${name}\` | ${fallback} | ${setting.sensitive ? 'yes' : 'no'} | ${setting.description} |`;
  });
  return ['| variable | default | secret | what it does |', '|---|---|---|---|', ...rows].join('\n');
}
