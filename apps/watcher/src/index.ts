export * from './chains/chain-follower';
export * from './chains/chain-followers.service';
export * from './watched-addresses/watched-addresses.service';
export * from './watcher.module';
export * from './watcher.options';
export { WATCHER_LOCK_KEY, chainLockKey } from './leadership/chain-leadership';
export { CHAIN_WRITE_LOCK_KEY, CursorMovedError, LeadershipLostError, RecordBlocks } from './transfers/record-blocks.use-case';
export { ReevaluatePayments } from './payments/reevaluate-payments.use-case';
