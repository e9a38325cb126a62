import type { DataSource } from 'typeorm';

import { CreateWebhookEndpointUseCase, UpdateMerchantSettingsUseCase } from '@kassa/api';
import { ChainRegistry, isEvmAddress } from '@kassa/chain';
import type { ChainConfig, KassaConfig } from '@kassa/config';
import {
  API_KEY_SCOPES,
  type ApiKeyScope,
  EVENT_TYPES,
  type EventType,
  generateApiKey,
  isTolerancePercent,
  isWebOrigin,
  MAX_ALLOWED_ORIGINS,
  MAX_EXPIRES_IN_SECONDS,
  type MerchantId,
  MIN_EXPIRES_IN_SECONDS,
  NotFoundError,
  ValidationError,
} from '@kassa/domain';
import {
  type ApiKey,
  ApiKeysRepository,
  type Merchant,
  MerchantsRepository,
  type WebhookEndpoint,
  WebhookEndpointsRepository,
} from '@kassa/persistence';

/**
 * The operator's side of what merchants do over the API (issue 5): API keys, merchant
 * settings and webhook endpoints, straight on the database, with the same rules as the API.
 * Every function throws a domain error (NotFoundError, ValidationError) the CLI prints.
 */

async function merchantOf(dataSource: DataSource, merchantId: MerchantId): Promise<Merchant> {
  const merchant = await new MerchantsRepository(dataSource).findById(merchantId);
  if (!merchant) throw new NotFoundError('merchant', merchantId);
  return merchant;
}

/** Parses a comma-separated scope list (`read,write`). @throws ValidationError for an unknown or missing scope */
export function parseScopes(list: string): ApiKeyScope[] {
  const scopes = [...new Set(list.split(',').map((scope) => scope.trim()).filter(Boolean))];
  if (scopes.length === 0 || scopes.some((scope) => !(API_KEY_SCOPES as readonly string[]).includes(scope))) {
    throw ValidationError.field('scopes', `must be a comma-separated list of ${API_KEY_SCOPES.join(', ')}`);
  }
  return (scopes as ApiKeyScope[]).sort();
}

/** Creates an API key for a merchant; the key is returned once, only its hash is stored. */
export async function createMerchantApiKey(
  dataSource: DataSource,
  merchantId: MerchantId,
  scopes: ApiKeyScope[],
  name?: string,
): Promise<{ apiKey: ApiKey; key: string }> {
  await merchantOf(dataSource, merchantId);
  const { key, hash, displayPrefix } = generateApiKey();
  const apiKey = await new ApiKeysRepository(dataSource).create({ merchantId, prefix: displayPrefix, keyHash: hash, scopes, name: name ?? null });
  return { apiKey, key };
}

/** The merchant's keys (prefix, scopes, dates), revoked ones included. */
export async function listMerchantApiKeys(dataSource: DataSource, merchantId: MerchantId): Promise<ApiKey[]> {
  await merchantOf(dataSource, merchantId);
  return new ApiKeysRepository(dataSource).list(merchantId);
}

/**
 * Revokes a key; unlike the API, an operator may revoke a merchant's last key (to cut off a
 * leaked key at once).
 * @throws NotFoundError when the merchant has no such key
 */
export async function revokeMerchantApiKey(dataSource: DataSource, merchantId: MerchantId, apiKeyId: string): Promise<void> {
  if (!(await new ApiKeysRepository(dataSource).revoke(merchantId, apiKeyId))) throw new NotFoundError('API key', apiKeyId);
}

/** Settings as the operator types them; every field optional, strings as given on the command line. */
export interface SettingsInput {
  name?: string;
  treasury?: string;
  /** `<chainId>=<address>` or `<chainId>=default` (back to the default treasury). */
  chainTreasuries?: string[];
  tolerance?: string;
  defaultExpirySeconds?: string;
  /** Comma-separated origins; empty string clears the list. */
  allowedOrigins?: string;
}

/**
 * Validates merchant settings typed on the command line (EIP-55 addresses, tolerance 0 to
 * 99.99 with 2 decimals, default expiry 60 to 604800 s, canonical origins), then applies
 * them through the API's own use case (`UpdateMerchantSettingsUseCase`): the same check
 * that a per-chain treasury names a configured chain, the same transaction, the same audit
 * log of treasury changes.
 * @param chains the configured chains (per-chain treasuries must name one of them)
 * @throws ValidationError naming every option at fault (nothing is written then)
 * @throws NotFoundError when the merchant does not exist
 */
