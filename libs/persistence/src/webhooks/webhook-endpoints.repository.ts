import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { asMerchantId, newId, type EventType, type MerchantId } from '@kassa/domain';

import { runSql, selectOne, selectRows } from '../database/sql';

/** A merchant's webhook endpoint, secrets included (for signing; never list them to merchants). */
export interface WebhookEndpoint {
  id: string;
  merchantId: MerchantId;
  url: string;
  /** Standard Webhooks secret, `whsec_<base64>`. */
  secret: string;
  /** The secret before the last rotation; still signs deliveries until `previousSecretExpiresAt`. */
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  /** Event types delivered; empty means every type. */
  enabledEvents: EventType[];
  enabled: boolean;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewWebhookEndpoint {
  merchantId: MerchantId;
  url: string;
  secret: string;
  /** Default: every type. */
  enabledEvents?: EventType[];
  /** Default true. */
  enabled?: boolean;
  description?: string | null;
}

/** Fields a merchant may change; omitted fields keep their value. */
export type WebhookEndpointChanges = Partial<Pick<WebhookEndpoint, 'url' | 'enabledEvents' | 'enabled' | 'description'>>;

interface EndpointRow {
  id: string;
  merchant_id: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  enabled_events: EventType[];
  enabled: boolean;
  description: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, merchant_id, url, secret, previous_secret, previous_secret_expires_at, enabled_events, enabled,
  description, created_at, updated_at`;

const CHANGE_COLUMNS: { [K in keyof Required<WebhookEndpointChanges>]: string } = {
  url: 'url',
  enabledEvents: 'enabled_events',
  enabled: 'enabled',
  description: 'description',
};

function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    merchantId: asMerchantId(row.merchant_id),
    url: row.url,
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    enabledEvents: row.enabled_events,
    enabled: row.enabled,
    description: row.description,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Merchants' webhook endpoints; every method is scoped to one merchant. */
@Injectable()
export class WebhookEndpointsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(endpoint: NewWebhookEndpoint, manager: EntityManager = this.dataSource.manager): Promise<WebhookEndpoint> {
    const row = await selectOne<EndpointRow>(
      manager,
      `INSERT INTO webhook_endpoints (id, merchant_id, url, secret, enabled_events, enabled, description)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       RETURNING ${COLUMNS}`,
      [
        newId('webhookEndpoint'),
        endpoint.merchantId,
        endpoint.url,
        endpoint.secret,
        endpoint.enabledEvents ?? [],
        endpoint.enabled ?? true,
        endpoint.description ?? null,
      ],
    );
    return toEndpoint(row as EndpointRow);
  }

  /** The merchant's endpoints, newest first. */
  async list(merchantId: MerchantId): Promise<WebhookEndpoint[]> {
    const rows = await selectRows<EndpointRow>(
      this.dataSource.manager,
      `SELECT ${COLUMNS} FROM webhook_endpoints WHERE merchant_id = $1 ORDER BY id DESC`,
      [merchantId],
    );
    return rows.map(toEndpoint);
  }

  async findById(merchantId: MerchantId, id: string): Promise<WebhookEndpoint | null> {
    const row = await selectOne<EndpointRow>(
      this.dataSource.manager,
      `SELECT ${COLUMNS} FROM webhook_endpoints WHERE merchant_id = $1 AND id = $2`,
      [merchantId, id],
    );
    return row ? toEndpoint(row) : null;
  }

  /** @returns the updated endpoint, or null when the merchant has no endpoint with this id */
  async update(merchantId: MerchantId, id: string, changes: WebhookEndpointChanges): Promise<WebhookEndpoint | null> {
    const params: unknown[] = [merchantId, id];
    const assignments = ['updated_at = now()'];
    for (const [field, column] of Object.entries(CHANGE_COLUMNS) as [keyof WebhookEndpointChanges, string][]) {
      if (changes[field] === undefined) continue;
      params.push(changes[field]);
      assignments.push(`${column} = $${params.length}`);
    }
    const row = await selectOne<EndpointRow>(
      this.dataSource.manager,
      `UPDATE webhook_endpoints SET ${assignments.join(', ')} WHERE merchant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      params,
    );
    return row ? toEndpoint(row) : null;
  }

  /**
   * Replaces the signing secret; the current one becomes the previous secret, which keeps
   * signing (as a second `v1,` signature) until `previousSecretExpiresAt`, so receivers can
   * switch without dropping deliveries.
   * @returns the updated endpoint, or null when the merchant has no endpoint with this id
   */
  async rotateSecret(
    merchantId: MerchantId,
    id: string,
    newSecret: string,
    previousSecretExpiresAt: Date,
  ): Promise<WebhookEndpoint | null> {
    const row = await selectOne<EndpointRow>(
      this.dataSource.manager,
      `UPDATE webhook_endpoints
       SET previous_secret = secret, previous_secret_expires_at = $4, secret = $3, updated_at = now()
       WHERE merchant_id = $1 AND id = $2
       RETURNING ${COLUMNS}`,
      [merchantId, id, newSecret, previousSecretExpiresAt],
    );
    return row ? toEndpoint(row) : null;
  }

  /** Deletes an endpoint with its deliveries and their attempts (events stay). @returns false when not found */
  async delete(merchantId: MerchantId, id: string): Promise<boolean> {
    const { rowCount } = await runSql(this.dataSource.manager, `DELETE FROM webhook_endpoints WHERE merchant_id = $1 AND id = $2`, [
      merchantId,
      id,
    ]);
    return rowCount > 0;
  }
}
