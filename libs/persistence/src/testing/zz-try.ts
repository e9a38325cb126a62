import { startEmbeddedPostgres } from '../embedded-postgres';
(async () => {
  const t0 = Date.now();
  const a = await startEmbeddedPostgres({ dataDir: '/tmp/kassa-lock/pg', persistent: true, database: 'kassa' });
  console.log('first start', Date.now() - t0, 'ms', a.url);
  const t1 = Date.now();
  await startEmbeddedPostgres({ dataDir: '/tmp/kassa-lock/pg', persistent: true }).then(
    () => console.log('UNEXPECTED second start'),
    (e: Error) => console.log('second start refused:\n' + e.message),
  );
  await a.stop();
  const t2 = Date.now();
  const b = await startEmbeddedPostgres({ dataDir: '/tmp/kassa-lock/pg', persistent: true, database: 'kassa' });
  console.log('restart (existing cluster)', Date.now() - t2, 'ms');
  await b.stop();
})();
