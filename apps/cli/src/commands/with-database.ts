import { DataSource } from 'typeorm';

import { createDataSourceOptions } from '@kassa/persistence';

/** Opens a short-lived connection for an operator command, and always closes it. */
export async function withDatabase<T>(databaseUrl: string, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const dataSource = new DataSource(createDataSourceOptions(databaseUrl, { poolSize: 2, applicationName: 'kassa-cli' }));
  await dataSource.initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
