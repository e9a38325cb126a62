import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tells the api processes when what an API key authenticates as changes, so they may keep
 * principals in memory (docs/performance.md "API"): a trigger on `api_keys` (revocation,
 * scopes, deletion), on `merchants` (settings) and on `merchant_treasuries` sends
 * `pg_notify('kassa_principals', <merchant id>)`, delivered at commit, whoever writes (the
 * API, the dashboard, the CLI, an operator's SQL).
 */
export class PrincipalChanges1796428800000 implements MigrationInterface {
  name = 'PrincipalChanges1796428800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION kassa_notify_principal_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- TG_ARGV[0]: the column holding the merchant id in this table.
        PERFORM pg_notify('kassa_principals', to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END) ->> TG_ARGV[0]);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER tr_api_keys_principal_change AFTER UPDATE OF revoked_at, scopes, merchant_id, key_hash OR DELETE ON api_keys
      FOR EACH ROW EXECUTE FUNCTION kassa_notify_principal_change('merchant_id')`);
    await queryRunner.query(`
      CREATE TRIGGER tr_merchants_principal_change AFTER UPDATE OR DELETE ON merchants
      FOR EACH ROW EXECUTE FUNCTION kassa_notify_principal_change('id')`);
    await queryRunner.query(`
      CREATE TRIGGER tr_merchant_treasuries_principal_change AFTER INSERT OR UPDATE OR DELETE ON merchant_treasuries
      FOR EACH ROW EXECUTE FUNCTION kassa_notify_principal_change('merchant_id')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER tr_merchant_treasuries_principal_change ON merchant_treasuries`);
    await queryRunner.query(`DROP TRIGGER tr_merchants_principal_change ON merchants`);
    await queryRunner.query(`DROP TRIGGER tr_api_keys_principal_change ON api_keys`);
    await queryRunner.query(`DROP FUNCTION kassa_notify_principal_change()`);
  }
}