export async function updateMerchantSettings(dataSource: DataSource, chains: readonly ChainConfig[], merchantId: MerchantId, input: SettingsInput): Promise<Merchant> {
  const errors: { field: string; message: string }[] = [];
  const changes: Parameters<UpdateMerchantSettingsUseCase['execute']>[1] = {};
  if (input.name !== undefined) {
    if (input.name.length < 1 || input.name.length > 200) errors.push({ field: '--name', message: 'must be 1 to 200 characters' });
    else changes.name = input.name;
  }
  if (input.treasury !== undefined) {
    if (isEvmAddress(input.treasury)) changes.treasuryAddress = input.treasury;
    else errors.push({ field: '--treasury', message: 'must be an address with a valid EIP-55 checksum' });
  }
  const treasuries: Record<string, string | null> = {};
  for (const entry of input.chainTreasuries ?? []) {
    const [chainId, address] = entry.split('=');
    if (!chainId || !/^[1-9]\d{0,9}$/.test(chainId) || address === undefined) {
      errors.push({ field: '--chain-treasury', message: `'${entry}' must be <chainId>=<address> or <chainId>=default` });
    } else if (address === 'default') treasuries[chainId] = null;
    else if (isEvmAddress(address)) treasuries[chainId] = address;
    else errors.push({ field: '--chain-treasury', message: `${chainId}: must be an address with a valid EIP-55 checksum` });
  }
  if (Object.keys(treasuries).length > 0) changes.treasuries = treasuries;
  if (input.tolerance !== undefined) {
    if (isTolerancePercent(input.tolerance)) changes.tolerancePercent = input.tolerance;
    else errors.push({ field: '--tolerance', message: 'must be a percentage from 0 to 99.99 with at most 2 decimals' });
  }
  if (input.defaultExpirySeconds !== undefined) {
    const seconds = /^\d+$/.test(input.defaultExpirySeconds) ? Number(input.defaultExpirySeconds) : NaN;
    if (seconds >= MIN_EXPIRES_IN_SECONDS && seconds <= MAX_EXPIRES_IN_SECONDS) changes.defaultExpiresInSeconds = seconds;
    else errors.push({ field: '--default-expiry', message: `must be ${MIN_EXPIRES_IN_SECONDS} to ${MAX_EXPIRES_IN_SECONDS} seconds` });
  }
  if (input.allowedOrigins !== undefined) {
    const origins = input.allowedOrigins.split(',').map((origin) => origin.trim()).filter(Boolean);
    const bad = origins.filter((origin) => !isWebOrigin(origin));
    if (bad.length > 0) errors.push({ field: '--allowed-origins', message: `not an origin such as https://shop.example: ${bad.join(', ')}` });
    else if (origins.length > MAX_ALLOWED_ORIGINS) errors.push({ field: '--allowed-origins', message: `at most ${MAX_ALLOWED_ORIGINS} origins` });
    else changes.allowedOrigins = [...new Set(origins)];
  }
  if (errors.length > 0) throw new ValidationError(errors);
  await merchantOf(dataSource, merchantId);
  const useCase = new UpdateMerchantSettingsUseCase(dataSource, new ChainRegistry(chains), new MerchantsRepository(dataSource));
  return useCase.execute(merchantId, changes, 'the operator (kassa merchant settings)');
}

/** The merchant with its settings. */
export function showMerchant(dataSource: DataSource, merchantId: MerchantId): Promise<Merchant> {
  return merchantOf(dataSource, merchantId);
}

/**
 * Registers a webhook endpoint for a merchant with a new secret (returned in the endpoint,
 * shown once) through the API's own use case (`CreateWebhookEndpointUseCase`): private and
 * loopback URLs refused unless `webhooks.allowPrivateUrls`, at most 16 endpoints.
 * @throws ValidationError naming `url` or `events`
 * @throws ConflictError when the merchant already has the most endpoints
 * @throws NotFoundError when the merchant does not exist
 */
export async function createMerchantWebhookEndpoint(
  dataSource: DataSource,
  webhooks: KassaConfig['webhooks'],
  merchantId: MerchantId,
  input: { url: string; events?: string; description?: string },
): Promise<WebhookEndpoint> {
  const events = (input.events ?? '').split(',').map((type) => type.trim()).filter(Boolean);
  const unknown = events.filter((type) => !(EVENT_TYPES as readonly string[]).includes(type));
  if (unknown.length > 0) throw ValidationError.field('events', `unknown event types: ${unknown.join(', ')} (known: ${EVENT_TYPES.join(', ')})`);
  await merchantOf(dataSource, merchantId);
  return new CreateWebhookEndpointUseCase({ webhooks }, new WebhookEndpointsRepository(dataSource)).execute(merchantId, {
    url: input.url,
    enabledEvents: events as EventType[],
    description: input.description ?? null,
  });
}

/** The merchant's webhook endpoints (secrets included: the operator's own view). */
export async function listMerchantWebhookEndpoints(dataSource: DataSource, merchantId: MerchantId): Promise<WebhookEndpoint[]> {
  await merchantOf(dataSource, merchantId);
  return new WebhookEndpointsRepository(dataSource).list(merchantId);
}
