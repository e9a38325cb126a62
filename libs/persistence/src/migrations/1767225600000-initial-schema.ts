import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The initial schema (DESIGN.md "Payment lifecycle", "Chain watcher", "Webhooks").
 *
 * Conventions: snake_case names, every constraint and index named (`pk_`, `fk_`, `uq_`,
 * `ck_`, `ix_`), `timestamptz` for every point in time, money as `NUMERIC(78,0)` base
 * units (a uint256 has 78 decimal digits). Public ids are text `<prefix>_<ULID>`.
 */
export class InitialSchema1767225600000 implements MigrationInterface {
  name = 'InitialSchema1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Delivery ids are generated inside the outbox INSERT ... SELECT (one row per subscribed
    // endpoint), so the database must mint ids of the same shape as `newId()` in the domain:
    // a ULID (48-bit milliseconds + 80 random bits, Crockford base32) behind the prefix.
    await queryRunner.query(`
      CREATE FUNCTION kassa_new_id(prefix text) RETURNS text
      LANGUAGE plpgsql VOLATILE PARALLEL SAFE AS $fn$
      DECLARE
        alphabet CONSTANT text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
        random_bytes CONSTANT bytea := uuid_send(gen_random_uuid());
        bits bit(130);
        encoded text := '';
      BEGIN
        -- bytes 1-6 and 10-13 of a v4 UUID are fully random (7 and 9 carry version/variant bits)
        bits := B'00'
          || substring(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint::bit(64) FROM 17 FOR 48)
          || ('x' || encode(substring(random_bytes FROM 1 FOR 6) || substring(random_bytes FROM 10 FOR 4), 'hex'))::bit(80);
        FOR i IN 0..25 LOOP
          encoded := encoded || substr(alphabet, substring(bits FROM i * 5 + 1 FOR 5)::integer + 1, 1);
        END LOOP;
        RETURN prefix || '_' || encoded;
      END
      $fn$
    `);

    await queryRunner.query(`
      CREATE TABLE merchants (
        id                         text          NOT NULL,
        name                       text          NOT NULL,
        treasury_address           text          NOT NULL,
        tolerance_percent          numeric(5,2)  NOT NULL DEFAULT 0,
        default_expires_in_seconds integer       NOT NULL DEFAULT 1800,
        allowed_origins            text[]        NOT NULL DEFAULT '{}',
        created_at                 timestamptz   NOT NULL DEFAULT now(),
        updated_at                 timestamptz   NOT NULL DEFAULT now(),
        CONSTRAINT pk_merchants PRIMARY KEY (id),
        CONSTRAINT ck_merchants_tolerance_percent CHECK (tolerance_percent >= 0 AND tolerance_percent < 100),
        CONSTRAINT ck_merchants_default_expires_in_seconds CHECK (default_expires_in_seconds > 0)
      )
    `);

    await queryRunner.query(`
      CREATE TABLE api_keys (
        id            text        NOT NULL,
        merchant_id   text        NOT NULL,
        prefix        text        NOT NULL,
        key_hash      text        NOT NULL,
        scopes        text[]      NOT NULL DEFAULT '{read,write}',
        created_at    timestamptz NOT NULL DEFAULT now(),
        last_used_at  timestamptz,
        revoked_at    timestamptz,
        CONSTRAINT pk_api_keys PRIMARY KEY (id),
        CONSTRAINT uq_api_keys_key_hash UNIQUE (key_hash),
        CONSTRAINT fk_api_keys_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id) ON DELETE CASCADE
      )
    `);
    await queryRunner.query(`CREATE INDEX ix_api_keys_merchant_id_id ON api_keys (merchant_id, id DESC)`);

