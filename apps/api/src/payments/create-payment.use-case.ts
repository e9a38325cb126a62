import { createHash } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import {
  ChainRegistry,
  depositAddress,
  formatWatchedPaymentNotice,
  paymentSalt,
  RateSource,
  type ResolvedCurrency,
  WATCHED_PAYMENTS_CHANNEL,
} from '@kassa/chain';
import type { ChainConfig } from '@kassa/config';
import {
  buildEventPayload,
  coinOf,
  type EventPayload,
  type FieldError,
  type Hex,
  IdempotencyKeyReusedError,
  type MerchantId,
  minimumAccepted,
  newId,
  type OptionRate,
  parsePriceAmount,
  type Payment,
  type PaymentObject,
  type PaymentOption,
  QuoteUnavailableError,
  quoteBaseUnits,
  toBaseUnits,
  type TokenRef,
  ValidationError,
} from '@kassa/domain';
import { IdempotencyKeysRepository, type Merchant, PaymentObjectsService, PaymentsRepository, treasuryForChain } from '@kassa/persistence';
import { OUTBOX_NOTIFY_CHANNEL } from '@kassa/webhooks';

import type { AcceptedCurrencyDto, CreatePaymentDto, PriceDto } from './dto/create-payment.dto';

/** A payment built and not yet written: the payment, its object, its `payment.created` event and its commit's notifications. */
export interface PreparedPayment {
  payment: Payment;
  body: PaymentObject;
  event: { merchantId: MerchantId; type: 'payment.created'; paymentId: string; payload: EventPayload };
  notifications: { channel: string; payload: string }[];
}

/** The response of a create request, as first answered (replayed for the same idempotency key). */
export interface CreatePaymentResult {
  status: 201;
  body: PaymentObject;
  replayed: boolean;
}

/** SHA-256 of the request body in a canonical form (keys sorted), to recognise a repeated request. */
function requestHash(body: object): string {
  const canonical = (value: unknown): unknown =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]))
      : Array.isArray(value) ? value.map(canonical) : value;
  return createHash('sha256').update(JSON.stringify(canonical(body))).digest('hex');
}

/**
 * Creates a payment (DESIGN.md "Merchant API", `POST /v1/payments`) with its options: for
 * a fixed coin, one (the currency resolved on its chain, the decimal amount in base
 * units); for a price, one per accepted coin and chain whose rate is available, quoted
 * exactly. Each option's CREATE2 deposit address is bound to the merchant's treasury on its
 * chain (its default treasury when the chain has none of its own), from the payment's one
 * salt: the same address on every chain with the same factory and treasury. Writes the
 * payment, its options, its `payment.created` event and, with an idempotency key, the answer
 * for the key in one statement, shared with the creates arriving beside it
 * (`PaymentsRepository.insertAnnounced`). With an idempotency key, the same key and body
 * replay the first response and another body is a conflict (Stripe-style idempotency); of
 * two concurrent requests with one key, one creates and the other answers with its answer.
 * @throws ValidationError (400) naming the field for a bad amount, price, currency or chain
 * @throws QuoteUnavailableError (422) when no accepted coin of a price has a rate now
 * @throws IdempotencyKeyReusedError (409) for the same key with another body
 */
