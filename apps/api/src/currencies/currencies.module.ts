import { Module } from '@nestjs/common';

import { CurrencyCatalog } from './currency-catalog.service';

/**
 * The coin catalogue behind `GET /v1/currencies` (needs the chain registry module, which
 * also provides the rate source). The controller, `CurrenciesController`, is declared
 * by the API's root module beside the other merchant API controllers, so it shares their
 * one API key authenticator (whose per-request lookup the rate limiter reuses).
 */
@Module({
  providers: [CurrencyCatalog],
  exports: [CurrencyCatalog],
})
export class CurrenciesModule {}
