import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { asMerchantId, type MerchantId, type PaymentLink, type PaymentLinkTemplate } from '@kassa/domain';

import { runSql, selectOne, selectRows, SqlConditions } from '../database/sql';

export interface PaymentLinkListFilters {
  /** True: only links that are not deactivated; false: only deactivated ones. */
  active?: boolean;
  limit: number;
  /** Cursor: the id of the last link of the previous page. */
  startingAfter?: string;
}

interface PaymentLinkRow {
  id: string;
  merchant_id: string;
  template: PaymentLinkTemplate;
  reusable: boolean;
  expires_at: Date | null;
  created_at: Date;
  deactivated_at: Date | null;
  paid: boolean;
}

/** The link's columns, with whether one of its payments is PAID. */
const COLUMNS = `l.id, l.merchant_id, l.template, l.reusable, l.expires_at, l.created_at, l.deactivated_at,
  EXISTS (SELECT 1 FROM payments p WHERE p.payment_link_id = l.id AND p.status = 'PAID') AS paid`;

function toPaymentLink(row: PaymentLinkRow): PaymentLink {
  return {
    id: row.id,
    merchantId: asMerchantId(row.merchant_id),
    template: row.template,
    reusable: row.reusable,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    deactivatedAt: row.deactivated_at,
    paid: row.paid,
  };
}

/** See {@link PaymentLinksRepository.visitState}. */
export interface LinkVisitState {
  paid: boolean;
  openPaymentId: string | null;
}

/** Payment links (`payment_links`, docs/payment-links.md). Never deleted: deactivated. */
@Injectable()
export class PaymentLinksRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores a new link (its `template` as JSON), in `manager`'s transaction when given. */
  async insert(link: PaymentLink, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await runSql(
      manager,
      `INSERT INTO payment_links (id, merchant_id, template, reusable, expires_at, created_at, deactivated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [link.id, link.merchantId, JSON.stringify(link.template), link.reusable, link.expiresAt, link.createdAt, link.deactivatedAt],
    );
  }

  /** The merchant's link, or null (another merchant's link is not found either). */
  async findById(merchantId: MerchantId, id: string): Promise<PaymentLink | null> {
    const row = await selectOne<PaymentLinkRow>(this.dataSource.manager, `SELECT ${COLUMNS} FROM payment_links l WHERE l.id = $1 AND l.merchant_id = $2`, [id, merchantId]);
    return row ? toPaymentLink(row) : null;
  }

  /**
   * A link by its public id, whoever's it is (a visit of its URL). With `lock`, the row is
   * locked FOR UPDATE in the caller's transaction: visits of one link then decide one at a
   * time (a single-use link creates one payment however many visit at once).
   */
  async findPublic(id: string, manager: EntityManager = this.dataSource.manager, lock = false): Promise<PaymentLink | null> {
    const locked = lock ? 'FOR UPDATE OF l' : '';
    const row = await selectOne<PaymentLinkRow>(manager, `SELECT ${COLUMNS} FROM payment_links l WHERE l.id = $1 ${locked}`, [id]);
    return row ? toPaymentLink(row) : null;
  }

  /** The merchant's links, newest first, filtered, one page (keyset on the id). */
  async list(merchantId: MerchantId, filters: PaymentLinkListFilters): Promise<PaymentLink[]> {
    const where = new SqlConditions().add('l.merchant_id = ?', merchantId);
    if (filters.active !== undefined) where.add(`(l.deactivated_at IS NULL) = ?`, filters.active);
    if (filters.startingAfter !== undefined) where.add('l.id < ?', filters.startingAfter);
    const rows = await selectRows<PaymentLinkRow>(
      this.dataSource.manager,
      `SELECT ${COLUMNS} FROM payment_links l WHERE ${where} ORDER BY l.id DESC LIMIT ${where.param(filters.limit)}`,
      where.params,
    );
    return rows.map(toPaymentLink);
  }

  /** Deactivates the merchant's link (a deactivated one keeps its first time); null when not found. */
  async deactivate(merchantId: MerchantId, id: string, now: Date): Promise<PaymentLink | null> {
    const row = await selectOne<PaymentLinkRow>(
      this.dataSource.manager,
      `UPDATE payment_links AS l SET deactivated_at = COALESCE(l.deactivated_at, $3) WHERE l.id = $1 AND l.merchant_id = $2 RETURNING ${COLUMNS}`,
      [id, merchantId, now],
    );
    return row ? toPaymentLink(row) : null;
  }

  /**
   * What a visit of a single-use link decides on, read after its row lock (so a payment
   * committed by a visit just before is seen): whether one of its payments is PAID, and
   * the newest one still open (CREATED before its deadline, or PENDING), where the visitor
   * is sent back to.
   */
  async visitState(manager: EntityManager, linkId: string, now: Date): Promise<LinkVisitState> {
    const row = await selectOne<{ paid: boolean; open_payment_id: string | null }>(
      manager,
      `SELECT EXISTS (SELECT 1 FROM payments WHERE payment_link_id = $1 AND status = 'PAID') AS paid,
              (SELECT id FROM payments
                WHERE payment_link_id = $1 AND (status = 'PENDING' OR (status = 'CREATED' AND expires_at > $2))
                ORDER BY id DESC LIMIT 1) AS open_payment_id`,
      [linkId, now],
    );
    return { paid: row!.paid, openPaymentId: row!.open_payment_id };
  }
}
