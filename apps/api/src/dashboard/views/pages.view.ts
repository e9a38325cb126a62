import type { ApiKey, DailyVolume, DeliveryWithAttempts, FailingEndpoint, Merchant, StoredChainStatus, WebhookEndpoint } from '@kassa/persistence';
import { SETTLEMENT_MODES, type PaymentStatus, type Settlement, type SettlementPolicy } from '@kassa/domain';
import { fromBaseUnits, sumDecimals } from '@kassa/domain';

import { scriptJson } from '../../common/html';

import { attemptsList, csrfField, e, page, type PageFrame, table, when } from './layout';

/** The overview: volume per coin (today, 30 days, a chart), payments by status, failing endpoints, chain lag. */
export function overviewView(
  frame: PageFrame,
  figures: { volume: DailyVolume[]; today: string; byStatus: { status: PaymentStatus; count: number }[]; failing: FailingEndpoint[]; chains: (StoredChainStatus & { name: string })[] },
): string {
  const last = new Date(`${figures.today}T00:00:00Z`).getTime();
  const days = Array.from({ length: 30 }, (_, i) => new Date(last - (29 - i) * 86_400_000).toISOString().slice(0, 10));
  const coins = [...new Set(figures.volume.map((row) => row.currency))];
  const sum = (rows: DailyVolume[], coin: string) => sumDecimals(rows.filter((row) => row.currency === coin).map((row) => row.amount));
  const cards = coins.length
    ? coins
        .map((coin) => `<div class="card"><p>${e(coin)} today</p><p class="figure">${e(sum(figures.volume.filter((row) => row.day === figures.today), coin))}</p><p>30 days: ${e(sum(figures.volume, coin))}</p></div>`)
        .join('')
    : '<div class="card"><p>No payment was PAID in the last 30 days.</p></div>';
  const chart = {
    days,
    series: coins.map((coin) => ({ label: coin, values: days.map((day) => Number(figures.volume.find((row) => row.day === day && row.currency === coin)?.amount ?? 0)) })),
  };
  const volumeTable = table('Volume per day and coin', ['Day', 'Coin', 'Received'], figures.volume.map((row) => [e(row.day), e(row.currency), e(row.amount)]), 'volume');
  const statuses = table('Payments by status', ['Status', 'Payments'], figures.byStatus.map((row) => [`<a href="/dashboard/payments?status=${e(row.status)}">${e(row.status)}</a>`, e(row.count)]), 'by-status');
  const failing = table('Webhook endpoints with failing deliveries', ['Endpoint', 'Failing deliveries'], figures.failing.map((row) => [`<code>${e(row.url)}</code>`, e(row.failing)]), 'failing-endpoints');
  const chains = table(
    'Chains',
    ['Chain', 'State', 'Head', 'Cursor', 'Lag (blocks)'],
    figures.chains.map((chain) => [
      `${e(chain.name)} (${e(chain.chainId)})`,
      e(chain.state),
      e(chain.headBlock),
      e(chain.cursorBlock),
      e(chain.headBlock !== null && chain.cursorBlock !== null ? chain.headBlock - chain.cursorBlock : ''),
    ]),
    'chains',
  );
  return page(
    frame,
    `<h2>Volume</h2><div class="cards" id="volume-cards">${cards}</div>
<figure class="chart-wrap"><canvas id="volume-chart" role="img" aria-label="Confirmed volume per day and coin over the last 30 days (the table below has the figures)"></canvas><figcaption>Last 30 days, PAID payments, per coin</figcaption></figure>
<script type="application/json" id="volume-data">${scriptJson(chart)}</script>
<script src="/dashboard/assets/chart.umd.js"></script>
<details><summary>Volume as a table</summary>${volumeTable}</details>
<h2>Payments by status</h2>${statuses}
<h2>Failing webhook endpoints</h2>${failing}
<h2>Chains</h2>${chains}`,
  );
}

