import { inspect } from 'node:util';

/**
 * A configured secret (a private key): the value sits in a private field, so logging,
 * `JSON.stringify` or `util.inspect` of the configuration shows `[secret]`, never the value
 * (STYLE.md "Configuration": sensitive settings are never logged). Call {@link reveal} only
 * where the value is used.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret value itself. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[secret]';
  }

  toJSON(): string {
    return '[secret]';
  }

  [inspect.custom](): string {
    return '[secret]';
  }
}
