import fc from 'fast-check';
import { encodeAbiParameters, getAddress, getContractAddress, type Hex, keccak256, size, toHex } from 'viem';
import { InvalidDepositAddressInputError } from './errors';
import { cloneInitCode, cloneRuntimeCode, depositAddress, effectiveSalt, paymentSalt } from './deposit-address';

/** Off-chain rules only; contracts/test checks them against the deployed contracts. */
describe('deposit address derivation', () => {
  const implementation = '0xbebebebebebebebebebebebebebebebebebebebe';
  const factory = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
  const treasury = '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc';

  it('the payment salt is keccak256 of the UTF-8 payment id', () => {
    expect(paymentSalt('pay_1')).toBe(keccak256(toHex('pay_1')));
    expect(paymentSalt('paiement_é')).toBe(keccak256(new TextEncoder().encode('paiement_é')));
    expect(paymentSalt('pay_1')).not.toBe(paymentSalt('pay_2'));
    expect(() => paymentSalt('')).toThrow(InvalidDepositAddressInputError);
  });

  it('clone code is the EIP-1167 minimal proxy around the implementation address', () => {
    // EIP-1167 reference bytecode with the implementation's 20 bytes in the middle.
    expect(cloneRuntimeCode(implementation)).toBe(
      '0x363d3d373d3d3d363d73bebebebebebebebebebebebebebebebebebebebe5af43d82803e903d91602b57fd5bf3',
    );
    expect(size(cloneRuntimeCode(implementation))).toBe(45);
    // Creation code (as OpenZeppelin Clones builds it): 10-byte constructor returning the runtime code.
    expect(cloneInitCode(implementation)).toBe(`0x3d602d80600a3d3981f3${cloneRuntimeCode(implementation).slice(2)}`);
    expect(size(cloneInitCode(implementation))).toBe(55);
  });

  it('the effective salt commits to the treasury', () => {
    const salt = paymentSalt('pay_1');
    expect(effectiveSalt(treasury, salt)).not.toBe(effectiveSalt(factory, salt));
    expect(() => effectiveSalt(treasury, '0x1234')).toThrow(InvalidDepositAddressInputError);
  });

  it('returns a checksummed address and rejects malformed input', () => {
    const address = depositAddress({ factory, implementation, treasury, salt: paymentSalt('pay_1') });
    expect(address).toBe(getAddress(address));
    expect(() => depositAddress({ factory: '0x12', implementation, treasury, salt: paymentSalt('pay_1') })).toThrow(
      'factory must be a 20-byte address',
    );
  });

  it('equals the EIP-1014 rule computed with viem from the ABI-encoded salt, for any factory, implementation, treasury and salt', () => {
    const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => toHex(bytes));
    const anyCase = (hex: Hex) => fc.constantFrom(hex, getAddress(hex), hex.toUpperCase().replace('0X', '0x') as Hex);
    fc.assert(
      fc.property(
        address.chain(anyCase),
        // Few implementations, so the memoised init code hashes are hit as well as missed.
        fc.constantFrom(implementation, factory, treasury).chain((hex) => anyCase(hex as Hex)),
        address.chain(anyCase),
        fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => toHex(bytes)),
        (factoryAddress, implementationAddress, treasuryAddress, salt) => {
          const expected = getContractAddress({
            opcode: 'CREATE2',
            from: factoryAddress,
            salt: keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'bytes32' }], [getAddress(treasuryAddress), salt])),
            bytecode: cloneInitCode(implementationAddress),
          });
          expect(depositAddress({ factory: factoryAddress, implementation: implementationAddress, treasury: treasuryAddress, salt })).toBe(expected);
          expect(effectiveSalt(treasuryAddress, salt)).toBe(keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'bytes32' }], [getAddress(treasuryAddress), salt])));
        },
      ),
      { numRuns: 500, seed: 20261207 },
    );
  });
});

