import 'reflect-metadata';

import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

import { Command, InvalidArgumentError } from 'commander';

import { createMerchantWithKey, inviteDashboardUser, passwordResetLink } from '@kassa/api';
import { HARDHAT_ACCOUNTS, isHexAddress, LOCAL_ROLES, provisionLocalChain } from '@kassa/chain';
import { type ChainConfig, type KassaConfig, loadConfig } from '@kassa/config';
import { asMerchantId, fromBaseUnits, KassaError, type MerchantId, SETTLEMENT_STATUSES, type SettlementStatus } from '@kassa/domain';
import { redactText } from '@kassa/observability';
import type { CreateRefundParams, PayoutListParams, RefundListParams } from '@kassa/sdk';
import { type Merchant, runMigrations } from '@kassa/persistence';

import { listenForWebhooks } from './commands/listen.command';
import { chainsStatus, formatChains, formatPayment, redeliverEvent, showPayment } from './commands/inspect.commands';
import {
  createMerchantApiKey,
  createMerchantWebhookEndpoint,
  listMerchantApiKeys,
  listMerchantWebhookEndpoints,
  parseScopes,
  revokeMerchantApiKey,
  showMerchant,
  updateMerchantSettings,
} from './commands/operator.commands';
import { forgetChainHistory } from './commands/chain.commands';
import { DEPLOYER_KEY_VARIABLE, deployerKey, deployToChain, formatDeployment, verifyChains } from './commands/deploy.commands';
import { formatRescue, rescuePayment } from './commands/rescue.command';
import { CliError, payPayment } from './commands/pay.command';
import { formatSettlement, formatSettlementPolicy, listSettlements, setSettlementPolicy, showSettlementPolicy } from './commands/settlements.command';
import { callMerchantApi, type MerchantApi } from './commands/merchant-api';
import { formatPayout, formatPayoutLine, formatRefund, formatRefundLine } from './commands/refunds.commands';
import { formatPaymentLink, formatPaymentLinkLine, paymentLinkBody, type PaymentLinkOptions, terminalQrCode } from './commands/payment-links.commands';
import { startEmbedded } from './commands/start.command';
import { withDatabase } from './commands/with-database';
import { localChainsFile, readLocalState } from './embedded/local-state';

const print = (line: string) => process.stdout.write(`${line}\n`);

function config(): KassaConfig {
  return loadConfig();
}

function databaseUrl(): string {
  const url = config().database.url ?? readLocalState().databaseUrl;
  if (!url) throw new CliError('No database: set DATABASE_URL, or run `npm start` first');
  return url;
}

function apiUrl(option: string | undefined): string {
  return option ?? readLocalState().apiUrl ?? 'http://127.0.0.1:3000';
}

function localChains(): ChainConfig[] {
  const configured = config().chains;
  if (configured.length) return configured;
  const file = localChainsFile();
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ChainConfig[]) : [];
}

