import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';

import { useTestDatabase } from '@kassa/testing';

import { PersistenceModule } from './persistence.module';
import { PaymentsRepository } from './payments/payments.repository';

describe('PersistenceModule', () => {
  const db = useTestDatabase();

  it('gives three apps composed in one process one DataSource', async () => {
    const options = () => ({ databaseUrl: db.url, poolSize: 3 });
    @Injectable()
    class Probe {
      constructor(readonly dataSource: DataSource, readonly payments: PaymentsRepository) {}
    }
    // Each root module imports the persistence module itself, as each app does to run alone.
    @Module({ imports: [PersistenceModule.forRoot(options())], providers: [{ provide: 'api', useClass: Probe }], exports: ['api'] })
    class ApiRoot {}
    @Module({ imports: [PersistenceModule.forRoot(options())], providers: [{ provide: 'watcher', useClass: Probe }], exports: ['watcher'] })
    class WatcherRoot {}
    @Module({ imports: [PersistenceModule.forRoot(options())], providers: [{ provide: 'worker', useClass: Probe }], exports: ['worker'] })
    class WorkerRoot {}
    @Module({ imports: [ApiRoot, WatcherRoot, WorkerRoot] })
    class EmbeddedRoot {}

    const app = await NestFactory.createApplicationContext(EmbeddedRoot, { logger: false });
    try {
      const probes = ['api', 'watcher', 'worker'].map((token) => app.get<Probe>(token));
      expect(new Set(probes.map((probe) => probe.dataSource)).size).toBe(1);
      expect(new Set(probes.map((probe) => probe.payments)).size).toBe(1);
      expect(probes[0]!.dataSource.isInitialized).toBe(true);
    } finally {
      await app.close();
    }
    expect(app.get(DataSource).isInitialized).toBe(false);
  });
});
