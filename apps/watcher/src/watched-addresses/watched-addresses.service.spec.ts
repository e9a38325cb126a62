import type { Address } from 'viem';

import type { KassaConfig } from '@kassa/config';
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