/** Webhook endpoints: list, create (the secret shown once), rotate, enable or disable. */
export function webhooksView(frame: PageFrame, endpoints: readonly WebhookEndpoint[], can: { develop: boolean }, createdSecret: string | null): string {
  const secret = createdSecret ? `<p class="secret" role="status" id="new-secret">Signing secret, shown only now: <code>${e(createdSecret)}</code></p>` : '';
  const rows = endpoints.map((endpoint) => [
    `<code>${e(endpoint.url)}</code><br><a href="/dashboard/webhooks/${e(endpoint.id)}">Delivery log</a>`,
    endpoint.enabled ? 'enabled' : 'disabled',
    e(endpoint.enabledEvents.length ? endpoint.enabledEvents.join(', ') : 'every event'),
    can.develop
      ? `<form method="post" action="/dashboard/webhooks/${e(endpoint.id)}/${endpoint.enabled ? 'disable' : 'enable'}">${csrfField(frame.csrf)}<button type="submit" class="secondary">${endpoint.enabled ? 'Disable' : 'Enable'}</button></form>
<form method="post" action="/dashboard/webhooks/${e(endpoint.id)}/test">${csrfField(frame.csrf)}<button type="submit" class="secondary" aria-label="Send test event to ${e(endpoint.url)}">Send test event</button></form>
<form method="post" action="/dashboard/webhooks/${e(endpoint.id)}/rotate" data-confirm="Rotate the signing secret? The old one keeps signing for 24 hours.">${csrfField(frame.csrf)}<button type="submit" class="secondary">Rotate secret</button></form>`
      : '',
  ]);
  const form = can.develop
    ? `<h2>Add an endpoint</h2><form method="post" action="/dashboard/webhooks" class="filters">${csrfField(frame.csrf)}<div><label for="url">URL</label><input id="url" name="url" type="url" size="48" required></div><div><label for="description">Description</label><input id="description" name="description"></div><div><button type="submit" id="add-endpoint">Add endpoint</button></div></form>`
    : '';
  return page(frame, `${secret}${table('Webhook endpoints', ['Endpoint', 'State', 'Events', ''], rows, 'endpoints')}${form}`);
}

/** API keys: prefix and scopes, create (the key shown once), revoke. */
export function apiKeysView(frame: PageFrame, keys: readonly ApiKey[], can: { develop: boolean }, createdKey: string | null): string {
  const shown = createdKey ? `<p class="secret" role="status" id="new-key">API key, shown only now: <code>${e(createdKey)}</code></p>` : '';
  const rows = keys.map((key) => [
    `<code>${e(key.prefix)}…</code>`,
    e(key.name),
    e(key.scopes.join(', ')),
    when(key.createdAt),
    key.revokedAt ? `revoked ${when(key.revokedAt)}` : can.develop ? `<form method="post" action="/dashboard/api-keys/${e(key.id)}/revoke" data-confirm="Revoke this key? Requests with it stop working at once.">${csrfField(frame.csrf)}<button type="submit" class="secondary">Revoke</button></form>` : 'active',
  ]);
  const form = can.develop
    ? `<h2>Create a key</h2><form method="post" action="/dashboard/api-keys" class="filters">${csrfField(frame.csrf)}<div><label for="name">Name</label><input id="name" name="name"></div><div><label for="scopes">Scopes</label><select id="scopes" name="scopes"><option value="read,write">read and write</option><option value="read">read only</option></select></div><div><button type="submit" id="create-key">Create key</button></div></form>`
    : '';
  return page(frame, `${shown}${table('API keys', ['Key', 'Name', 'Scopes', 'Created', ''], rows, 'api-keys')}${form}`);
}

/** Settings: shop name, treasuries (default and per chain), tolerance, default expiry, checkout origins, settlement policy (owners change them). */
export function settingsView(frame: PageFrame, merchant: Merchant, policy: SettlementPolicy, chains: readonly { chainId: number; name: string }[], can: { manage: boolean }): string {
  const disabled = can.manage ? '' : ' disabled';
  const perChain = chains
    .map((chain) => `<label for="treasury-${chain.chainId}">Treasury on ${e(chain.name)} (${chain.chainId}); empty: the default</label><input id="treasury-${chain.chainId}" name="treasury_${chain.chainId}" size="44" value="${e(merchant.treasuries[String(chain.chainId)] ?? '')}"${disabled}>`)
    .join('');
  const modes = SETTLEMENT_MODES.map((mode) => `<option value="${mode}"${policy.mode === mode ? ' selected' : ''}>${mode}</option>`).join('');
  const thresholds = Object.entries(policy.thresholds).map(([coin, amount]) => `${coin}=${amount}`).join(', ');
  return page(
    frame,
    `<form method="post" action="/dashboard/settings" id="settings-form">${csrfField(frame.csrf)}
  <label for="name">Shop name</label><input id="name" name="name" value="${e(merchant.name)}"${disabled}>
  <label for="treasuryAddress">Default treasury</label><input id="treasuryAddress" name="treasuryAddress" size="44" value="${e(merchant.treasuryAddress)}"${disabled}>
  ${perChain}
  <label for="tolerancePercent">Underpayment tolerance, percent</label><input id="tolerancePercent" name="tolerancePercent" value="${e(merchant.tolerancePercent)}"${disabled}>
  <label for="defaultExpiresInSeconds">Default expiry, seconds</label><input id="defaultExpiresInSeconds" name="defaultExpiresInSeconds" inputmode="numeric" value="${e(merchant.defaultExpiresInSeconds)}"${disabled}>
  <label for="allowedOrigins">Origins allowed to embed the checkout (one per line)</label><textarea id="allowedOrigins" name="allowedOrigins" rows="3" cols="44"${disabled}>${e(merchant.allowedOrigins.join('\n'))}</textarea>
  ${can.manage ? '<p><button type="submit" id="save-settings">Save</button></p>' : '<p>Only an owner can change the settings.</p>'}
</form>
<h2>Settlement policy</h2>
<form method="post" action="/dashboard/settings/settlement-policy" id="policy-form">${csrfField(frame.csrf)}
  <label for="mode">When paid funds move to the treasury</label><select id="mode" name="mode"${disabled}>${modes}</select>
  <label for="thresholds">Threshold mode: coin=amount, comma-separated (e.g. USDC=500, ETH=0.2)</label><input id="thresholds" name="thresholds" value="${e(thresholds)}"${disabled}>
  <label for="maxWaitSeconds">Threshold mode: longest wait, seconds (empty: 7 days)</label><input id="maxWaitSeconds" name="maxWaitSeconds" inputmode="numeric" value="${e(policy.maxWaitSeconds ?? '')}"${disabled}>
  <label for="intervalSeconds">Schedule mode: seconds between settlements</label><input id="intervalSeconds" name="intervalSeconds" inputmode="numeric" value="${e(policy.intervalSeconds ?? '')}"${disabled}>
  ${can.manage ? '<p><button type="submit" id="save-policy">Save policy</button></p>' : ''}
</form>
<p>The policy's rules: docs/settlement.md "Policy".</p>`,
  );
}

