import escapeHtml from 'escape-html';

import type { OpsStatus } from './ops-status.service';

const e = (value: string | number): string => escapeHtml(String(value));

/** The page's Content-Security-Policy: nothing is loaded from anywhere, inline styles only. */
export const OPS_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The URL shown for an endpoint: scheme, host and path only (a query string may carry a token). */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * The operator status page (`/ops`), rendered on the server as one self-contained HTML
 * document (inline styles, no script, no external asset), refreshed every 15 s.
 */
export function renderOpsPage(status: OpsStatus): string {
  const chains = status.chains
    .map(
      (chain) => `<tr class="${chain.status === 'ok' ? 'ok' : 'bad'}"><td>${e(chain.name)} (${e(chain.chainId)})</td><td>${e(chain.status)}</td><td>${e(chain.state ?? '-')}</td>` +
        `<td class="n">${e(chain.headBlock ?? '-')}</td><td class="n">${e(chain.cursorBlock ?? '-')}</td><td class="n">${e(chain.lagBlocks ?? '-')}</td>` +
        `<td class="n">${chain.lagSeconds === null ? '-' : `${e(chain.lagSeconds)} s`}</td><td>${e(chain.lastError ?? '')}</td></tr>`,
    )
    .join('\n');
  const payments = Object.entries(status.paymentsLastHour)
    .map(([state, count]) => `<tr><td>${e(state)}</td><td class="n">${e(count)}</td></tr>`)
    .join('\n');
  const endpoints = status.failingEndpoints.length
    ? status.failingEndpoints
        .map(
          (endpoint) => `<tr class="bad"><td>${e(endpoint.endpointId)}</td><td>${e(endpoint.merchantId)}</td><td>${e(safeUrl(endpoint.url))}</td>` +
            `<td class="n">${e(endpoint.failed)}</td><td class="n">${e(endpoint.retrying)}</td><td>${e(endpoint.lastError ?? '')}</td>` +
            `<td>${e(endpoint.lastAttemptAt?.toISOString() ?? '-')}</td></tr>`,
        )
        .join('\n')
    : '<tr><td colspan="7">None</td></tr>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="15">
<meta name="robots" content="noindex">
<title>Kassa operations</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1b1b1b; }
table { border-collapse: collapse; margin-bottom: 2rem; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .8rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.ok td:nth-child(2) { color: #1a7f37; }
tr.bad td:nth-child(2) { color: #b42318; font-weight: 600; }
</style>
</head>
<body>
<h1>Kassa operations</h1>
<p>At ${e(status.generatedAt.toISOString())}; refreshes every 15 s.</p>
<h2>Chains</h2>
<table>
<tr><th>Chain</th><th>Status</th><th>State</th><th>Head</th><th>Cursor</th><th>Lag (blocks)</th><th>Last block age</th><th>Last error</th></tr>
${chains || '<tr><td colspan="8">No chains configured</td></tr>'}
</table>
<h2>Payments created in the last hour</h2>
<table>
<tr><th>Status</th><th>Payments</th></tr>
${payments}
</table>
<h2>Failing webhook endpoints</h2>
<table>
<tr><th>Endpoint</th><th>Merchant</th><th>URL</th><th>Failed (24 h)</th><th>Retrying</th><th>Last result</th><th>Last attempt</th></tr>
${endpoints}
</table>
</body>
</html>
`;
}
