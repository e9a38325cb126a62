import { PassThrough, type Readable } from 'node:stream';

import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';

import { isFinal } from '@kassa/domain';

import type { PublicPayment } from './public-payment';

/** How often an open stream re-reads its payment (confirmations change with every block). */
export const STREAM_POLL_INTERVAL_MS = 1000;
/** A stream ends after this long; the browser's EventSource reconnects by itself. */
export const STREAM_MAX_LIFETIME_MS = 5 * 60_000;
/** A comment line after this long without an event, so proxies keep the connection open. */
export const STREAM_HEARTBEAT_MS = 15_000;
/** Streams open at once in this process; beyond it the page falls back to polling `/status`. */
export const MAX_OPEN_STREAMS = 1000;
/** Reconnection delay the browser is told to use (SSE `retry` field). */
const RETRY_MS = 2000;

/** Reads the current public state of a payment; null once it no longer exists. */
export type PaymentReader = (paymentId: string) => Promise<PublicPayment | null>;

/**
 * One `text/event-stream` body (https://html.spec.whatwg.org/multipage/server-sent-events.html):
 * a `payment` event with the public status now and whenever it changes, polled from the
 * database; it ends when the payment is final, after {@link STREAM_MAX_LIFETIME_MS}, or
 * when the customer leaves.
 */
class PaymentEventStream {
  readonly body = new PassThrough();
  private timer: NodeJS.Timeout | undefined;
  private last = '';
  private lastWriteAt = Date.now();
  private readonly endsAt = Date.now() + STREAM_MAX_LIFETIME_MS;
  private ended = false;

  constructor(
    private readonly paymentId: string,
    private readonly read: PaymentReader,
    private readonly onEnd: () => void,
    private readonly logger: Logger,
  ) {
    this.body.on('close', () => this.end());
  }

  start(first: PublicPayment): void {
    this.write(`retry: ${RETRY_MS}\n\n`);
    this.push(first);
    if (isFinal(first.status)) this.end();
    else this.schedule();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.body.end();
    this.onEnd();
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.tick(), STREAM_POLL_INTERVAL_MS);
  }

  private async tick(): Promise<void> {
    try {
      const payment = await this.read(this.paymentId);
      if (this.ended) return;
      if (!payment) return this.end();
      if (!this.push(payment) && Date.now() - this.lastWriteAt >= STREAM_HEARTBEAT_MS) this.write(': keep-alive\n\n');
      if (isFinal(payment.status) || Date.now() >= this.endsAt) return this.end();
    } catch (error) {
      // A failed read (database restarting) is retried on the next tick; the page keeps its last state.
      this.logger.warn({ msg: 'Reading a payment for its event stream failed', paymentId: this.paymentId, err: (error as Error).message });
    }
    if (!this.ended) this.schedule();
  }

  /** Sends the payment when it differs from the last one sent; returns whether it did. */
  private push(payment: PublicPayment): boolean {
    const json = JSON.stringify(payment);
    if (json === this.last) return false;
    this.last = json;
    this.write(`event: payment\ndata: ${json}\n\n`);
    return true;
  }

  private write(chunk: string): void {
    if (this.ended) return;
    this.lastWriteAt = Date.now();
    this.body.write(chunk);
  }
}

/**
 * The open server-sent event streams of the checkout (`GET /pay/:id/events`), bounded in
 * number and in lifetime, and all ended when the application shuts down.
 */
@Injectable()
export class PaymentEventStreams implements OnModuleDestroy {
  private readonly logger = new Logger('CheckoutEvents');
  private readonly streams = new Set<PaymentEventStream>();

  /**
   * Opens a stream for a payment whose current public state is `first`.
   * @param read re-reads the payment on every poll
   * @returns the response body, or null when {@link MAX_OPEN_STREAMS} are already open
   */
  open(first: PublicPayment, read: PaymentReader): Readable | null {
    if (this.streams.size >= MAX_OPEN_STREAMS) return null;
    const stream: PaymentEventStream = new PaymentEventStream(first.id, read, () => this.streams.delete(stream), this.logger);
    this.streams.add(stream);
    stream.start(first);
    return stream.body;
  }

  /** Streams open now. */
  get size(): number {
    return this.streams.size;
  }

  /** Ends every open stream, so the HTTP server can close without waiting for customers to leave. */
  onModuleDestroy(): void {
    for (const stream of [...this.streams]) stream.end();
  }
}
