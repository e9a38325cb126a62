import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ChainRegistry, currencyDecimals, explorerLink } from '@kassa/chain';
import { type DashboardAction, type DashboardUser, generateApiKey, normaliseSettlementPolicy, NotFoundError, PAYMENT_EXCEPTIONS, PAYMENT_STATUSES, roleAllows, ValidationError } from '@kassa/domain';
import {
  ApiKeysRepository,
  ChainStatusRepository,
  DashboardOverviewRepository,
  DeliveriesRepository,
  MerchantsRepository,
  PaymentObjectsService,
  PaymentsRepository,
  SettlementPoliciesRepository,
  SettlementsRepository,
  WebhookEndpointsRepository,
} from '@kassa/persistence';
import { generateWebhookSecret } from '@kassa/webhooks';

import { qrCodeSvg } from '../checkout/qr-code';
import { AcceptsAnyQueryParameters } from '../common/known-query-parameters';
import { createValidationPipe } from '../common/validation';
import { RedeliverEventUseCase } from '../events/redeliver-event.use-case';
import { exportKindOf } from '../exports/exports.controller';
import { ExportsService } from '../exports/exports.service';
import { UpdateMerchantSettingsDto } from '../merchant/dto/update-merchant-settings.dto';
import { UpdateMerchantSettingsUseCase } from '../merchant/update-merchant-settings.use-case';
import { CreateRefundUseCase } from '../refunds/create-refund.use-case';
import { PutSettlementPolicyDto } from '../settlements/dto/settlement-policy.dto';
import { CreateWebhookEndpointUseCase } from '../webhook-endpoints/create-webhook-endpoint.use-case';
import { SendTestEventUseCase } from '../webhook-endpoints/send-test-event.use-case';
import { DashboardAuthService } from './dashboard-auth.service';
import { DashboardErrorFilter } from './dashboard-error.filter';
import { DASHBOARD_HEADERS } from './dashboard-headers';
import { DASHBOARD_ASSETS, type PageFrame } from './views/layout';
import { apiKeysView, endpointLogView, overviewView, securityView, settingsView, settlementsView, webhooksView } from './views/pages.view';
import { type PaymentFilterValues, paymentsView, paymentView } from './views/payments.view';
import { setPasswordView, signInView } from './views/sign-in.view';
import { PrincipalCache } from '../auth/principal-cache';

/** Payments per page of the payments list. */
const PAGE_SIZE = 25;
/** Grace period of a secret rotated from the dashboard: 24 hours. */
const ROTATION_GRACE_MS = 24 * 3600 * 1000;

type Form = Record<string, string | undefined>;
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
const formOf = (body: unknown): Form => (typeof body === 'object' && body !== null ? (body as Form) : {});

declare module 'fastify' {
  interface Session {
    /** A message for the next page after an action. */
    notice?: string;
  }
}

/**
 * The merchant dashboard (docs/dashboard.md): pages served by the api at `/dashboard`,
 * signed in with a session (never an API key), each page and action checked against the
 * user's role, every form protected against CSRF (see `registerDashboard`).
 */