/** Settlements: newest first, with their transaction and amounts. */
export function settlementsView(frame: PageFrame, settlements: readonly Settlement[]): string {
  const rows = settlements.map((settlement) => [
    `<code>${e(settlement.id)}</code>`,
    `<a href="/dashboard/payments/${e(settlement.paymentId)}"><code>${e(settlement.paymentId)}</code></a>`,
    `<span class="status-${e(settlement.status)}">${e(settlement.status)}</span>`,
    e(settlement.amounts.map(({ token, amount }) => `${fromBaseUnits(amount, token.decimals)} ${token.symbol}`).join(' + ')),
    settlement.transaction ? `<code>${e(settlement.transaction.hash)}</code>` : '',
    when(settlement.createdAt),
  ]);
  return page(frame, table('Settlements, newest first', ['Settlement', 'Payment', 'Status', 'Amounts', 'Transaction', 'Created'], rows, 'settlements'));
}

/** Security: the user's second factor (TOTP). */
export function securityView(frame: PageFrame, enrolment: { secret: string; uri: string; qrSvg: string } | null): string {
  if (frame.user.totpEnabled) return page(frame, '<p id="totp-state">Two-step verification is on: each sign-in asks for a code from your authenticator app.</p>');
  if (enrolment) {
    return page(
      frame,
      `<p>Scan this QR code with an authenticator app, or type the key <code id="totp-secret">${e(enrolment.secret)}</code>, then enter the code it shows.</p>
<figure class="qr">${enrolment.qrSvg}</figure>
<form method="post" action="/dashboard/security/totp/confirm" class="filters">${csrfField(frame.csrf)}<div><label for="code">Code</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required></div><div><button type="submit" id="confirm-totp">Turn on</button></div></form>`,
    );
  }
  return page(frame, `<p id="totp-state">Two-step verification is off.</p><form method="post" action="/dashboard/security/totp">${csrfField(frame.csrf)}<button type="submit" id="begin-totp">Set up two-step verification</button></form>`);
}

/** One endpoint's delivery log: its latest deliveries, newest first, with every attempt. */
export function endpointLogView(frame: PageFrame, endpoint: WebhookEndpoint, deliveries: readonly DeliveryWithAttempts[]): string {
  const rows = deliveries.map((delivery) => [
    `<code>${e(delivery.eventType)}</code><br>${when(delivery.createdAt)}`,
    delivery.paymentId ? `<a href="/dashboard/payments/${e(delivery.paymentId)}"><code>${e(delivery.paymentId)}</code></a>` : '',
    `<span class="status-${e(delivery.status)}">${e(delivery.status)}</span>`,
    attemptsList(delivery.attempts),
  ]);
  return page(frame, `<p><code>${e(endpoint.url)}</code> · ${endpoint.enabled ? 'enabled' : 'disabled'} · <a href="/dashboard/webhooks">All endpoints</a></p>${table('Latest deliveries to this endpoint', ['Event', 'Payment', 'Status', 'Attempts'], rows, 'endpoint-deliveries')}`);
}
