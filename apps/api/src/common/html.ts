import escapeHtml from 'escape-html';

/** JSON for a `<script type="application/json">` block: `<` and the line separators escaped, so no value can close the element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * The `<head>` content every page Kassa serves shares (checkout, refund pages, dashboard): no
 * referrer to anyone, no indexing, no favicon request, and its stylesheet from Kassa itself.
 * @param title the page title, as text (escaped here)
 * @param stylesheet the stylesheet's URL (relative or absolute), as built by the page's assets
 */
export function documentHead(title: string, stylesheet: string): string {
  return `<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${escapeHtml(stylesheet)}">`;
}