const integer = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number`);
  return Number(value);
};

const address = (value: string) => {
  if (!isHexAddress(value)) throw new InvalidArgumentError('must be a 0x-prefixed 20-byte address');
  return value;
};

const collect = (value: string, previous: string[]) => [...previous, value];

function printMerchant(shown: Merchant): void {
  print(`Merchant ${shown.id}: ${shown.name}`);
  print(`  treasury (default): ${shown.treasuryAddress}`);
  for (const [chainId, treasury] of Object.entries(shown.treasuries)) print(`  treasury on chain ${chainId}: ${treasury}`);
  print(`  tolerance: ${shown.tolerancePercent}%   default expiry: ${shown.defaultExpiresInSeconds} s`);
  print(`  allowed origins: ${shown.allowedOrigins.length ? shown.allowedOrigins.join(', ') : 'none'}`);
}

const program = new Command('kassa')
  .description('Kassa: self-hosted, non-custodial crypto payments on EVM chains')
  .showHelpAfterError();

program
  .command('start')
  .description('Start the embedded default: PostgreSQL, two local chains, api + watcher + worker in one process')
  .action(async () => {
    const kassa = await startEmbedded(config(), print);
    print('');
    print(`Kassa is running.`);
    print(`  API:          ${kassa.apiUrl}   (OpenAPI: ${kassa.apiUrl}/docs)`);
    print(`  Demo API key: ${kassa.apiKey}`);
    print(`  Dashboard:    ${kassa.apiUrl}/dashboard   (sign in as ${kassa.dashboard.email} / ${kassa.dashboard.password})`);
    for (const { chainId, rpcUrl } of kassa.rpcUrls) print(`  Local chain:  ${rpcUrl}   (chain id ${chainId})`);
    print(`  Settlement:   ${kassa.settling ? 'paid funds are flushed to the treasury (npm run kassa -- settlements list)' : 'off (no KASSA_SETTLEMENT_PRIVATE_KEY)'}`);
    print(`  Payment link: ${kassa.paymentLink.url}   (each visit creates a 5.00 USD payment; QR code: ${kassa.paymentLink.qrCodeUrl})`);
    print(`  Payouts:      ${kassa.payoutWallet ? `refunds and payouts are sent from ${kassa.payoutWallet} (npm run kassa -- refund create <payment id>)` : 'off (no KASSA_PAYOUT_PRIVATE_KEY): refunds are paid on their approval page'}`);
    print('');
    print('Create a payment:');
    print(`  curl -s ${kassa.apiUrl}/v1/payments -H "Authorization: Bearer ${kassa.apiKey}" -H "content-type: application/json" -d '{"amount":"25.00","currency":"USDC","chainId":${kassa.rpcUrls[0]!.chainId}}'`);
    print('Pay it from a funded local account:');
    print('  npm run kassa -- pay <payment id>');
    print('Print verified webhooks:');
    print('  npm run kassa -- listen');
    print('');
  });

program
  .command('pay')
  .description('Customer simulator: pay a payment from a funded local account')
  .argument('<paymentId>', 'the payment id, pay_...')
  .option('--amount <decimal>', 'amount in the paid coin (default: what is still missing)')
  .option('--currency <symbol>', 'pay the payment option of this coin (a priced payment), e.g. ETH or USDT')
  .option('--chain-id <id>', 'with --currency: the chain of the option, when the coin is offered on several', integer('chain id'))
  .option('--api <url>', 'Kassa API URL (default: the running npm start)')
  .option('--rpc <url>', 'JSON-RPC URL of the chain paid on (default: the configured or local chain of that id)')
  .option('--account <index>', `local account 0-9 that pays (default ${LOCAL_ROLES.customers[0]})`, integer('account'), LOCAL_ROLES.customers[0])
  .action(async (paymentId: string, options: { amount?: string; currency?: string; chainId?: number; api?: string; rpc?: string; account: number }) => {
    const account = HARDHAT_ACCOUNTS[options.account];
    if (!account) throw new CliError(`--account must be 0 to ${HARDHAT_ACCOUNTS.length - 1}`);
    if (options.chainId !== undefined && options.currency === undefined) throw new CliError('--chain-id needs --currency');
    const rpcUrl = (chainId: number) => options.rpc ?? localChains().find((chain) => chain.chainId === chainId)?.rpcUrls[0];
    const result = await payPayment(paymentId, {
      apiUrl: apiUrl(options.api),
      rpcUrl,
      privateKey: account.privateKey,
      amount: options.amount,
      currency: options.currency,
      chainId: options.chainId,
    });
    print(`Sent ${fromBaseUnits(result.amountBaseUnits, result.paid.decimals)} ${result.paid.currency} to ${result.paid.depositAddress} on chain ${result.paid.chainId}`);
    print(`  from ${account.address}, transaction ${result.txHash}`);
  });

program
  .command('listen')
  .description('Register a local webhook endpoint with the API and print every event it receives, with its signature verified')
  .option('--port <port>', 'local port to listen on', integer('port'), 4000)
  .option('--api <url>', 'Kassa API URL (default: the running npm start)')
  .option('--key <apiKey>', 'API key (default: the demo key of npm start)')
  .action(async (options: { port: number; api?: string; key?: string }) => {
    const api = apiUrl(options.api);
    const key = options.key ?? readLocalState().demo?.apiKey;
    if (!key) throw new CliError('No API key: pass --key, or run `npm start` first');
    const url = `http://127.0.0.1:${options.port}/webhooks`;
    const endpoint = await callMerchantApi({ apiUrl: api, apiKey: key }, (kassa) => kassa.webhookEndpoints.create({ url, description: 'kassa listen' }));
    const close = await listenForWebhooks(options.port, endpoint.secret, print);
    print(`Listening on ${url} (webhook endpoint ${endpoint.id}); events appear below. Ctrl-C to stop.`);
    // The endpoint lives as long as this listener: a later `listen` gets its own secret,
    // and deliveries to a dead endpoint would only pile up.
    const stop = () => {
      void callMerchantApi({ apiUrl: api, apiKey: key }, (kassa) => kassa.webhookEndpoints.delete(endpoint.id))
        .catch(() => undefined)
        .then(close)
        .finally(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

const merchant = program.command('merchant').description('Manage merchants');
merchant
  .command('create')
  .description('Create a merchant and its first API key (shown once)')
  .requiredOption('--name <name>', 'merchant name')
  .requiredOption('--treasury <address>', 'treasury address the deposit addresses forward to', address)
  .option('--tolerance <percent>', 'underpayment accepted as paid, percent', '0')
  .action(async (options: { name: string; treasury: `0x${string}`; tolerance: string }) => {
    if (!/^\d{1,2}(\.\d{1,2})?$/.test(options.tolerance)) throw new CliError('--tolerance must be a percentage from 0 to 99.99');
    const created = await withDatabase(databaseUrl(), (dataSource) =>
      createMerchantWithKey(dataSource, { name: options.name, treasuryAddress: options.treasury, tolerancePercent: options.tolerance }),
    );
    print(`Merchant ${created.merchantId}`);
    print(`API key (shown once): ${created.apiKey}`);
  });

merchant
  .command('show')
  .description('Print a merchant\'s settings')
  .requiredOption('--merchant <id>', 'merchant id, mer_...')
  .action(async (options: { merchant: string }) => {
    const shown = await withDatabase(databaseUrl(), (dataSource) => showMerchant(dataSource, asMerchantId(options.merchant)));
    printMerchant(shown);
  });

merchant
  .command('settings')
  .description('Change a merchant\'s settings (the same rules as PATCH /v1/merchant); options left out keep their value')
  .requiredOption('--merchant <id>', 'merchant id, mer_...')
  .option('--name <name>', 'merchant name')
  .option('--treasury <address>', 'default treasury (EIP-55 address)')
  .option('--chain-treasury <chainId=address>', 'treasury for one chain, or <chainId>=default to use the default; repeatable', collect, [])
  .option('--tolerance <percent>', 'underpayment accepted as paid, percent (0 to 99.99)')
  .option('--default-expiry <seconds>', 'deadline of payments that set none (60 to 604800)')
  .option('--allowed-origins <list>', 'comma-separated checkout origins (https://shop.example); empty clears')
  .action(async (options: { merchant: string; name?: string; treasury?: string; chainTreasury: string[]; tolerance?: string; defaultExpiry?: string; allowedOrigins?: string }) => {
    const updated = await withDatabase(databaseUrl(), (dataSource) =>
      updateMerchantSettings(dataSource, localChains(), asMerchantId(options.merchant), {
        name: options.name,
        treasury: options.treasury,
        chainTreasuries: options.chainTreasury,
        tolerance: options.tolerance,
        defaultExpirySeconds: options.defaultExpiry,
        allowedOrigins: options.allowedOrigins,
      }),
    );
    printMerchant(updated);
  });

const apiKey = program.command('api-key').description('Manage a merchant\'s API keys');
apiKey
  .command('create')
  .description('Create an API key for a merchant (shown once; only its hash is stored)')
  .requiredOption('--merchant <id>', 'merchant id, mer_...')
  .option('--scopes <list>', 'comma-separated scopes: read, write', 'read,write')
  .option('--name <label>', 'a label for the key')
  .action(async (options: { merchant: string; scopes: string; name?: string }) => {
    const scopes = parseScopes(options.scopes);
    const created = await withDatabase(databaseUrl(), (dataSource) => createMerchantApiKey(dataSource, asMerchantId(options.merchant), scopes, options.name));
    print(`API key ${created.apiKey.id} (${created.apiKey.scopes.join(',')})`);
    print(`API key (shown once): ${created.key}`);
  });
apiKey
  .command('list')
  .description('List a merchant\'s API keys: prefix, scopes, dates (never the key)')
  .requiredOption('--merchant <id>', 'merchant id, mer_...')
  .action(async (options: { merchant: string }) => {
    const keys = await withDatabase(databaseUrl(), (dataSource) => listMerchantApiKeys(dataSource, asMerchantId(options.merchant)));
    for (const key of keys) {
      print(
        `${key.id}  ${key.prefix}...  ${key.scopes.join(',').padEnd(10)} created ${key.createdAt.toISOString()}` +
          `  last used ${key.lastUsedAt?.toISOString() ?? 'never'}${key.revokedAt ? `  REVOKED ${key.revokedAt.toISOString()}` : ''}${key.name ? `  ${key.name}` : ''}`,
      );
    }
    if (keys.length === 0) print('No API keys');
  });
apiKey
  .command('revoke')
  .description('Revoke an API key at once (an operator may revoke a merchant\'s last key)')
  .requiredOption('--merchant <id>', 'merchant id, mer_...')
  .argument('<keyId>', 'the key id, key_...')
  .action(async (keyId: string, options: { merchant: string }) => {
    await withDatabase(databaseUrl(), (dataSource) => revokeMerchantApiKey(dataSource, asMerchantId(options.merchant), keyId));
    print(`Revoked ${keyId}`);
  });

const webhookEndpoint = program.command('webhook-endpoint').description('Manage a merchant\'s webhook endpoints');
webhookEndpoint
  .command('create')
  .description('Register a webhook endpoint for a merchant and print its signing secret (shown once)')
  .requiredOption('--merchant <id>', 'merchant id, mer_...')
  .requiredOption('--url <url>', 'http(s) URL that receives the events')
  .option('--events <list>', 'comma-separated event types (default: every type)')
  .option('--description <text>', 'a label for the endpoint')
  .action(async (options: { merchant: string; url: string; events?: string; description?: string }) => {
    const endpoint = await withDatabase(databaseUrl(), (dataSource) =>
      createMerchantWebhookEndpoint(dataSource, config().webhooks, asMerchantId(options.merchant), options),
    );
    print(`Webhook endpoint ${endpoint.id} -> ${endpoint.url} (${endpoint.enabledEvents.length ? endpoint.enabledEvents.join(',') : 'every event type'})`);
    print(`Signing secret (shown once): ${endpoint.secret}`);
  });
webhookEndpoint
  .command('list')
  .description('List a merchant\'s webhook endpoints')
  .requiredOption('--merchant <id>', 'merchant id, mer_...')
  .action(async (options: { merchant: string }) => {
    const endpoints = await withDatabase(databaseUrl(), (dataSource) => listMerchantWebhookEndpoints(dataSource, asMerchantId(options.merchant)));
    for (const endpoint of endpoints) {
      print(`${endpoint.id}  ${endpoint.enabled ? 'enabled ' : 'disabled'}  ${endpoint.url}  ${endpoint.enabledEvents.length ? endpoint.enabledEvents.join(',') : 'every event type'}`);
    }
    if (endpoints.length === 0) print('No webhook endpoints');
  });

const payment = program.command('payment').description('Inspect payments');
payment
  .command('show')
  .description('Print a payment of any merchant with its transfers and the deliveries of its events')
  .argument('<paymentId>', 'the payment id, pay_...')
  .action(async (paymentId: string) => {
    const details = await withDatabase(databaseUrl(), (dataSource) => showPayment(dataSource, paymentId));
    for (const line of formatPayment(details)) print(line);
  });

program
  .command('chains')
  .description('Print each chain as its watcher reports it: status, head block, cursor (last stored block) and lag in blocks and seconds')
  .action(async () => {
    const chains = await withDatabase(databaseUrl(), (dataSource) => chainsStatus(dataSource, localChains(), config().health.maxLagBlocks));
    for (const line of formatChains(chains)) print(line);
  });

const chain = program.command('chain').description('Chains: deploy the factory, verify the configuration, forget a replaced chain');
chain
  .command('deploy')
  .description(
    'Deploy the DepositFactory through the deterministic deployment proxy (the same address on every chain); a dry run unless --broadcast. ' +
      `The deployer key comes from ${DEPLOYER_KEY_VARIABLE} or --key-file, never from an argument`,
  )
  .requiredOption('--rpc <url>', 'JSON-RPC URL of the chain')
  .option('--key-file <file>', 'file whose first line is the deployer\'s private key')
  .option('--broadcast', 'send the transactions (default: only show what would be sent)', false)
  .action(async (options: { rpc: string; keyFile?: string; broadcast: boolean }) => {
    const outcome = await deployToChain(options.rpc, deployerKey(options.keyFile, config().operator.deployerKey), options.broadcast);
    for (const line of formatDeployment(outcome)) print(line);
  });
chain
  .command('verify')
  .description('Check every configured chain against its node: chain id, token decimals and symbols, the factory\'s and implementation\'s code')
  .action(async () => {
    const { ok, lines } = await verifyChains(localChains());
    for (const line of lines) print(line);
    if (!ok) throw new CliError('The chains do not match the configuration (see above)');
  });
chain
  .command('forget')
  .description(
    "Forget a chain's history after its node was replaced by another chain (a reset development node): its transfers stop counting, " +
      'PENDING payments return to CREATED, PAID ones get exception REORGED, and the watcher follows the node\'s chain afresh',
  )
  .argument('<chainId>', 'EIP-155 chain id', integer('chainId'))
  .action(async (chainId: number) => {
    const { orphanedPayments } = await withDatabase(databaseUrl(), (dataSource) =>
      forgetChainHistory(dataSource, { ...config(), chains: localChains() }, chainId),
    );
    print(`Forgot the history of chain ${chainId}: transfers of ${orphanedPayments} payment(s) no longer count.`);
  });

program
  .command('rescue')
  .description(
    "Move coins a customer sent to a payment's deposit address on a chain Kassa does not watch to the treasury the address is bound to " +
      '(deploys the DepositFactory there first if it is missing); a dry run unless --broadcast. ' +
      `The key paying the gas comes from ${DEPLOYER_KEY_VARIABLE} or --key-file`,
  )
  .requiredOption('--payment <id>', 'the payment whose deposit address was paid')
  .requiredOption('--rpc <url>', 'JSON-RPC URL of the chain the coins were sent on')
  .option('--token <address>', 'an ERC-20 contract to look for besides the native coin (repeatable)', (value: string, all: `0x${string}`[]) => [...all, address(value)], [] as `0x${string}`[])
  .option('--key-file <file>', 'file whose first line is the private key paying the gas')
  .option('--broadcast', 'send the transactions (default: only show what would move)', false)
  .action(async (options: { payment: string; rpc: string; token: `0x${string}`[]; keyFile?: string; broadcast: boolean }) => {
    const key = deployerKey(options.keyFile, config().operator.deployerKey);
    const outcomes = await withDatabase(databaseUrl(), (dataSource) =>
      rescuePayment(dataSource, {
        paymentId: options.payment,
        rpcUrl: options.rpc,
        key,
        tokens: options.token,
        watchedChainIds: localChains().map((chain) => chain.chainId),
        broadcast: options.broadcast,
      }),
    );
    for (const line of formatRescue(options.payment, outcomes)) print(line);
  });

const event = program.command('event').description('Webhook events');
event
  .command('redeliver')
  .description('Queue an event for delivery again now, to every enabled endpoint subscribed to its type or to one endpoint')
  .argument('<eventId>', 'the event id, evt_...')
  .option('--endpoint <id>', 'only this webhook endpoint, we_...')
  .action(async (eventId: string, options: { endpoint?: string }) => {
    const queued = await withDatabase(databaseUrl(), (dataSource) => redeliverEvent(dataSource, eventId, options.endpoint));
    if (queued.length === 0) print(`Event ${eventId}: no enabled endpoint subscribed to it; nothing queued`);
    for (const delivery of queued) print(`Queued ${delivery.deliveryId} of ${eventId} to ${delivery.endpointId}`);
  });

/** The merchant a settlement command is about: --merchant, else the demo merchant of `npm start`. */
function merchantOrDemo(option: string | undefined): MerchantId {
  const id = option ?? readLocalState().demo?.merchantId;
  if (!id) throw new CliError('No merchant: pass --merchant, or run `npm start` first');
  return asMerchantId(id);
}

/** The merchant API and key a refund or payout command calls with. @throws CliError without a key */
function merchantApi(options: { api?: string; key?: string }): MerchantApi {
  const key = options.key ?? readLocalState().demo?.apiKey;
  if (!key) throw new CliError('No API key: pass --key, or run `npm start` first');
  return { apiUrl: apiUrl(options.api), apiKey: key };
}

/** A subcommand of `parent` that calls the merchant API: with `--api` and `--key`. */
function merchantApiCommand(parent: Command, name: string): Command {
  return parent
    .command(name)
    .option('--api <url>', 'Kassa API URL (default: the running npm start)')
    .option('--key <apiKey>', 'API key (default: the demo key of npm start)');
}

/** A fresh idempotency key, printed so the same command can be repeated with it after a lost answer. */
const newIdempotencyKey = (given?: string): string => given ?? `cli-${randomUUID()}`;

const user = program.command('user').description('Dashboard users: invite, reset a password (prints a one-time link)');
user
  .command('invite')
  .description('Invite a dashboard user; prints the one-time link that sets the password (valid 24 hours)')
  .requiredOption('--merchant <id>', 'the merchant, mer_...')
  .requiredOption('--email <email>', 'their email (their sign-in name)')
  .option('--role <role>', 'owner, developer or viewer', 'viewer')
  .action(async (options: { merchant: string; email: string; role: string }) => {
    const invited = await withDatabase(databaseUrl(), (dataSource) => inviteDashboardUser(dataSource, { merchantId: asMerchantId(options.merchant), email: options.email, role: options.role }, config().api.publicUrl ?? apiUrl(undefined)));
    print(`Invited ${invited.email} as ${invited.role} (${invited.userId}). Send them this link to set their password:`);
    print(`  ${invited.link}`);
  });
user
  .command('reset')
  .description('Print a one-time link that sets a new password (signs the user out everywhere once used)')
  .requiredOption('--email <email>', 'the user\'s email')
  .action(async (options: { email: string }) => {
    const link = await withDatabase(databaseUrl(), (dataSource) => passwordResetLink(dataSource, options.email, config().api.publicUrl ?? apiUrl(undefined)));
    print(`Password reset link for ${options.email} (valid 24 hours, once):`);
    print(`  ${link}`);
  });

const refund = program.command('refund').description('Refunds: give money back to a customer (docs/refunds.md)');
merchantApiCommand(refund, 'create')
  .description('Refund a payment in the coin and on the network it was paid in')
  .argument('<paymentId>', 'the payment id, pay_...')
  .option('--amount <decimal>', 'amount in the paid coin (default: the excess of an OVERPAID or PAID_LATE payment, else everything received)')
  .option('--address <address>', 'the customer\'s address (default: the customer gives it on the claim page)')
  .option('--to-sender', 'send it to the address the payment came from (only when it is the customer\'s own wallet)')
  .option('--method <method>', 'payout_wallet or merchant_wallet (default: payout_wallet when one is configured)')
  .option('--reason <text>', 'why, shown to the customer')
  .option('--idempotency-key <key>', 'repeat a create safely with the key a first try printed')
  .action(async (paymentId: string, options: { amount?: string; address?: string; toSender?: boolean; method?: string; reason?: string; idempotencyKey?: string; api?: string; key?: string }) => {
    const idempotencyKey = newIdempotencyKey(options.idempotencyKey);
    const body = { amount: options.amount, address: options.address, refundToSender: options.toSender ? (true as const) : undefined, method: options.method as CreateRefundParams['method'], reason: options.reason };
    const created = await callMerchantApi(merchantApi(options), (kassa) => kassa.refunds.create(paymentId, body, { idempotencyKey }));
    for (const line of formatRefund(created)) print(line);
    print(`  idempotency key: ${idempotencyKey}`);
  });
merchantApiCommand(refund, 'list')
  .description('List refunds, newest first')
  .option('--payment <paymentId>', 'only the refunds of this payment')
  .option('--status <status>', 'only refunds in this status')
  .option('--limit <n>', 'at most this many (1-100)', integer('limit'), 20)
  .action(async (options: { payment?: string; status?: string; limit: number; api?: string; key?: string }) => {
    const page = await callMerchantApi(merchantApi(options), (kassa) => kassa.refunds.listPage({ limit: options.limit, paymentId: options.payment, status: options.status as RefundListParams['status'] }));
    for (const shown of page.data) print(formatRefundLine(shown));
    if (page.data.length === 0) print('No refunds');
  });
merchantApiCommand(refund, 'show')
  .description('Print a refund')
  .argument('<refundId>', 'the refund id, ref_...')
  .action(async (refundId: string, options: { api?: string; key?: string }) => {
    for (const line of formatRefund(await callMerchantApi(merchantApi(options), (kassa) => kassa.refunds.get(refundId)))) print(line);
  });
merchantApiCommand(refund, 'cancel')
  .description('Cancel a refund that was not sent yet')
  .argument('<refundId>', 'the refund id, ref_...')
  .action(async (refundId: string, options: { api?: string; key?: string }) => {
    for (const line of formatRefund(await callMerchantApi(merchantApi(options), (kassa) => kassa.refunds.cancel(refundId)))) print(line);
  });

const payout = program.command('payout').description('Payouts from the payout wallet: suppliers, withdrawals (docs/refunds.md)');
merchantApiCommand(payout, 'create')
  .description('Send a payout from the payout wallet, within its limits')
  .requiredOption('--to <address>', 'the recipient')
  .requiredOption('--amount <decimal>', 'amount in the coin')
  .requiredOption('--currency <symbol>', 'the coin, e.g. USDC or ETH')
  .option('--chain-id <id>', 'the chain, when the coin is on several', integer('chain id'))
  .option('--description <text>', 'a note kept with the payout')
  .option('--idempotency-key <key>', 'repeat a create safely with the key a first try printed')
  .action(async (options: { to: string; amount: string; currency: string; chainId?: number; description?: string; idempotencyKey?: string; api?: string; key?: string }) => {
    const idempotencyKey = newIdempotencyKey(options.idempotencyKey);
    const body = { address: options.to, amount: options.amount, currency: options.currency, chainId: options.chainId, description: options.description };
    for (const line of formatPayout(await callMerchantApi(merchantApi(options), (kassa) => kassa.payouts.create(body, { idempotencyKey })))) print(line);
    print(`  idempotency key: ${idempotencyKey}`);
  });
merchantApiCommand(payout, 'list')
  .description('List payouts, newest first (refunds paid from the payout wallet included)')
  .option('--status <status>', 'only payouts in this status')
  .option('--limit <n>', 'at most this many (1-100)', integer('limit'), 20)
  .action(async (options: { status?: string; limit: number; api?: string; key?: string }) => {
    const page = await callMerchantApi(merchantApi(options), (kassa) => kassa.payouts.listPage({ limit: options.limit, status: options.status as PayoutListParams['status'] }));
    for (const shown of page.data) print(formatPayoutLine(shown));
    if (page.data.length === 0) print('No payouts');
  });
merchantApiCommand(payout, 'show')
  .description('Print a payout')
  .argument('<payoutId>', 'the payout id, po_...')
  .action(async (payoutId: string, options: { api?: string; key?: string }) => {
    for (const line of formatPayout(await callMerchantApi(merchantApi(options), (kassa) => kassa.payouts.get(payoutId)))) print(line);
  });
merchantApiCommand(payout, 'cancel')
  .description('Cancel a payout the worker has not signed yet')
  .argument('<payoutId>', 'the payout id, po_...')
  .action(async (payoutId: string, options: { api?: string; key?: string }) => {
    for (const line of formatPayout(await callMerchantApi(merchantApi(options), (kassa) => kassa.payouts.cancel(payoutId)))) print(line);
  });

const paymentLink = program.command('payment-link').description('Payment links: a URL whose every visit creates a payment (docs/payment-links.md)');
merchantApiCommand(paymentLink, 'create')
  .description('Make a payment link for a fixed coin amount or a price; prints its URL and QR code')
  .option('--amount <decimal>', 'fixed coin: the amount, with --currency')
  .option('--currency <symbol>', 'fixed coin: the coin, e.g. USDC or ETH')
  .option('--chain-id <id>', 'fixed coin: the chain, when the coin is on several', integer('chain id'))
  .option('--price <decimal>', 'a price instead, paid in any accepted coin at the rate of the visit')
  .option('--price-currency <code>', 'the price\'s currency', 'USD')
  .option('--accept <coins>', 'with --price: the coins accepted, e.g. USDC,ETH@31338 (default: every coin)')
  .option('--description <text>', 'what is paid for, shown on the checkout')
  .option('--single-use', 'stop once one payment of the link is PAID (an invoice)')
  .option('--expires-at <time>', 'ISO 8601 time after which the link creates no payment')
  .option('--success-url <url>', 'where the checkout sends the customer once PAID')
  .option('--cancel-url <url>', 'where the checkout sends the customer on TIMEOUT or CANCELED')
  .option('--no-qr', 'do not draw the QR code')
  .option('--idempotency-key <key>', 'repeat a create safely with the key a first try printed')
  .action(async (options: PaymentLinkOptions & { qr: boolean; idempotencyKey?: string; api?: string; key?: string }) => {
    const idempotencyKey = newIdempotencyKey(options.idempotencyKey);
    const created = await callMerchantApi(merchantApi(options), (kassa) => kassa.paymentLinks.create(paymentLinkBody(options), { idempotencyKey }));
    for (const line of formatPaymentLink(created)) print(line);
    print(`  idempotency key: ${idempotencyKey}`);
    if (options.qr) print(await terminalQrCode(created.url));
  });
merchantApiCommand(paymentLink, 'list')
  .description('List payment links, newest first')
  .option('--active', 'only links not deactivated')
  .option('--inactive', 'only deactivated links')
  .option('--limit <n>', 'at most this many (1-100)', integer('limit'), 20)
  .action(async (options: { active?: boolean; inactive?: boolean; limit: number; api?: string; key?: string }) => {
    if (options.active && options.inactive) throw new CliError('Give --active or --inactive, not both');
    const active = options.active ? 'true' : options.inactive ? 'false' : undefined;
    const page = await callMerchantApi(merchantApi(options), (kassa) => kassa.paymentLinks.listPage({ limit: options.limit, active }));
    for (const shown of page.data) print(formatPaymentLinkLine(shown));
    if (page.data.length === 0) print('No payment links');
  });
merchantApiCommand(paymentLink, 'deactivate')
  .description('Switch a payment link off: its URL creates no more payments')
  .argument('<paymentLinkId>', 'the payment link id, pl_...')
  .action(async (paymentLinkId: string, options: { api?: string; key?: string }) => {
    const link = await callMerchantApi(merchantApi(options), (kassa) => kassa.paymentLinks.deactivate(paymentLinkId));
    for (const line of formatPaymentLink(link)) print(line);
  });

const settlements = program.command('settlements').description('Settlements: deposit addresses flushed to treasuries');
settlements
  .command('list')
  .description('List settlements, newest first, with their transaction, gas used and amounts moved')
  .option('--merchant <id>', 'only this merchant\'s (default: every merchant)')
  .option('--payment <id>', 'only this payment\'s')
  .option('--status <status>', 'pending, settled or failed')
  .option('--chain <chainId>', 'only this chain', integer('chain'))
  .option('--limit <n>', 'how many', integer('limit'), 20)
  .action(async (options: { merchant?: string; payment?: string; status?: string; chain?: number; limit: number }) => {
    if (options.status !== undefined && !(SETTLEMENT_STATUSES as readonly string[]).includes(options.status)) {
      throw new CliError(`--status takes ${SETTLEMENT_STATUSES.join(', ')}`);
    }
    const rows = await withDatabase(databaseUrl(), (dataSource) =>
      listSettlements(dataSource, {
        merchantId: options.merchant === undefined ? undefined : asMerchantId(options.merchant),
        paymentId: options.payment,
        status: options.status as SettlementStatus | undefined,
        chainId: options.chain,
        limit: Math.min(Math.max(options.limit, 1), 1000),
      }),
    );
    for (const row of rows) print(formatSettlement(row));
    if (rows.length === 0) print('No settlements');
  });

const settlementPolicy = program.command('settlement-policy').description('When Kassa flushes a merchant\'s deposit addresses');
settlementPolicy
  .command('show')
  .description('Print a merchant\'s settlement policy')
  .option('--merchant <id>', 'merchant id, mer_... (default: the demo merchant of npm start)')
  .action(async (options: { merchant?: string }) => {
    const merchantId = merchantOrDemo(options.merchant);
    const policy = await withDatabase(databaseUrl(), (dataSource) => showSettlementPolicy(dataSource, merchantId));
    for (const line of formatSettlementPolicy(merchantId, policy)) print(line);
  });
settlementPolicy
  .command('set')
  .description('Set a merchant\'s settlement policy (the same rules as PUT /v1/settlement-policy)')
  .argument('<mode>', 'immediate, threshold, schedule or off')
  .option('--merchant <id>', 'merchant id, mer_... (default: the demo merchant of npm start)')
  .option('--threshold <currency=amount>', 'threshold mode: e.g. USDC=100; repeatable', collect, [])
  .option('--interval <seconds>', 'schedule mode: seconds between settlements', integer('interval'))
  .option('--max-wait <seconds>', 'threshold mode: the longest value may wait', integer('max-wait'))
  .action(async (mode: string, options: { merchant?: string; threshold: string[]; interval?: number; maxWait?: number }) => {
    const merchantId = merchantOrDemo(options.merchant);
    const policy = await withDatabase(databaseUrl(), (dataSource) =>
      setSettlementPolicy(dataSource, merchantId, { mode, thresholds: options.threshold, intervalSeconds: options.interval, maxWaitSeconds: options.maxWait }, localChains()),
    );
    for (const line of formatSettlementPolicy(merchantId, policy)) print(line);
  });

chain
  .command('deploy-local')
  .description('Deploy the DepositFactory, test tokens and an ETH / USD price feed to a development node (Hardhat) and write its chain configuration')
  .requiredOption('--rpc <url>', 'JSON-RPC URL of the development node')
  .option('--ws <url>', 'WebSocket URL of the same node')
  .option('--confirmations <n>', 'confirmations a transfer needs', integer('confirmations'), 3)
  .option('--out <file>', 'where to write the chains JSON (for KASSA_CHAINS_FILE)', 'chains.json')
  .action(async (options: { rpc: string; ws?: string; confirmations: number; out: string }) => {
    const chainConfig = await provisionLocalChain(options.rpc, { wsUrl: options.ws, confirmations: options.confirmations }).catch((error: Error) => {
      throw new CliError(`Could not deploy to ${options.rpc}: ${error.message.split('\n')[0]}`);
    });
    writeFileSync(options.out, `${JSON.stringify([chainConfig], null, 2)}\n`);
    print(`Deployed to chain ${chainConfig.chainId}: factory ${chainConfig.factoryAddress}; wrote ${options.out}`);
  });

program
  .command('migrate')
  .description('Apply pending database migrations to DATABASE_URL')
  .action(async () => {
    const applied = await runMigrations(databaseUrl());
    print(applied.length ? `Applied: ${applied.join(', ')}` : 'The schema is up to date');
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof KassaError) {
    process.stderr.write(`kassa: ${redactText(error.message)}\n`);
  } else {
    process.stderr.write(`kassa: ${redactText(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`);
  }
  process.exit(1);
});
