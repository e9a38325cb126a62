import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A stand-in for a merchant's website: the pages a customer returns to, and a page that embeds the checkout. */
export interface ShopServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Paths with query of every page the shop served, in order. */
  visits: string[];
  close(): Promise<void>;
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;

/**
 * Starts the shop on 127.0.0.1 on a free port. `GET /embed?src=<checkout URL>` frames the
 * checkout and keeps every `kassa:payment` message it receives in `window.kassaMessages`
 * (with the sender's origin), as the snippet in docs/checkout.md does; any other path is a
 * plain page naming itself (the success and cancel pages).
 */
export async function startShopServer(): Promise<ShopServer> {
  const visits: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://shop.test');
    visits.push(`${url.pathname}${url.search}`);
    response.setHeader('content-type', 'text/html; charset=utf-8');
    if (url.pathname === '/embed') {
      const src = url.searchParams.get('src') ?? '';
      response.end(
        page(
          'Shop checkout',
          `<h1>Shop</h1>
<iframe id="checkout" title="Payment" src="${src.replace(/"/g, '&quot;')}" width="480" height="900"></iframe>
<script>
  window.kassaMessages = [];
  window.addEventListener('message', function (event) {
    if (event.data && event.data.type === 'kassa:payment') window.kassaMessages.push({ origin: event.origin, data: event.data });
  });
</script>`,
        ),
      );
      return;
    }
    response.end(page('Shop', `<h1 id="shop-page">Shop page ${url.pathname}</h1>`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    visits,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
