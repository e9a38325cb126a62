import { ValidatorConstraint, type ValidatorConstraintInterface, registerDecorator, type ValidationOptions } from 'class-validator';
import { isEvmAddress } from '@kassa/chain';
import { isTolerancePercent, isWebOrigin } from '@kassa/domain';

function decorator(name: string, message: string, test: (value: unknown) => boolean) {
  return (options?: ValidationOptions): PropertyDecorator =>
    (target, property) =>
      registerDecorator({
        name,
        target: target.constructor,
        propertyName: String(property),
        options: { message, ...options },
        validator: { validate: test },
      });
}

/** An EVM address (EIP-55 checksum checked when mixed-case), not the zero address. */
export const IsEvmAddress = decorator('isEvmAddress', 'must be a 0x-prefixed 20-byte address with a valid EIP-55 checksum, not the zero address', isEvmAddress);

/** An underpayment tolerance percentage as a decimal string, 0 to 99.99, at most 2 decimals. */
export const IsTolerancePercent = decorator(
  'isTolerancePercent',
  'must be a percentage from "0" to "99.99" as a decimal string with at most 2 decimals',
  isTolerancePercent,
);

/** A canonical web origin `http(s)://host[:port]`. */
export const IsWebOrigin = decorator('isWebOrigin', 'must be an origin such as https://shop.example (scheme, lowercase host, optional port; no path)', isWebOrigin);

const CHAIN_ID_KEY = /^[1-9]\d{0,9}$/;

/** Per-chain treasury changes: `{ "<chainId>": "0x..." | null }`, at most 50 chains. */
@ValidatorConstraint({ name: 'treasuryChanges' })
export class TreasuryChangesConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const entries = Object.entries(value);
    return (
      entries.length <= 50 &&
      entries.every(([chainId, address]) => CHAIN_ID_KEY.test(chainId) && Number(chainId) <= 2 ** 31 - 1 && (address === null || isEvmAddress(address)))
    );
  }

  defaultMessage(): string {
    return 'must map chain ids ("31337") to EIP-55 addresses, or to null to use the default treasury (at most 50 chains)';
  }
}
