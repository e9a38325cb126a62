import { Inject, Injectable, Logger, Module, type OnModuleInit, Optional } from '@nestjs/common';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';

import { assertChainsAsConfigured, RECORDED_CHAIN_IDENTITIES, type RecordedChainIdentities } from './verify-chain';

/**
 * Checks every configured chain before the application serves (`onModuleInit` runs before any
 * `onApplicationBootstrap`, so before the followers, the scheduled jobs and `listen`): a chain that contradicts its configuration
 * (`assertChainsAsConfigured`) stops the start with `ChainVerificationError`. A node that does
 * not answer is logged and the start goes on: an RPC outage must not keep Kassa down, and the
 * watcher's chain identity check stands guard when the node comes back.
 */
@Injectable()
export class ChainVerificationOnStart implements OnModuleInit {
  private readonly logger = new Logger('ChainVerification');

  constructor(
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
    @Optional() @Inject(RECORDED_CHAIN_IDENTITIES) private readonly identities?: RecordedChainIdentities,
  ) {}

  /** @throws ChainVerificationError naming chain, field, expected and found of every mismatch */
  async onModuleInit(): Promise<void> {
    const unverified = await assertChainsAsConfigured(this.config.chains, this.identities);
    for (const chain of unverified) {
      const why = chain.replaced ? `its node serves another chain than the one followed: ${chain.replaced}` : `its node does not answer (${chain.error ?? 'no answer'})`;
      this.logger.warn(`Could not verify chain ${chain.chainId} (${chain.name}) at start: ${why}; the watcher's chain identity check handles it`);
    }
  }
}

/**
 * Imported by the api, watcher and worker root modules: composed in one process (`npm start`)
 * the check runs once.
 */
@Module({ providers: [ChainVerificationOnStart] })
export class ChainVerificationModule {}