    await queryRunner.query(`
      CREATE TABLE payments (
        id                     text           NOT NULL,
        merchant_id            text           NOT NULL,
        status                 text           NOT NULL,
        exception              text,
        chain_id               integer        NOT NULL,
        currency               text           NOT NULL,
        token_address          text,
        token_decimals         smallint       NOT NULL,
        amount                 numeric(78,0)  NOT NULL,
        amount_minimum         numeric(78,0)  NOT NULL,
        amount_received        numeric(78,0)  NOT NULL DEFAULT 0,
        deposit_address        text           NOT NULL,
        salt                   text           NOT NULL,
        treasury_address       text           NOT NULL,
        factory_address        text           NOT NULL,
        required_confirmations integer        NOT NULL,
        order_id               text,
        description            text,
        metadata               jsonb          NOT NULL DEFAULT '{}',
        success_url            text,
        cancel_url             text,
        expires_at             timestamptz    NOT NULL,
        created_at             timestamptz    NOT NULL DEFAULT now(),
        updated_at             timestamptz    NOT NULL DEFAULT now(),
        paid_at                timestamptz,
        finalized_at           timestamptz,
        CONSTRAINT pk_payments PRIMARY KEY (id),
        CONSTRAINT uq_payments_deposit_address UNIQUE (deposit_address),
        CONSTRAINT fk_payments_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
        CONSTRAINT ck_payments_status CHECK (status IN ('CREATED', 'PENDING', 'PAID', 'TIMEOUT', 'CANCELED')),
        CONSTRAINT ck_payments_exception CHECK (exception IN ('UNDERPAID', 'OVERPAID', 'PAID_LATE', 'REORGED')),
        CONSTRAINT ck_payments_amount CHECK (amount > 0),
        CONSTRAINT ck_payments_amount_minimum CHECK (amount_minimum > 0 AND amount_minimum <= amount),
        CONSTRAINT ck_payments_amount_received CHECK (amount_received >= 0),
        CONSTRAINT ck_payments_token_decimals CHECK (token_decimals >= 0),
        CONSTRAINT ck_payments_required_confirmations CHECK (required_confirmations >= 0),
        -- open <=> not finalized: the watcher keeps final payments watched by finalized_at
        CONSTRAINT ck_payments_finalized_at CHECK ((status IN ('CREATED', 'PENDING')) = (finalized_at IS NULL))
      )
    `);
    // Newest-first cursor pagination: ids are ULIDs, so id order is creation order.
    await queryRunner.query(`CREATE INDEX ix_payments_merchant_id_id ON payments (merchant_id, id DESC)`);
    await queryRunner.query(`CREATE INDEX ix_payments_merchant_id_order_id ON payments (merchant_id, order_id)`);
    // The expiry scheduler only ever looks at open payments.
    await queryRunner.query(
      `CREATE INDEX ix_payments_open_expires_at ON payments (expires_at) WHERE status IN ('CREATED', 'PENDING')`,
    );
    await queryRunner.query(`CREATE INDEX ix_payments_chain_id_status ON payments (chain_id, status)`);
    // Final payments stay watched for late transfers during the watch window.
    await queryRunner.query(
      `CREATE INDEX ix_payments_finalized_at ON payments (finalized_at) WHERE finalized_at IS NOT NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        merchant_id     text        NOT NULL,
        key             text        NOT NULL,
        request_hash    text        NOT NULL,
        response_status integer     NOT NULL,
        response_body   jsonb       NOT NULL,
        resource_id     text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_idempotency_keys PRIMARY KEY (merchant_id, key),
        CONSTRAINT fk_idempotency_keys_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id) ON DELETE CASCADE
      )
    `);
    await queryRunner.query(`CREATE INDEX ix_idempotency_keys_created_at ON idempotency_keys (created_at)`);

    await queryRunner.query(`
      CREATE TABLE transfers (
        id              bigint        GENERATED ALWAYS AS IDENTITY,
        chain_id        integer       NOT NULL,
        tx_hash         text          NOT NULL,
        log_index       integer       NOT NULL,
        block_number    bigint        NOT NULL,
        block_hash      text          NOT NULL,
        block_timestamp timestamptz   NOT NULL,
        from_address    text          NOT NULL,
        to_address      text          NOT NULL,
        token_address   text,
        amount          numeric(78,0) NOT NULL,
        payment_id      text,
        status          text          NOT NULL DEFAULT 'active',
        created_at      timestamptz   NOT NULL DEFAULT now(),
        updated_at      timestamptz   NOT NULL DEFAULT now(),
        CONSTRAINT pk_transfers PRIMARY KEY (id),
        CONSTRAINT uq_transfers_chain_tx_log UNIQUE (chain_id, tx_hash, log_index),
        CONSTRAINT fk_transfers_payment FOREIGN KEY (payment_id) REFERENCES payments (id),
        CONSTRAINT ck_transfers_status CHECK (status IN ('active', 'orphaned')),
        CONSTRAINT ck_transfers_log_index CHECK (log_index >= -1),
        CONSTRAINT ck_transfers_amount CHECK (amount >= 0)
      )
    `);
    await queryRunner.query(`CREATE INDEX ix_transfers_payment_id ON transfers (payment_id)`);
    await queryRunner.query(`CREATE INDEX ix_transfers_chain_id_block_number ON transfers (chain_id, block_number)`);

