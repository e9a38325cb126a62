// Flushes a Kassa deposit address to its treasury, with viem only: what a merchant whose
// settlement policy is "off" runs to move its funds (docs/settlement.md).
//
// Anyone may call DepositFactory.flush and pay its gas; the funds can only go to the treasury
// the deposit address is bound to, so this script needs no key of Kassa's or of the address.
//
//   RPC_URL=https://...            JSON-RPC URL of the payment's chain
//   PRIVATE_KEY=0x...              any account with native coin for gas (never the treasury's key if you can avoid it)
//   FACTORY=0x...                  the DepositFactory of that chain (from the operator's chain configuration)
//   TREASURY=0x...                 your treasury on that chain
//   PAYMENT_ID=pay_...             the payment whose deposit address to flush
//   TOKENS=0x...,native            what to move: token contracts, and/or "native" for the chain's coin
//   DEPOSIT_ADDRESS=0x...          optional: the payment's depositAddress, checked before sending
//
//   node flush-deposit-address.mjs
import { createPublicClient, createWalletClient, getAddress, http, keccak256, parseAbi, stringToBytes, zeroAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

const factoryAbi = parseAbi([
  'function depositAddress(address treasury, bytes32 salt) view returns (address)',
  'function flush(address treasury, bytes32 salt, address[] tokens) returns (address)',
]);

const { RPC_URL, PRIVATE_KEY, FACTORY, TREASURY, PAYMENT_ID, TOKENS = 'native', DEPOSIT_ADDRESS } = process.env;
for (const [name, value] of Object.entries({ RPC_URL, PRIVATE_KEY, FACTORY, TREASURY, PAYMENT_ID })) {
  if (!value) throw new Error(`${name} is required`);
}

const publicClient = createPublicClient({ transport: http(RPC_URL) });
const chain = {
  id: await publicClient.getChainId(),
  name: 'payment chain',
  nativeCurrency: { name: 'native', symbol: 'NATIVE', decimals: 18 },
  rpcUrls: { default: { http: [RPC_URL] } },
};
const walletClient = createWalletClient({ account: privateKeyToAccount(PRIVATE_KEY), chain, transport: http(RPC_URL) });

// Kassa's per-payment salt: keccak256 of the payment id's UTF-8 bytes.
const salt = keccak256(stringToBytes(PAYMENT_ID));
const treasury = getAddress(TREASURY);
const tokens = TOKENS.split(',').map((token) => (token.trim() === 'native' ? zeroAddress : getAddress(token.trim())));

const deposit = await publicClient.readContract({ address: FACTORY, abi: factoryAbi, functionName: 'depositAddress', args: [treasury, salt] });
if (DEPOSIT_ADDRESS && getAddress(DEPOSIT_ADDRESS) !== deposit) {
  throw new Error(`The factory computes ${deposit} for this treasury and payment, not ${DEPOSIT_ADDRESS}: check FACTORY and TREASURY`);
}
console.log(`Deposit address of ${PAYMENT_ID}: ${deposit}`);

const hash = await walletClient.writeContract({ address: FACTORY, abi: factoryAbi, functionName: 'flush', args: [treasury, salt, tokens] });
const receipt = await publicClient.waitForTransactionReceipt({ hash });
console.log(`Flushed to ${treasury} in ${hash} (block ${receipt.blockNumber}, ${receipt.status})`);
if (receipt.status !== 'success') process.exit(1);
