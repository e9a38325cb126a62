import { InvalidPaymentUriInputError } from './errors';
import { paymentUri, type PaymentUriInput } from './payment-uri';

/**
 * EIP-681 (https://eips.ethereum.org/EIPS/eip-681), "Syntax" section, as a regular expression:
 *   request        = schema_prefix target_address [ "@" chain_id ] [ "/" function_name ] [ "?" parameters ]
 *   schema_prefix  = "ethereum" ":" [ "pay-" ]
 *   target_address = ethereum_address          ; "0x" 40*HEXDIG (ENS names aside)
 *   chain_id       = 1*DIGIT
 *   parameters     = parameter *( "&" parameter )
 *   parameter      = key "=" value
 *   key            = "value" / "gas" / "gasLimit" / "gasPrice" / TYPE
 *   number         = [ "-" / "+" ] *DIGIT [ "." 1*DIGIT ] [ ( "e" / "E" ) [ 1*DIGIT ] ]
 */
const EIP681 =
  /^ethereum:(?:pay-)?(?<target>0x[0-9a-fA-F]{40})(?:@(?<chainId>[0-9]+))?(?:\/(?<fn>[A-Za-z_][A-Za-z0-9_]*))?(?:\?(?<params>[A-Za-z0-9]+=[^&=]+(?:&[A-Za-z0-9]+=[^&=]+)*))?$/;

function parse(uri: string) {
  const match = EIP681.exec(uri);
  if (!match?.groups) throw new Error(`not an EIP-681 URI: ${uri}`);
  const { target, chainId, fn, params } = match.groups;
  return { target, chainId, fn, params: Object.fromEntries(new URLSearchParams(params ?? '')) };
}

const deposit = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const;
const usdc = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48' as const;

describe('EIP-681 payment URIs', () => {
  it('native coin: the deposit address is the target and value is in wei', () => {
    const uri = paymentUri({ chainId: 1, depositAddress: deposit, amount: 1_500_000_000_000_000_000n });

    expect(uri).toBe('ethereum:0x70997970C51812dc3A010C7d01b50e0d17dc79C8@1?value=1500000000000000000');
    expect(parse(uri)).toEqual({ target: deposit, chainId: '1', fn: undefined, params: { value: '1500000000000000000' } });
  });

  it('ERC-20: the token is the target, transfer(address,uint256) carries the deposit address and base units', () => {
    const uri = paymentUri({ chainId: 137, depositAddress: deposit, amount: 25_000_000n, token: usdc });

    expect(uri).toBe(
      'ethereum:0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48@137/transfer?address=0x70997970C51812dc3A010C7d01b50e0d17dc79C8&uint256=25000000',
    );
    expect(parse(uri)).toEqual({
      target: usdc,
      chainId: '137',
      fn: 'transfer',
      params: { address: deposit, uint256: '25000000' },
    });
  });

  it('null token means the native coin', () => {
    expect(paymentUri({ chainId: 1, depositAddress: deposit, amount: 1n, token: null })).toBe(
      `ethereum:${deposit}@1?value=1`,
    );
  });

  it('writes amounts as plain integers, never exponent notation, up to 2^256 - 1', () => {
    const max = 2n ** 256n - 1n;
    const uri = paymentUri({ chainId: 31337, depositAddress: deposit, amount: max, token: usdc });
    expect(parse(uri).params.uint256).toMatch(/^[0-9]+$/);
    expect(parse(uri).params.uint256).toBe(max.toString());
    // 1,000 DAI is 10^21 base units: JavaScript numbers would print "1e+21".
    expect(parse(paymentUri({ chainId: 1, depositAddress: deposit, amount: 10n ** 21n })).params.value).toBe(
      '1000000000000000000000',
    );
  });

  it('checksums addresses given in lower case (EIP-55)', () => {
    const uri = paymentUri({
      chainId: 1,
      depositAddress: deposit.toLowerCase() as `0x${string}`,
      amount: 5n,
      token: usdc.toLowerCase() as `0x${string}`,
    });
    expect(parse(uri)).toMatchObject({ target: usdc, params: { address: deposit } });
  });

  it.each<[string, PaymentUriInput, string]>([
    ['a zero amount', { chainId: 1, depositAddress: deposit, amount: 0n }, 'amount'],
    ['a negative amount', { chainId: 1, depositAddress: deposit, amount: -1n }, 'amount'],
    ['chain id 0', { chainId: 0, depositAddress: deposit, amount: 1n }, 'chainId'],
    ['a fractional chain id', { chainId: 1.5, depositAddress: deposit, amount: 1n }, 'chainId'],
    ['a malformed deposit address', { chainId: 1, depositAddress: '0x1234' as `0x${string}`, amount: 1n }, 'depositAddress'],
    ['a malformed token', { chainId: 1, depositAddress: deposit, amount: 1n, token: '0xzz' as `0x${string}` }, 'token'],
  ])('rejects %s', (_case, input, field) => {
    expect(() => paymentUri(input)).toThrow(InvalidPaymentUriInputError);
    expect(() => paymentUri(input)).toThrow(field);
  });
});