    await queryRunner.query(`
      CREATE TABLE chain_cursors (
        chain_id     integer     NOT NULL,
        block_number bigint      NOT NULL,
        block_hash   text        NOT NULL,
        updated_at   timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_chain_cursors PRIMARY KEY (chain_id)
      )
    `);

    await queryRunner.query(`
      CREATE TABLE chain_blocks (
        chain_id        integer     NOT NULL,
        block_number    bigint      NOT NULL,
        block_hash      text        NOT NULL,
        parent_hash     text        NOT NULL,
        block_timestamp timestamptz NOT NULL,
        CONSTRAINT pk_chain_blocks PRIMARY KEY (chain_id, block_number)
      )
    `);

    await queryRunner.query(`
      CREATE TABLE events (
        id          text        NOT NULL,
        merchant_id text        NOT NULL,
        type        text        NOT NULL,
        payment_id  text,
        payload     jsonb       NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_events PRIMARY KEY (id),
        CONSTRAINT fk_events_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
        CONSTRAINT fk_events_payment FOREIGN KEY (payment_id) REFERENCES payments (id)
      )
    `);
    await queryRunner.query(`CREATE INDEX ix_events_merchant_id_id ON events (merchant_id, id DESC)`);
    await queryRunner.query(`CREATE INDEX ix_events_payment_id ON events (payment_id)`);

    await queryRunner.query(`
      CREATE TABLE webhook_endpoints (
        id                         text        NOT NULL,
        merchant_id                text        NOT NULL,
        url                        text        NOT NULL,
        secret                     text        NOT NULL,
        previous_secret            text,
        previous_secret_expires_at timestamptz,
        enabled_events             text[]      NOT NULL DEFAULT '{}',
        enabled                    boolean     NOT NULL DEFAULT true,
        description                text,
        created_at                 timestamptz NOT NULL DEFAULT now(),
        updated_at                 timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_webhook_endpoints PRIMARY KEY (id),
        CONSTRAINT fk_webhook_endpoints_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id) ON DELETE CASCADE
      )
    `);
    await queryRunner.query(`CREATE INDEX ix_webhook_endpoints_merchant_id_id ON webhook_endpoints (merchant_id, id DESC)`);

    // Deleting an endpoint deletes its deliveries and their attempts; events stay.
    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        id              text        NOT NULL,
        event_id        text        NOT NULL,
        endpoint_id     text        NOT NULL,
        status          text        NOT NULL DEFAULT 'pending',
        attempt_count   integer     NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        last_attempt_at timestamptz,
        delivered_at    timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_webhook_deliveries PRIMARY KEY (id),
        CONSTRAINT uq_webhook_deliveries_event_endpoint UNIQUE (event_id, endpoint_id),
        CONSTRAINT fk_webhook_deliveries_event FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE,
        CONSTRAINT fk_webhook_deliveries_endpoint FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        CONSTRAINT ck_webhook_deliveries_status CHECK (status IN ('pending', 'delivering', 'delivered', 'failed')),
        CONSTRAINT ck_webhook_deliveries_attempt_count CHECK (attempt_count >= 0)
      )
    `);
    // The delivery queue: pending rows, and claimed rows whose lease may expire (a crashed
    // worker's claim), ordered by when they are due.
    await queryRunner.query(
      `CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status IN ('pending', 'delivering')`,
    );
    await queryRunner.query(`CREATE INDEX ix_webhook_deliveries_endpoint_id ON webhook_deliveries (endpoint_id)`);

    await queryRunner.query(`
      CREATE TABLE webhook_attempts (
        id             bigint      GENERATED ALWAYS AS IDENTITY,
        delivery_id    text        NOT NULL,
        attempt_number integer     NOT NULL,
        started_at     timestamptz NOT NULL,
        duration_ms    integer     NOT NULL,
        status_code    integer,
        error          text,
        response_body  text,
        CONSTRAINT pk_webhook_attempts PRIMARY KEY (id),
        CONSTRAINT fk_webhook_attempts_delivery FOREIGN KEY (delivery_id) REFERENCES webhook_deliveries (id) ON DELETE CASCADE
      )
    `);
    await queryRunner.query(`CREATE INDEX ix_webhook_attempts_delivery_id ON webhook_attempts (delivery_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'webhook_attempts',
      'webhook_deliveries',
      'webhook_endpoints',
      'events',
      'chain_blocks',
      'chain_cursors',
      'transfers',
      'idempotency_keys',
      'payments',
      'api_keys',
      'merchants',
    ]) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
    await queryRunner.query(`DROP FUNCTION kassa_new_id(text)`);
  }
}
