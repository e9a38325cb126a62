import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { NotFoundError } from '@kassa/domain';
import { type ApiKeyPrincipal, DeliveriesRepository, EventsRepository } from '@kassa/persistence';

import { ApiKeyGuard, Principal } from '../auth/api-key.guard';
import { IdPipe } from '../common/id.pipe';
import { ApiProblemResponses, BODY_PROBLEMS, MERCHANT_API_PROBLEMS } from '../common/openapi';
import { listPage } from '../common/list-page';
import { timestampFilter } from '../common/timestamps';
import {
  EventListResponse,
  EventWithDeliveriesResponse,
  RedeliveryResponse,
  toDeliveryResponse,
  toEventResponse,
} from './dto/event.response';
import { ListEventsQuery } from './dto/list-events.query';
import { RedeliverEventDto } from './dto/redeliver-event.dto';
import { RedeliverEventUseCase } from './redeliver-event.use-case';

const eventId = new IdPipe('event', 'event');

/** The merchant's events and their webhook deliveries (DESIGN.md "Webhooks"): see, and replay, what was sent. */
@ApiTags('events')
@ApiBearerAuth()
@ApiProblemResponses(...MERCHANT_API_PROBLEMS, 403)
@UseGuards(ApiKeyGuard)
@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly events: EventsRepository,
    private readonly deliveries: DeliveriesRepository,
    private readonly redeliver: RedeliverEventUseCase,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List events, newest first', description: 'Filters: type, paymentId, created range. Cursor pagination: startingAfter = nextCursor.' })
  @ApiOkResponse({ type: EventListResponse })
  @ApiProblemResponses(400)
  async list(@Principal() principal: ApiKeyPrincipal, @Query() query: ListEventsQuery): Promise<EventListResponse> {
    return listPage(
      query.limit,
      (limit) =>
        this.events.list(principal.merchantId, {
          type: query.type,
          paymentId: query.paymentId,
          createdGte: timestampFilter('createdFrom', query.createdFrom),
          createdLt: timestampFilter('createdTo', query.createdTo),
          startingAfter: query.startingAfter,
          limit,
        }),
      (rows) => rows.map((event) => toEventResponse(event.payload)),
    );
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Get an event with its deliveries',
    description: 'The webhook body as sent, plus one delivery per endpoint with every attempt: time, status code, duration, the first 2 KiB of the answer.',
  })
  @ApiOkResponse({ type: EventWithDeliveriesResponse })
  @ApiProblemResponses(404)
  async get(@Principal() principal: ApiKeyPrincipal, @Param('id', eventId) id: string): Promise<EventWithDeliveriesResponse> {
    const event = await this.events.findById(principal.merchantId, id);
    if (!event) throw new NotFoundError('event', id);
    const [deliveries, attempts] = await Promise.all([
      this.deliveries.listByEvent(principal.merchantId, id),
      this.deliveries.listAttemptsByEvent(principal.merchantId, id),
    ]);
    return {
      ...toEventResponse(event.payload),
      deliveries: deliveries.map((delivery) => toDeliveryResponse(delivery, attempts.get(delivery.id) ?? [])),
    };
  }

  @Post(':id/redeliver')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send an event again',
    description:
      'Queues the event for every enabled endpoint subscribed to its type, or for one endpoint (`endpointId`), due now. ' +
      'Each queued delivery gets a new retry window (3 days of backoff). The body may be omitted.',
  })
  @ApiAcceptedResponse({ type: RedeliveryResponse })
  @ApiProblemResponses(...BODY_PROBLEMS, 404, 409)
  async redeliverEvent(
    @Principal() principal: ApiKeyPrincipal,
    @Param('id', eventId) id: string,
    @Body() body: RedeliverEventDto,
  ): Promise<RedeliveryResponse> {
    const queued = await this.redeliver.execute(principal.merchantId, id, body.endpointId);
    return { object: 'redelivery', eventId: id, deliveries: queued.map((delivery) => ({ id: delivery.deliveryId, endpointId: delivery.endpointId })) };
  }
}
