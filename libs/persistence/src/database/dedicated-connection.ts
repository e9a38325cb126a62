import { Client, type ClientConfig } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';

/**
 * The settings of a connection to the application's database outside its pool (the
 * pool's URL or parts, TLS), not pipelining, with TCP keep-alive so a dead peer is noticed.
 * @param applicationName shown in `pg_stat_activity`, e.g. `kassa-watcher-lock-1`
 */
export function dedicatedConnectionConfig(dataSource: DataSource, applicationName: string): ClientConfig {
  const options = dataSource.options as PostgresConnectionOptions;
  return {
    connectionString: options.url,
    host: options.host,
    port: options.port,
    user: options.username,
    password: typeof options.password === 'string' ? options.password : undefined,
    database: options.database,
    ssl: options.ssl as ClientConfig['ssl'],
    application_name: applicationName,
    keepAlive: true,
    connectionTimeoutMillis: 10_000,
  };
}

/**
 * Opens a connection of its own to the application's database, outside the pool: for
 * session state that must outlive any one query (a LISTEN, an advisory lock) or a cursor
 * (pooled connections pipeline), so it never takes a pooled connection away from request
 * work ({@link dedicatedConnectionConfig}).
 *
 * @param applicationName shown in `pg_stat_activity`, e.g. `kassa-watcher-lock-1`
 * @throws the pg error when the connection cannot be opened
 */
export async function openDedicatedConnection(dataSource: DataSource, applicationName: string): Promise<Client> {
  const client = new Client(dedicatedConnectionConfig(dataSource, applicationName));
  // Until a caller subscribes, an error must not crash the process (pg emits it on the client).
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}