@Injectable()
export class CreatePaymentUseCase {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(ChainRegistry) private readonly chains: ChainRegistry,
    private readonly rates: RateSource,
    private readonly idempotencyKeys: IdempotencyKeysRepository,
    private readonly payments: PaymentsRepository,
    private readonly objects: PaymentObjectsService,
  ) {}

  /**
   * @param merchant the merchant with its settings as read with the API key (no query here)
   */
  async execute(merchant: Merchant, input: CreatePaymentDto, idempotencyKey?: string): Promise<CreatePaymentResult> {
    const merchantId = merchant.id;
    const hash = idempotencyKey ? requestHash(input) : '';
    if (idempotencyKey) {
      const replay = await this.replay(merchantId, idempotencyKey, hash);
      if (replay) return replay;
    }
    const prepared = await this.prepare(merchant, input, new Date(), null);
    const idempotency = idempotencyKey ? { key: idempotencyKey, requestHash: hash, responseStatus: 201, responseBody: prepared.body } : undefined;
    if (await this.payments.insertAnnounced(this.dataSource.manager, { ...prepared, idempotency })) return { status: 201, body: prepared.body, replayed: false };
    // A concurrent request with the same key came first (nothing of ours was written): answer with its answer.
    const replay = await this.replay(merchantId, idempotencyKey!, hash);
    if (replay) return replay;
    throw new Error(`Idempotency key ${idempotencyKey} was used by a concurrent request whose answer is no longer stored`);
  }

  /**
   * The payment `input` asks for, with its object, its `payment.created` event and the
   * notifications of its commit; nothing is written ({@link store} writes it).
   * @param input the body of `POST /v1/payments`, or a payment link's template
   * @param paymentLinkId the payment link whose visit creates it, or null
   * @throws ValidationError, QuoteUnavailableError as {@link execute}
   */
  async prepare(merchant: Merchant, input: CreatePaymentDto, now: Date, paymentLinkId: string | null): Promise<PreparedPayment> {
    const merchantId = merchant.id;
    const id = newId('payment', now.getTime());
    const salt = paymentSalt(id);
    const options = input.price ? await this.pricedOptions(merchant, input, input.price, salt, now) : [this.fixedOption(merchant, input, salt, now)];
    const payment: Payment = {
      id,
      merchantId,
      status: 'CREATED',
      exception: null,
      ...coinOf(options[0]!),
      amountReceived: 0n,
      salt,
      orderId: input.orderId ?? null,
      description: input.description ?? null,
      metadata: input.metadata ?? {},
      successUrl: input.successUrl ?? null,
      cancelUrl: input.cancelUrl ?? null,
      expiresAt: new Date(now.getTime() + (input.expiresInSeconds ?? merchant.defaultExpiresInSeconds) * 1000),
      createdAt: now,
      paidAt: null,
      finalizedAt: null,
      paymentLinkId,
      price: input.price ? { amount: parsePriceAmount(input.price.amount), currency: input.price.currency } : null,
      options,
    };

    const body = this.objects.buildNew(payment);
    const event = { merchantId, type: 'payment.created' as const, paymentId: payment.id, payload: buildEventPayload(newId('event', now.getTime()), 'payment.created', now, body) };
    const notifications = [
      // Tells the chain watchers to watch the new deposit address (on every chain of an option) from this commit on ...
      ...uniqueBy(options, (option) => option.chainId).map((option) => ({
        channel: WATCHED_PAYMENTS_CHANNEL,
        payload: formatWatchedPaymentNotice({
          chainId: option.chainId,
          depositAddress: option.depositAddress,
          paymentId: payment.id,
          acceptsNative: options.some((other) => other.chainId === option.chainId && other.token.address === null),
        }),
      })),
      // ... and the workers to deliver payment.created.
      { channel: OUTBOX_NOTIFY_CHANNEL, payload: event.payload.id },
    ];
    return { payment, body, event, notifications };
  }

  /** Writes a prepared payment in one statement: the payment, its event and deliveries, and the notifications commit together. */
  async store(manager: EntityManager, prepared: PreparedPayment): Promise<void> {
    await this.payments.insertAnnounced(manager, prepared);
  }

  /**
   * Checks the coins of a request without quoting it (a payment link's template, checked
   * when the link is made; its rates are looked up at each visit).
   * @throws ValidationError naming the fields at fault, as {@link execute}
   */
  checkCoins(input: CreatePaymentDto): void {
    if (!input.price) {
      this.fixedCoin(input);
      return;
    }
    this.checkPricedFields(input);
    parsePriceAmount(input.price.amount);
    this.acceptedCoins(input.acceptedCurrencies);
  }

  /**
   * The one option of a fixed-coin payment: the currency resolved on its chain, the decimal
   * amount in base units.
   * @throws ValidationError naming `amount`, `currency` or `chainId`
   */
  private fixedOption(merchant: Merchant, input: CreatePaymentDto, salt: Hex, now: Date): PaymentOption {
    const { chain, token, amount } = this.fixedCoin(input);
    return this.option(merchant, chain, token, amount, salt, null, now);
  }

  /** The coin and base-unit amount of a fixed-coin request. @throws ValidationError naming the field */
  private fixedCoin(input: CreatePaymentDto): ResolvedCurrency & { amount: bigint } {
    if (input.acceptedCurrencies !== undefined) throw ValidationError.field('acceptedCurrencies', 'is only allowed with a price');
    const { chain, token } = this.chains.resolve(input.currency!, input.chainId);
    return { chain, token, amount: toBaseUnits(input.amount!, token.decimals, 'amount') };
  }

  /** @throws ValidationError naming the fixed-coin fields given with a price */
  private checkPricedFields(input: CreatePaymentDto): void {
    const mixed = (['amount', 'currency', 'chainId'] as const).filter((field) => input[field] !== undefined);
    if (mixed.length > 0) throw new ValidationError(mixed.map((field) => ({ field, message: 'must not be given with a price' })));
  }

  /**
   * The options of a priced payment (DESIGN.md "Price and the customer's choice of coin"):
   * one per accepted coin and chain whose rate is available now, quoted exactly (rounded up
   * to the base unit) at that rate, in the merchant's order.
   * @throws ValidationError naming the fields when a fixed-coin field comes with the price,
   *   or an accepted coin is unknown
   * @throws QuoteUnavailableError when no accepted coin has a rate now
   */
  private async pricedOptions(merchant: Merchant, input: CreatePaymentDto, price: PriceDto, salt: Hex, now: Date): Promise<PaymentOption[]> {
    this.checkPricedFields(input);
    const priceAmount = parsePriceAmount(price.amount);
    const coins = this.acceptedCoins(input.acceptedCurrencies);
    const lookups = await Promise.all(coins.map(({ chain, token }) => this.rates.rate(chain.chainId, token.symbol, price.currency, now)));
    const options: PaymentOption[] = [];
    const unavailable: FieldError[] = [];
    coins.forEach(({ chain, token, field }, index) => {
      const lookup = lookups[index]!;
      if (!lookup.available) {
        unavailable.push({ field, message: `${token.symbol} on chain ${chain.chainId}: ${lookup.reason}` });
        return;
      }
      const amount = quoteOrNull(priceAmount, lookup.rate.value, token.decimals);
      if (amount === null) {
        unavailable.push({ field, message: `${token.symbol} on chain ${chain.chainId}: the price is more than a uint256 of base units at ${lookup.rate.value} ${price.currency}` });
        return;
      }
      options.push(this.option(merchant, chain, token, amount, salt, lookup.rate, now));
    });
    if (options.length === 0) throw new QuoteUnavailableError(unavailable);
    return options;
  }

  /**
   * The coins a priced payment accepts: each `acceptedCurrencies` entry on its chain, or on
   * every chain that carries it; by default every coin of every configured chain. Each coin
   * once, first mention first.
   * @throws ValidationError naming `acceptedCurrencies[i].currency` / `.chainId` for an unknown coin or chain
   */
  private acceptedCoins(accepted: readonly AcceptedCurrencyDto[] | undefined): (ResolvedCurrency & { field: string })[] {
    const coins: (ResolvedCurrency & { field: string })[] = [];
    const errors: FieldError[] = [];
    if (accepted === undefined) coins.push(...this.chains.coins().map((coin) => ({ ...coin, field: 'acceptedCurrencies' })));
    (accepted ?? []).forEach(({ currency, chainId }, index) => {
      const field = `acceptedCurrencies[${index}]`;
      if (chainId !== undefined) {
        try {
          coins.push({ ...this.chains.resolve(currency, chainId), field });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          errors.push(...error.errors.map((fault) => ({ field: `${field}.${fault.field}`, message: fault.message })));
        }
        return;
      }
      const carried = this.chains.coinsNamed(currency).map((coin) => ({ ...coin, field }));
      if (carried.length === 0) errors.push({ field: `${field}.currency`, message: `'${currency}' is not a supported currency` });
      coins.push(...carried);
    });
    if (errors.length > 0) throw new ValidationError(errors);
    return uniqueBy(coins, ({ chain, token }) => `${chain.chainId}:${token.symbol.toUpperCase()}`);
  }

  /** An option of `token` on `chain`: its deposit address is bound to the merchant's treasury there (CREATE2, DESIGN.md "Deposit addresses"). */
  private option(merchant: Merchant, chain: ChainConfig, token: TokenRef, amount: bigint, salt: Hex, rate: OptionRate | null, now: Date): PaymentOption {
    const treasury = treasuryForChain(merchant, chain.chainId);
    return {
      id: newId('paymentOption', now.getTime()),
      chainId: chain.chainId,
      token,
      amount,
      amountMinimum: minimumAccepted(amount, merchant.tolerancePercent),
      requiredConfirmations: chain.confirmations,
      depositAddress: depositAddress({ factory: chain.factoryAddress, implementation: chain.implementationAddress, treasury, salt }),
      treasuryAddress: treasury,
      factoryAddress: chain.factoryAddress,
      rate,
    };
  }

  private async replay(merchantId: MerchantId, key: string, hash: string): Promise<CreatePaymentResult | null> {
    const record = await this.idempotencyKeys.find(merchantId, key);
    if (!record) return null;
    if (record.requestHash !== hash) throw new IdempotencyKeyReusedError(key);
    return { status: 201, body: record.responseBody as PaymentObject, replayed: true };
  }
}

/** {@link quoteBaseUnits}, or null when the amount would not fit a uint256 (a tiny rate). */
function quoteOrNull(price: string, rate: string, decimals: number): bigint | null {
  try {
    return quoteBaseUnits(price, rate, decimals);
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}

/** The items with distinct keys, first occurrence first. */
function uniqueBy<T>(items: readonly T[], key: (item: T) => string | number): T[] {
  const seen = new Set<string | number>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
