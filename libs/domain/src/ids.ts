import { decodeTime, monotonicFactory } from 'ulid';

/** Prefixes of Kassa's public identifiers, Stripe style (`pay_01J...`). */
export const ID_PREFIXES = {
  merchant: 'mer',
  apiKey: 'key',
  payment: 'pay',
  paymentOption: 'opt',
  event: 'evt',
  webhookEndpoint: 'we',
  delivery: 'dlv',
  settlement: 'stl',
  settlementTransaction: 'stx',
  rescue: 'rsc',
  refund: 'ref',
  payout: 'po',
  payoutBatch: 'pob',
  dashboardUser: 'usr',
  paymentLink: 'pl',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

/**
 * ulid's random source, as its default (one byte of the platform's CSPRNG per character,
 * `byte / 256`) but drawn from the CSPRNG 4 KiB at a time: the default asks the OS for
 * each byte, 16 calls per id, which cost a payment's create more than its validation.
 */
function bufferedCryptoRandom(): () => number {
  const bytes = new Uint8Array(4096);
  let next = bytes.length;
  return () => {
    if (next === bytes.length) {
      globalThis.crypto.getRandomValues(bytes);
      next = 0;
    }
    return bytes[next++]! / 256;
  };
}

const random = bufferedCryptoRandom();
let nextUlid = monotonicFactory(random);
let lastTime = -Infinity;

/**
 * A new identifier `<prefix>_<ULID>`: 26 Crockford base32 characters, time-ordered, so
 * sorting ids sorts by creation time (used for newest-first cursor pagination).
 *
 * The ULID carries `now` (ms since the Unix epoch), the object's creation time, which
 * {@link idTime} reads back (the watcher reads a payment's creation time so). Ids made for
 * one millisecond are ordered as they were made (the ULID spec's monotonic generation). The
 * ulid package's monotonic factory alone would also carry a later millisecond on to an id
 * asked for an earlier one (a caller with its own `now`): such an id starts a new sequence
 * at its own time instead.
 */
export function newId(kind: IdKind, now: number = Date.now()): string {
  if (now < lastTime) nextUlid = monotonicFactory(random);
  lastTime = now;
  return `${ID_PREFIXES[kind]}_${nextUlid(now)}`;
}

/**
 * When the object with this id was created: the time part of its ULID, ms since the Unix
 * epoch, by the clock of the process that made the id (ULID spec: 48-bit big-endian
 * millisecond timestamp in the first 10 characters).
 * @throws Error when `id` is not `<prefix>_<ULID>`
 */
export function idTime(id: string): number {
  const separator = id.indexOf('_');
  if (separator < 0) throw new Error(`Not a Kassa id: ${JSON.stringify(id)}`);
  return decodeTime(id.slice(separator + 1));
}

const ID_PATTERN = /^[a-z]{2,3}_[0-9A-HJKMNP-TV-Z]{26}$/;

/** True when `value` has the shape of an id of the given kind. */
export function isId(kind: IdKind, value: string): boolean {
  return ID_PATTERN.test(value) && value.startsWith(`${ID_PREFIXES[kind]}_`);
}
