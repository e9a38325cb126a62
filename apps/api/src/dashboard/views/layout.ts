import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import escapeHtml from 'escape-html';

import type { DashboardUser } from '@kassa/domain';
import type { DeliveryAttempt } from '@kassa/persistence';

import { documentHead } from '../../common/html';

/** HTML-escapes a value for text and attribute positions. */
export const e = (value: string | number | bigint | null | undefined): string => escapeHtml(value === null || value === undefined ? '' : String(value));

function asset(file: string, contentType: string): { body: string; contentType: string; version: string } {
  const body = readFileSync(file, 'utf8');
  return { body, contentType, version: createHash('sha256').update(body).digest('hex').slice(0, 12) };
}

/**
 * The dashboard's static files, served by the api itself under `/dashboard/assets/`: its
 * stylesheet, its script, and Chart.js (the `chart.js` package's UMD build) for the
 * overview's chart. Nothing loads from another server.
 */
export const DASHBOARD_ASSETS: Readonly<Record<string, { body: string; contentType: string; version: string }>> = {
  'dashboard.css': asset(path.join(__dirname, '..', 'assets', 'dashboard.css'), 'text/css; charset=utf-8'),
  'dashboard.js': asset(path.join(__dirname, '..', 'assets', 'dashboard.js'), 'text/javascript; charset=utf-8'),
  // The package exports only its module builds; the browser build sits beside them in dist/.
  'chart.umd.js': asset(path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'text/javascript; charset=utf-8'),
};

/** `/dashboard/assets/<name>?v=<content hash>`. */
export const assetUrl = (name: string): string => `/dashboard/assets/${name}?v=${DASHBOARD_ASSETS[name]!.version}`;

/** The hidden CSRF field every dashboard form carries. */
export const csrfField = (csrf: string): string => `<input type="hidden" name="_csrf" value="${e(csrf)}">`;

const NAV = [
  ['overview', '/dashboard', 'Overview'],
  ['payments', '/dashboard/payments', 'Payments'],
  ['settlements', '/dashboard/settlements', 'Settlements'],
  ['webhooks', '/dashboard/webhooks', 'Webhooks'],
  ['api-keys', '/dashboard/api-keys', 'API keys'],
  ['settings', '/dashboard/settings', 'Settings'],
  ['security', '/dashboard/security', 'Security'],
] as const;

/** What every signed-in page is drawn with. */
export interface PageFrame {
  title: string;
  active: (typeof NAV)[number][0] | null;
  user: DashboardUser;
  merchantName: string;
  csrf: string;
  /** A message after an action, e.g. "Refund ref_... created". */
  notice?: string | null;
}

/** The page around a signed-in view: skip link, navigation, the user and sign-out, the content. */
export function page(frame: PageFrame, content: string): string {
  const nav = NAV.map(([key, href, label]) => `<li><a href="${href}"${frame.active === key ? ' aria-current="page"' : ''}>${label}</a></li>`).join('');
  return document(
    `${frame.title} · ${frame.merchantName}`,
    `<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <p class="brand">Kassa · <span id="merchant-name">${e(frame.merchantName)}</span></p>
  <nav aria-label="Dashboard"><ul>${nav}</ul></nav>
  <form method="post" action="/dashboard/sign-out" class="sign-out">${csrfField(frame.csrf)}<span id="signed-in-as">${e(frame.user.email)} (${e(frame.user.role)})</span> <button type="submit" class="link">Sign out</button></form>
</header>
<main id="main">
  <h1>${e(frame.title)}</h1>
  ${frame.notice ? `<p class="notice" role="status" id="notice">${e(frame.notice)}</p>` : ''}
  ${content}
</main>`,
  );
}

/** A whole HTML document with the dashboard's stylesheet and script. */
export function document(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
${documentHead(title, assetUrl('dashboard.css'))}
</head>
<body>
${body}
<script src="${assetUrl('dashboard.js')}"></script>
</body>
</html>
`;
}

/** A page for signed-out visitors (sign-in, set a password), without navigation. */
export function bare(title: string, content: string): string {
  return document(title, `<main id="main" class="bare"><h1>${e(title)}</h1>${content}</main>`);
}

/** A `<table>` with a caption for screen readers; `rows` are already-escaped cells. */
export function table(caption: string, head: readonly string[], rows: readonly string[][], id?: string): string {
  if (rows.length === 0) return `<p class="empty"${id ? ` id="${id}"` : ''}>Nothing yet.</p>`;
  return `<div class="table-wrap"><table${id ? ` id="${id}"` : ''}><caption class="visually-hidden">${e(caption)}</caption>
<thead><tr>${head.map((cell) => `<th scope="col">${e(cell)}</th>`).join('')}</tr></thead>
<tbody>${rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('\n')}</tbody></table></div>`;
}

/** `2026-12-06 18:31 UTC`. */
export const when = (iso: string | Date | null): string => {
  if (!iso) return '';
  const text = typeof iso === 'string' ? iso : iso.toISOString();
  return `<time datetime="${e(text)}">${e(text.slice(0, 16).replace('T', ' '))} UTC</time>`;
};

/** A delivery's attempts, in order: time, HTTP status (or the error), duration, the start of the answer. */
export function attemptsList(attempts: readonly DeliveryAttempt[]): string {
  if (attempts.length === 0) return 'not tried yet';
  const item = (attempt: DeliveryAttempt) =>
    `<li>#${e(attempt.attemptNumber)} ${when(attempt.startedAt)}: ${attempt.statusCode ? `HTTP ${e(attempt.statusCode)}` : e(attempt.error ?? 'no answer')} in ${e(attempt.durationMs)} ms${attempt.responseBody ? `<br><code class="excerpt">${e(attempt.responseBody.slice(0, 200))}</code>` : ''}</li>`;
  return `<ol>${attempts.map(item).join('')}</ol>`;
}
