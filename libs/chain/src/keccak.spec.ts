import fc from 'fast-check';
import { bytesToHex, keccak256, stringToBytes } from 'viem';

import { keccak256Bytes, keccak256Hex } from './keccak';

describe('Keccak-256', () => {
  it('gives the known digests of the empty input and of "abc" (Keccak padding, not SHA3-256)', () => {
    expect(keccak256Hex('')).toBe('0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    expect(keccak256Hex(new Uint8Array())).toBe('0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    expect(keccak256Hex('abc')).toBe('0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45');
  });

  it("equals viem's keccak256 for any bytes, across the 136-byte rate of the sponge", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 420 }), (bytes) => {
        const expected = keccak256(bytes);
        expect(keccak256Hex(bytes)).toBe(expected);
        expect(bytesToHex(keccak256Bytes(bytes))).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("hashes a string as its UTF-8 bytes, as viem's stringToBytes encodes it", () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        expect(keccak256Hex(text)).toBe(keccak256(stringToBytes(text)));
      }),
      { numRuns: 500 },
    );
  });
});
