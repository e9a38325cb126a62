import { eventually } from '@kassa/testing';

import { useKassaBehindProxy } from '@kassa/testing/scenario';

interface Readiness {
  status: string;
  checks: { database: string; chains: { chainId: number; status: string; state: string | null; lastError: string | null; cursorBlock: string | null }[] };
}

/**
 * `/health/ready` reports each chain as its watcher sees it: `ok` while followed,
 * `degraded` (with the error) while its RPC fails, and `ok` again once the watcher has
 * caught up. A failing chain does not make the API unready (the database does).
 */
describe('health of the chains', () => {
  const behind = useKassaBehindProxy();

  const readiness = async () => {
    const response = await fetch(`${behind.kassa.apiUrl}/health/ready`);
    return { code: response.status, body: (await response.json()) as Readiness };
  };

  it('is ok while the chain is followed, degraded with the error while its RPC is down, ok again after', async () => {
    const chainId = behind.kassa.chain.config.chainId;
    const ok = await eventually(async () => {
      const { code, body } = await readiness();
      return body.checks.chains[0]?.status === 'ok' ? { code, body } : undefined;
    }, { what: 'the chain to be reported ok' });
    expect(ok.code).toBe(200);
    expect(ok.body).toMatchObject({ status: 'ok', checks: { database: 'ok', chains: [{ chainId, state: 'following' }] } });

    await behind.proxy.setMode('down');
    const degraded = await eventually(async () => {
      const { code, body } = await readiness();
      return body.checks.chains[0]?.status === 'degraded' ? { code, body } : undefined;
    }, { what: 'the chain to be reported degraded' });
    expect(degraded.code).toBe(200);
    expect(degraded.body).toMatchObject({ status: 'degraded', checks: { database: 'ok', chains: [{ chainId, state: 'degraded' }] } });
    expect(degraded.body.checks.chains[0]!.lastError).toMatch(/failed/);
    expect(JSON.stringify(degraded.body)).not.toContain(behind.proxy.url);

    await behind.proxy.setMode('pass');
    await behind.kassa.mine(1);
    const head = await behind.kassa.chain.publicClient.getBlockNumber();
    await eventually(async () => {
      const { body } = await readiness();
      const chain = body.checks.chains[0];
      return chain?.status === 'ok' && BigInt(chain.cursorBlock ?? -1) >= head ? body : undefined;
    }, { what: 'the chain to be reported ok again at the head' });
  });
});
