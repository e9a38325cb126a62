import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiKeyGuard } from '../auth/api-key.guard';
import { ApiProblemResponses, MERCHANT_API_PROBLEMS } from '../common/openapi';
import { CurrencyCatalog } from './currency-catalog.service';
import { CurrencyListResponse, type CurrencyObject } from './dto/currency.response';
import { ListCurrenciesQuery } from './dto/list-currencies.query';

/** Pricing currency of `GET /v1/currencies` when none is asked for. */
export const DEFAULT_PRICING_CURRENCY = 'USD';

/** The chains and coins a merchant can accept (`/v1/currencies`, docs/api.md "Currencies"), with their rates. */
@ApiTags('currencies')
@ApiBearerAuth()
@ApiProblemResponses(...MERCHANT_API_PROBLEMS, 403)
@UseGuards(ApiKeyGuard)
@Controller('v1/currencies')
export class CurrenciesController {
  constructor(private readonly catalog: CurrencyCatalog) {}

  @Get()
  @ApiOperation({
    summary: 'List the coins a merchant can accept, with their rates',
    description:
      'Every coin of every configured chain, native coin first. A token pegged to the pricing currency quotes 1; other coins quote from the chain\'s price feed. A missing or stale rate is listed as unavailable with the reason, never approximated.',
  })
  @ApiOkResponse({ type: CurrencyListResponse })
  @ApiProblemResponses(400)
  async list(@Query() query: ListCurrenciesQuery): Promise<{ object: 'list'; data: CurrencyObject[] }> {
    return { object: 'list', data: await this.catalog.list(query.pricingCurrency ?? DEFAULT_PRICING_CURRENCY) };
  }
}
