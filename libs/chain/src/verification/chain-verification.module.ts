import { Inject, Injectable, Logger, Module, type OnModuleInit } from '@nestjs/common';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';

import { assertChainsAsConfigured } from './verify-chain';

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

  constructor(@Inject(KASSA_CONFIG) private readonly config: KassaConfig) {}

  /** @throws ChainVerificationError naming chain, field, expected and found of every mismatch */
  async onModuleInit(): Promise<void> {
    const unreachable = await assertChainsAsConfigured(this.config.chains);
    for (const chain of unreachable) {
      this.logger.warn(`Could not verify chain ${chain.chainId} (${chain.name}) at start: ${chain.error ?? 'no answer'}; it is checked by the watcher when its node answers`);
    }
  }
}

/**
 * Imported by the api, watcher and worker root modules: composed in one process (`npm start`)
 * the check runs once.
 */
@Module({ providers: [ChainVerificationOnStart] })
export class ChainVerificationModule {}
