import 'reflect-metadata';

import { existsSync, readFileSync, writeFileSync } from 'node:fs';

import { Command, InvalidArgumentError } from 'commander';

import { type ChainConfig, ConfigError, type KassaConfig, loadConfig } from '@kassa/config';
import { asMerchantId, DomainError, fromBaseUnits } from '@kassa/domain';
import { runMigrations } from '@kassa/persistence';
import { HARDHAT_ACCOUNTS, LOCAL_ROLES, provisionLocalChain } from '@kassa/testing';

import { listenForWebhooks } from './commands/listen.command';
import { createApiKey, createMerchantWithKey, withDatabase } from './commands/merchants';
import { CliError, payPayment } from './commands/pay.command';
import { startEmbedded } from './commands/start.command';
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
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw new InvalidArgumentError('must be a 0x-prefixed 20-byte address');
  return value as `0x${string}`;
};

const program = new Command('kassa')
  .description('Kassa: self-hosted, non-custodial crypto payments on EVM chains')
  .showHelpAfterError();

program
  .command('start')
  .description('Start the embedded default: PostgreSQL, a local chain, api + watcher + worker in one process')
  .action(async () => {
    const kassa = await startEmbedded(config(), print);
    print('');
    print(`Kassa is running.`);
    print(`  API:          ${kassa.apiUrl}   (OpenAPI: ${kassa.apiUrl}/docs)`);
    print(`  Demo API key: ${kassa.apiKey}`);
    print(`  Local chain:  ${kassa.rpcUrl}`);
    print('');
    print('Create a payment:');
    print(`  curl -s ${kassa.apiUrl}/v1/payments -H "Authorization: Bearer ${kassa.apiKey}" -H "content-type: application/json" -d '{"amount":"25.00","currency":"USDC"}'`);
    print('Pay it from a funded local account:');
    print('  npm run kassa -- pay <payment id>');
    print('Print verified webhooks:');
    print('  npm run kassa -- listen');
    print('');
    const shutdown = () => {
      print('Stopping ...');
      void kassa.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });

program
  .command('pay')
  .description('Customer simulator: pay a payment from a funded local account')
  .argument('<paymentId>', 'the payment id, pay_...')
  .option('--amount <decimal>', 'amount in the payment\'s token (default: what is still missing)')
  .option('--api <url>', 'Kassa API URL (default: the running npm start)')
  .option('--rpc <url>', 'JSON-RPC URL of the payment\'s chain (default: the configured or local chain)')
  .option('--account <index>', `local account 0-9 that pays (default ${LOCAL_ROLES.customers[0]})`, integer('account'), LOCAL_ROLES.customers[0])
  .action(async (paymentId: string, options: { amount?: string; api?: string; rpc?: string; account: number }) => {
    const account = HARDHAT_ACCOUNTS[options.account];
    if (!account) throw new CliError(`--account must be 0 to ${HARDHAT_ACCOUNTS.length - 1}`);
    const api = apiUrl(options.api);
    const status = await fetch(`${api}/pay/${encodeURIComponent(paymentId)}/status`).then((r) => (r.ok ? (r.json() as Promise<{ chainId: number }>) : null)).catch(() => null);
    const rpc = options.rpc ?? localChains().find((chain) => chain.chainId === status?.chainId)?.rpcUrls[0] ?? localChains()[0]?.rpcUrls[0];
    if (!rpc) throw new CliError('No RPC URL: pass --rpc, or run `npm start` first');
    const result = await payPayment(paymentId, { apiUrl: api, rpcUrl: rpc, privateKey: account.privateKey, amount: options.amount });
    print(`Sent ${fromBaseUnits(result.amountBaseUnits, result.payment.token.decimals)} ${result.payment.currency} to ${result.payment.depositAddress}`);
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
    const response = await fetch(`${api}/v1/webhook-endpoints`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url, description: 'kassa listen' }),
    }).catch((error: Error) => {
      throw new CliError(`Cannot reach the Kassa API at ${api}: ${error.message}`);
    });
    const body = (await response.json()) as { id?: string; secret?: string; detail?: string };
    if (!response.ok || !body.secret) throw new CliError(`Could not create the webhook endpoint: ${body.detail ?? response.status}`);
    await listenForWebhooks(options.port, body.secret, print);
    print(`Listening on ${url} (webhook endpoint ${body.id}); events appear below. Ctrl-C to stop.`);
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

program
  .command('api-key')
  .description('Create another API key for a merchant (shown once)')
  .requiredOption('--merchant <id>', 'merchant id, mer_...')
  .option('--scopes <list>', 'comma-separated scopes', 'read,write')
  .action(async (options: { merchant: string; scopes: string }) => {
    const scopes = options.scopes.split(',').map((scope) => scope.trim());
    if (scopes.some((scope) => !['read', 'write'].includes(scope))) throw new CliError('--scopes takes read and/or write');
    const key = await withDatabase(databaseUrl(), (dataSource) => createApiKey(dataSource, asMerchantId(options.merchant), scopes));
    print(`API key (shown once): ${key}`);
  });

const chain = program.command('chain').description('Chains');
chain
  .command('deploy-local')
  .description('Deploy the DepositFactory and test tokens to a development node (Hardhat) and write its chain configuration')
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
  if (error instanceof CliError || error instanceof ConfigError || error instanceof DomainError) {
    process.stderr.write(`kassa: ${error.message}\n`);
  } else {
    process.stderr.write(`kassa: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