@ApiExcludeController()
@AcceptsAnyQueryParameters()
@UseFilters(DashboardErrorFilter)
@Controller('dashboard')
export class DashboardController {
  constructor(
    @Inject(ChainRegistry) private readonly chains: ChainRegistry,
    private readonly auth: DashboardAuthService,
    private readonly merchants: MerchantsRepository,
    private readonly payments: PaymentsRepository,
    private readonly objects: PaymentObjectsService,
    private readonly deliveries: DeliveriesRepository,
    private readonly overview: DashboardOverviewRepository,
    private readonly chainStatus: ChainStatusRepository,
    private readonly settlements: SettlementsRepository,
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly principals: PrincipalCache,
    private readonly policies: SettlementPoliciesRepository,
    private readonly redeliver: RedeliverEventUseCase,
    private readonly createRefund: CreateRefundUseCase,
    private readonly createEndpoint: CreateWebhookEndpointUseCase,
    private readonly sendTest: SendTestEventUseCase,
    private readonly updateSettings: UpdateMerchantSettingsUseCase,
    private readonly exportsService: ExportsService,
  ) {}

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() reply: FastifyReply): FastifyReply {
    const asset = Object.hasOwn(DASHBOARD_ASSETS, file) ? DASHBOARD_ASSETS[file] : undefined;
    if (!asset) throw new NotFoundError('asset', file);
    return reply.headers({ 'x-content-type-options': 'nosniff', 'content-type': asset.contentType, 'cache-control': 'public, max-age=86400' }).send(asset.body);
  }

  // ---- Signing in and out ----

  @Get('sign-in')
  signInPage(@Res() reply: FastifyReply): FastifyReply {
    return this.html(reply, signInView(reply.generateCsrf(), { step: 'password' }));
  }

  @Post('sign-in')
  async signIn(@Req() request: FastifyRequest, @Body() body: unknown, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const form = formOf(body);
    const outcome = await this.auth.checkPassword(text(form.email) ?? '', form.password ?? '');
    if (outcome.kind === 'refused') return this.html(reply, signInView(reply.generateCsrf(), { step: 'password', message: outcome.message, email: text(form.email) }), 401);
    await request.session.regenerate();
    if (outcome.kind === 'totp_required') {
      request.session.set('pendingUserId', outcome.user.id);
      return this.redirect(reply, '/dashboard/sign-in/totp');
    }
    request.session.set('userId', outcome.user.id);
    return this.redirect(reply, '/dashboard');
  }

  @Get('sign-in/totp')
  totpPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply): FastifyReply {
    if (!request.session.get('pendingUserId')) return this.redirect(reply, '/dashboard/sign-in');
    return this.html(reply, signInView(reply.generateCsrf(), { step: 'totp' }));
  }

  @Post('sign-in/totp')
  async signInTotp(@Req() request: FastifyRequest, @Body() body: unknown, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const pending = request.session.get('pendingUserId');
    if (!pending) return this.redirect(reply, '/dashboard/sign-in');
    const outcome = await this.auth.checkTotp(pending, formOf(body).code ?? '');
    if (outcome.kind !== 'signed_in') return this.html(reply, signInView(reply.generateCsrf(), { step: 'totp', message: outcome.kind === 'refused' ? outcome.message : null }), 401);
    await request.session.regenerate();
    request.session.set('userId', outcome.user.id);
    return this.redirect(reply, '/dashboard');
  }

  @Post('sign-out')
  async signOut(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    await request.session.destroy();
    return this.redirect(reply, '/dashboard/sign-in');
  }

  @Get('set-password/:token')
  async setPasswordPage(@Param('token') token: string, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return this.html(reply, setPasswordView(reply.generateCsrf(), token, { valid: await this.auth.linkValid(token) }));
  }

  @Post('set-password/:token')
  async setPassword(@Req() request: FastifyRequest, @Param('token') token: string, @Body() body: unknown, @Res() reply: FastifyReply): Promise<FastifyReply> {
    try {
      const user = await this.auth.setPasswordWithLink(token, formOf(body).password ?? '');
      await request.session.regenerate();
      request.session.set('userId', user.id);
      request.session.set('notice', 'Your password is set.');
      return this.redirect(reply, '/dashboard');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return this.html(reply, setPasswordView(reply.generateCsrf(), token, { valid: true, message: error.shortMessage }), 400);
    }
  }

  // ---- Pages ----

  @Get()
  async overviewPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const frame = await this.frame(request, reply, 'read', 'Overview', 'overview');
    const now = new Date();
    const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 29));
    const [volume, byStatus, failing, chains] = await Promise.all([
      this.overview.volumeByDay(frame.user.merchantId, since),
      this.overview.countByStatus(frame.user.merchantId),
      this.overview.failingEndpoints(frame.user.merchantId),
      this.chainStatus.list(this.chains.chains.map((chain) => chain.chainId)),
    ]);
    const named = chains.map((chain) => ({ ...chain, name: this.chains.find(chain.chainId)?.name ?? `chain ${chain.chainId}` }));
    return this.html(reply, overviewView(frame, { volume, today: now.toISOString().slice(0, 10), byStatus, failing, chains: named }));
  }

  @Get('payments')
  async paymentsPage(@Req() request: FastifyRequest, @Query() query: Record<string, string | undefined>, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const frame = await this.frame(request, reply, 'read', 'Payments', 'payments');
    const filters: PaymentFilterValues = {
      status: oneOf(PAYMENT_STATUSES, query.status),
      exception: oneOf(PAYMENT_EXCEPTIONS, query.exception),
      currency: text(query.currency),
      chainId: /^\d{1,10}$/.test(query.chainId ?? '') ? query.chainId : undefined,
      createdFrom: dateOf(query.createdFrom),
      createdTo: dateOf(query.createdTo),
      q: text(query.q)?.slice(0, 200),
    };
    const startingAfter = /^pay_[0-9A-HJKMNP-TV-Z]{26}$/.test(query.startingAfter ?? '') ? query.startingAfter : undefined;
    const rows = await this.payments.list(frame.user.merchantId, {
      status: filters.status as never,
      exception: filters.exception as never,
      currency: filters.currency,
      chainId: filters.chainId ? Number(filters.chainId) : undefined,
      createdGte: filters.createdFrom ? new Date(filters.createdFrom) : undefined,
      createdLt: filters.createdTo ? new Date(filters.createdTo) : undefined,
      query: filters.q,
      startingAfter,
      limit: PAGE_SIZE + 1,
    });
    const shown = await this.objects.buildMany(rows.slice(0, PAGE_SIZE));
    const nextCursor = rows.length > PAGE_SIZE ? shown[shown.length - 1]!.id : null;
    const choices = {
      currencies: [...new Set(this.chains.coins().map(({ token }) => token.symbol))],
      chains: this.chains.chains.map((chain) => ({ chainId: chain.chainId, name: chain.name })),
    };
    return this.html(reply, paymentsView(frame, filters, shown, nextCursor, choices));
  }

  @Get('payments/:id')
  async paymentPage(@Req() request: FastifyRequest, @Param('id') id: string, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const frame = await this.frame(request, reply, 'read', `Payment ${id}`, 'payments');
    const payment = await this.payments.findById(frame.user.merchantId, id);
    if (!payment) throw new NotFoundError('payment', id);
    const [object, deliveries] = await Promise.all([this.objects.build(payment), this.deliveries.listWithAttempts(frame.user.merchantId, { paymentId: id })]);
    const explorer = (chainId: number, kind: 'tx' | 'address', value: string) => explorerLink(this.chains.find(chainId)?.explorerUrl, kind, value);
    return this.html(reply, paymentView(frame, object, deliveries, explorer, { refund: roleAllows(frame.user.role, 'manage'), resend: roleAllows(frame.user.role, 'develop') }));
  }

  @Post('payments/:id/events/:eventId/resend')
  async resend(@Req() request: FastifyRequest, @Param('id') id: string, @Param('eventId') eventId: string, @Body() body: unknown, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const user = await this.auth.userOf(request, 'develop');
    const queued = await this.redeliver.execute(user.merchantId, eventId, text(formOf(body).endpointId));
    request.session.set('notice', `Queued ${queued.length} delivery(ies) again; the log below shows the new attempt once it is made.`);
    return this.redirect(reply, `/dashboard/payments/${encodeURIComponent(id)}`);
  }

  @Post('payments/:id/refunds')
  async refund(@Req() request: FastifyRequest, @Param('id') id: string, @Body() body: unknown, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const user = await this.auth.userOf(request, 'manage');
    const form = formOf(body);
    const created = await this.createRefund.execute(user.merchantId, id, { amount: text(form.amount), address: text(form.address), reason: text(form.reason) });
    request.session.set('notice', `Refund ${created.body.id} of ${created.body.amount} ${created.body.currency} created (${created.body.status.replace('_', ' ')}).`);
    return this.redirect(reply, `/dashboard/payments/${encodeURIComponent(id)}`);
  }

  @Get('settlements')
  async settlementsPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const frame = await this.frame(request, reply, 'read', 'Settlements', 'settlements');
    return this.html(reply, settlementsView(frame, await this.settlements.list(frame.user.merchantId, { limit: 100 })));
  }

  @Get('webhooks')
  async webhooksPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const frame = await this.frame(request, reply, 'read', 'Webhook endpoints', 'webhooks');
    return this.html(reply, webhooksView(frame, await this.endpoints.list(frame.user.merchantId), { develop: roleAllows(frame.user.role, 'develop') }, null));
  }

  @Post('webhooks')
  async addEndpoint(@Req() request: FastifyRequest, @Body() body: unknown, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const form = formOf(body);
    const frame = await this.frame(request, reply, 'develop', 'Webhook endpoints', 'webhooks');
    const created = await this.createEndpoint.execute(frame.user.merchantId, { url: form.url ?? '', description: text(form.description) });
    return this.html(reply, webhooksView({ ...frame, notice: `Endpoint ${created.id} added.` }, await this.endpoints.list(frame.user.merchantId), { develop: true }, created.secret));
  }

  @Get('webhooks/:id')
  async endpointLog(@Req() request: FastifyRequest, @Param('id') id: string, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const frame = await this.frame(request, reply, 'read', 'Delivery log', 'webhooks');
    const endpoint = await this.endpoints.findById(frame.user.merchantId, id);
    if (!endpoint) throw new NotFoundError('webhook endpoint', id);
    return this.html(reply, endpointLogView(frame, endpoint, await this.deliveries.listWithAttempts(frame.user.merchantId, { endpointId: id, limit: 100 })));
  }

  @Post('webhooks/:id/:action')
  async changeEndpoint(@Req() request: FastifyRequest, @Param('id') id: string, @Param('action') action: string, @Res() reply: FastifyReply): Promise<FastifyReply> {
    if (action === 'rotate') {
      const frame = await this.frame(request, reply, 'develop', 'Webhook endpoints', 'webhooks');
      const rotated = await this.endpoints.rotateSecret(frame.user.merchantId, id, generateWebhookSecret(), new Date(Date.now() + ROTATION_GRACE_MS));
      if (!rotated) throw new NotFoundError('webhook endpoint', id);
      return this.html(reply, webhooksView({ ...frame, notice: 'Secret rotated; the old one signs too for 24 hours.' }, await this.endpoints.list(frame.user.merchantId), { develop: true }, rotated.secret));
    }
    const user = await this.auth.userOf(request, 'develop');
    if (action === 'test') {
      const event = await this.sendTest.execute(user.merchantId, id);
      request.session.set('notice', `Test event ${event.id} queued for the endpoint; its delivery log shows the attempt.`);
      return this.redirect(reply, `/dashboard/webhooks/${encodeURIComponent(id)}`);
    }
    if (action !== 'enable' && action !== 'disable') throw new NotFoundError('action', action);
    if (!(await this.endpoints.update(user.merchantId, id, { enabled: action === 'enable' }))) throw new NotFoundError('webhook endpoint', id);
    request.session.set('notice', `Endpoint ${id} ${action}d.`);
    return this.redirect(reply, '/dashboard/webhooks');
  }

  @Get('api-keys')
  async apiKeysPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const frame = await this.frame(request, reply, 'read', 'API keys', 'api-keys');
    return this.html(reply, apiKeysView(frame, await this.apiKeys.list(frame.user.merchantId), { develop: roleAllows(frame.user.role, 'develop') }, null));
  }

  @Post('api-keys')
  async createKey(@Req() request: FastifyRequest, @Body() body: unknown, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const frame = await this.frame(request, reply, 'develop', 'API keys', 'api-keys');
    const form = formOf(body);
    const scopes = form.scopes === 'read' ? ['read'] : ['read', 'write'];
    const { key, hash, displayPrefix } = generateApiKey();
    await this.apiKeys.create({ merchantId: frame.user.merchantId, prefix: displayPrefix, keyHash: hash, scopes, name: text(form.name)?.slice(0, 100) ?? null });
    return this.html(reply, apiKeysView({ ...frame, notice: 'Key created.' }, await this.apiKeys.list(frame.user.merchantId), { develop: true }, key));
  }

  @Post('api-keys/:id/revoke')
  async revokeKey(@Req() request: FastifyRequest, @Param('id') id: string, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const user = await this.auth.userOf(request, 'develop');
    const outcome = await this.apiKeys.revokeKeepingOne(user.merchantId, id);
    this.principals.forget(user.merchantId);
    if (outcome === 'not_found') throw new NotFoundError('API key', id);
    request.session.set('notice', outcome === 'revoked' ? `Key ${id} revoked.` : 'This is the last active key: create another before revoking it.');
    return this.redirect(reply, '/dashboard/api-keys');
  }

  @Get('settings')
  async settingsPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const frame = await this.frame(request, reply, 'read', 'Settings', 'settings');
    const [merchant, policy] = await Promise.all([this.merchants.findById(frame.user.merchantId), this.policies.get(frame.user.merchantId)]);
    const chains = this.chains.chains.map((chain) => ({ chainId: chain.chainId, name: chain.name }));
    return this.html(reply, settingsView(frame, merchant!, policy, chains, { manage: roleAllows(frame.user.role, 'manage') }));
  }

  @Post('settings')
  async saveSettings(@Req() request: FastifyRequest, @Body() body: unknown, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const user = await this.auth.userOf(request, 'manage');
    const form = formOf(body);
    const input: Record<string, unknown> = {
      name: text(form.name),
      treasuryAddress: text(form.treasuryAddress),
      tolerancePercent: text(form.tolerancePercent),
      defaultExpiresInSeconds: text(form.defaultExpiresInSeconds) === undefined ? undefined : Number(form.defaultExpiresInSeconds),
      allowedOrigins: (form.allowedOrigins ?? '').split(/\s+/).filter(Boolean),
      treasuries: Object.fromEntries(this.chains.chains.map((chain) => [String(chain.chainId), text(form[`treasury_${chain.chainId}`]) ?? null])),
    };
    const dto = (await createValidationPipe().transform(JSON.parse(JSON.stringify(input)) as unknown, { type: 'body', metatype: UpdateMerchantSettingsDto })) as UpdateMerchantSettingsDto;
    await this.updateSettings.execute(user.merchantId, dto, `dashboard user ${user.email}`);
    this.principals.forget(user.merchantId);
    request.session.set('notice', 'Settings saved.');
    return this.redirect(reply, '/dashboard/settings');
  }

  @Post('settings/settlement-policy')
  async savePolicy(@Req() request: FastifyRequest, @Body() body: unknown, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const user = await this.auth.userOf(request, 'manage');
    const form = formOf(body);
    const thresholds = Object.fromEntries(
      (form.thresholds ?? '')
        .split(',')
        .map((pair) => pair.split('=').map((part) => part.trim()))
        .filter((pair) => pair.length === 2 && pair[0] && pair[1]),
    );
    const input: Record<string, unknown> = {
      mode: text(form.mode),
      ...(form.mode === 'threshold' ? { thresholds, maxWaitSeconds: text(form.maxWaitSeconds) === undefined ? undefined : Number(form.maxWaitSeconds) } : {}),
      ...(form.mode === 'schedule' ? { intervalSeconds: text(form.intervalSeconds) === undefined ? undefined : Number(form.intervalSeconds) } : {}),
    };
    const dto = (await createValidationPipe().transform(JSON.parse(JSON.stringify(input)) as unknown, { type: 'body', metatype: PutSettlementPolicyDto })) as PutSettlementPolicyDto;
    await this.policies.put(user.merchantId, normaliseSettlementPolicy(dto, (currency) => currencyDecimals(this.chains.chains, currency)));
    request.session.set('notice', `Settlement policy saved: ${dto.mode}.`);
    return this.redirect(reply, '/dashboard/settings');
  }

  @Get('security')
  async securityPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return this.html(reply, securityView(await this.frame(request, reply, 'read', 'Security', 'security'), null));
  }

  @Post('security/totp')
  async beginTotp(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const frame = await this.frame(request, reply, 'read', 'Security', 'security');
    const enrolment = await this.auth.beginTotp(frame.user);
    return this.html(reply, securityView(frame, { ...enrolment, qrSvg: await qrCodeSvg(enrolment.uri, 'QR code of the two-step verification key') }));
  }

  @Post('security/totp/confirm')
  async confirmTotp(@Req() request: FastifyRequest, @Body() body: unknown, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const user = await this.auth.userOf(request, 'read');
    await this.auth.confirmTotp(user, formOf(body).code ?? '');
    request.session.set('notice', 'Two-step verification is on.');
    return this.redirect(reply, '/dashboard/security');
  }

  @Get('exports/:kind')
  async export(@Req() request: FastifyRequest, @Param('kind') kindParam: string, @Query() query: Record<string, string | undefined>, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const user = await this.auth.userOf(request, 'read');
    const kind = exportKindOf(kindParam);
    const range = { from: dateOf(query.createdFrom) ? new Date(query.createdFrom!) : undefined, to: dateOf(query.createdTo) ? new Date(query.createdTo!) : undefined };
    const body = await this.exportsService.stream(kind, user.merchantId, range);
    return reply
      .headers({ 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${this.exportsService.fileName(kind, range)}"`, 'cache-control': 'no-store' })
      .send(body);
  }

  // ---- Helpers ----

  /** The signed-in user allowed to `action`, and the frame of a page for them (a fresh CSRF token, the pending notice). */
  private async frame(request: FastifyRequest, reply: FastifyReply, action: DashboardAction, title: string, active: PageFrame['active']): Promise<PageFrame & { user: DashboardUser }> {
    const user = await this.auth.userOf(request, action);
    const merchant = await this.merchants.findById(user.merchantId);
    const notice = request.session.get('notice') ?? null;
    if (notice) request.session.set('notice', undefined);
    return { title, active, user, merchantName: merchant?.name ?? '', csrf: reply.generateCsrf(), notice };
  }

  private html(reply: FastifyReply, body: string, status = 200): FastifyReply {
    return reply.status(status).headers({ ...DASHBOARD_HEADERS, 'content-type': 'text/html; charset=utf-8' }).send(body);
  }

  private redirect(reply: FastifyReply, location: string): FastifyReply {
    return reply.status(303).header('location', location).send();
  }
}

/** `value` when it is one of `allowed`, else undefined. */
function oneOf(allowed: readonly string[], value: string | undefined): string | undefined {
  return value !== undefined && allowed.includes(value) ? value : undefined;
}

/** A `YYYY-MM-DD` date (what a date input sends), else undefined. */
function dateOf(value: string | undefined): string | undefined {
  return value && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(new Date(value).getTime()) ? value : undefined;
}
