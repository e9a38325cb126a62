import { getAddress } from 'viem';

import { checksumLowercase, ChecksumMemo } from './evm-address';
import { seededRandom } from '@kassa/testing';

describe('EIP-55 checksums of lowercase addresses', () => {
  it('are viem\'s getAddress for 2,000 random addresses and the EIP-55 examples', () => {
    const random = seededRandom(55);
    const addresses = Array.from({ length: 2000 }, () => `0x${Array.from({ length: 40 }, () => '0123456789abcdef'[Math.floor(random() * 16)]).join('')}`);
    // The examples of https://eips.ethereum.org/EIPS/eip-55
    addresses.push('0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed', '0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359', '0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb');
    for (const address of addresses) expect(checksumLowercase(address)).toBe(getAddress(address));
    expect(checksumLowercase('0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed')).toBe('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed');
  });

  it('are remembered for recurring addresses, up to the memo\'s capacity', () => {
    const memo = new ChecksumMemo(2);
    const a = '0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359';
    expect(memo.of(a)).toBe(getAddress(a));
    expect(memo.of(a)).toBe(getAddress(a));
    expect(memo.of('0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb')).toBe(getAddress('0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb'));
    expect(memo.of('0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed')).toBe('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed');
  });
});
