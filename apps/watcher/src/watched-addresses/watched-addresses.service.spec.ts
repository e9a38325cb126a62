import type { Address } from 'viem';

import type { KassaConfig } from '@kassa/config';
import { newId } from '@kassa/domain';
import type { PaymentsRepository } from '@kassa/persistence';
import type { DataSource } from 'typeorm';

import type { WatcherOptions } from '../watcher.options';
import { WatchedAddressesService } from './watched-addresses.service';

/** The in-memory list alone: adding payments as notifications and reloads do. */
describe('WatchedAddressesService list', () => {
  const service = new WatchedAddressesService({} as DataSource, {} as PaymentsRepository, {} as KassaConfig, {} as WatcherOptions);
  const address = '0x00000000000000000000000000000000000000Aa' as Address;
  const other = '0x00000000000000000000000000000000000000bB' as Address;

  it('finds the payment of an address in any letter case, once however often it is added', () => {
    service.add({ chainId: 1, depositAddress: address, paymentId: 'pay_A', acceptsNative: false });
    service.add({ chainId: 1, depositAddress: address.toLowerCase() as Address, paymentId: 'pay_A', requiredConfirmations: 12 });
    const list = service.forChain(1);
    expect(list.has(address.toLowerCase())).toBe(true);
    expect(list.paymentIdOf(address.toLowerCase())).toBe('pay_A');
    expect(list.size).toBe(1);
    expect(list.nativeSize).toBe(1);
    expect(list.maxRequiredConfirmations).toBe(12);
    expect(service.forChain(2).has(address.toLowerCase())).toBe(false);
  });

  it('keeps the first payment of an address that two payments name', () => {
    service.add({ chainId: 3, depositAddress: other, paymentId: 'pay_B' });
    service.add({ chainId: 3, depositAddress: other, paymentId: 'pay_C' });
    service.add({ chainId: 3, depositAddress: other, paymentId: 'pay_C' });
    const list = service.forChain(3);
    expect(list.paymentIdOf(other.toLowerCase())).toBe('pay_B');
    expect(list.size).toBe(1);
    expect(list.paymentIdOf('0x0000000000000000000000000000000000000001')).toBeUndefined();
  });
});

/** The addresses learnt while a chain's follower collects them: what it looks for in blocks read before. */
describe('WatchedAddressesService learnt addresses', () => {
  const created = Date.UTC(2026, 11, 7, 12, 0, 0);
  const payment = (n: number): string => newId('payment', created + n);
  const addressOf = (n: number): Address => `0x${n.toString(16).padStart(40, '0')}` as Address;

  function serviceWithRows(rows: { chainId: number; depositAddress: Address; paymentId: string; acceptsNative: boolean }[]): WatchedAddressesService {
    const payments = {
      watchedAddresses: async () => rows,
      async *watchedAddressBatches() {
        yield rows;
      },
    } as unknown as PaymentsRepository;
    const config = { payments: { lateTransferWindowSeconds: 60 } } as KassaConfig;
    return new WatchedAddressesService({} as DataSource, payments, config, {} as WatcherOptions);
  }

  it('queues an address new to a collecting chain, with its payment\'s creation time, once, and nothing for other chains', () => {
    const service = serviceWithRows([]);
    service.collectLearnt(1, true);
    const before = service.forChain(1).version;
    service.add({ chainId: 1, depositAddress: addressOf(1), paymentId: payment(1), acceptsNative: false });
    service.add({ chainId: 1, depositAddress: addressOf(1), paymentId: payment(1) });
    service.add({ chainId: 2, depositAddress: addressOf(2), paymentId: payment(2) });

    const learnt = service.takeLearnt(1);
    // Held from the version the add made: a scan under any earlier one lacked it.
    expect(learnt).toEqual([{ address: addressOf(1), native: false, createdAtMs: created + 1, listVersion: before + 1 }]);
    expect(service.takeLearnt(1)).toEqual([]);
    expect(service.takeLearnt(2)).toEqual([]);
  });

  it('queues the addresses a reload finds that the list lacked, not those it had', async () => {
    const service = serviceWithRows([
      { chainId: 1, depositAddress: addressOf(1), paymentId: payment(1), acceptsNative: false },
      { chainId: 1, depositAddress: addressOf(3), paymentId: payment(3), acceptsNative: true },
    ]);
    service.add({ chainId: 1, depositAddress: addressOf(1), paymentId: payment(1), acceptsNative: false });
    service.collectLearnt(1, true);
    const before = service.forChain(1).version;
    await service.refresh();

    expect(service.takeLearnt(1)).toEqual([{ address: addressOf(3), native: true, createdAtMs: created + 3, listVersion: before + 1 }]);
    expect(service.forChain(1).version).toBe(before + 1);
  });

  it('stops queueing when the chain stops collecting, and takes an id without a time as created at 0', () => {
    const service = serviceWithRows([]);
    service.collectLearnt(1, true);
    service.add({ chainId: 1, depositAddress: addressOf(4), paymentId: 'pay_NOT-A-ULID' });
    expect(service.takeLearnt(1)).toEqual([expect.objectContaining({ address: addressOf(4), native: true, createdAtMs: 0 })]);
    service.collectLearnt(1, false);
    service.add({ chainId: 1, depositAddress: addressOf(5), paymentId: payment(5) });
    expect(service.takeLearnt(1)).toEqual([]);
  });
});
