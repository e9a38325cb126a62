import { randomBytes } from 'node:crypto';

import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifySession from '@fastify/session';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { type KassaConfig, publicUrlOf } from '@kassa/config';
import { DashboardSessionsRepository } from '@kassa/persistence';

/** Path of every dashboard page; the session cookie is sent to nothing else (never to `/v1`). */
export const DASHBOARD_PATH = '/dashboard';
/** The session cookie's name. */
export const SESSION_COOKIE = 'kassa_dashboard';
/** A session ends after 8 hours without a request. */
export const SESSION_MAX_AGE_MS = 8 * 3600 * 1000;

declare module 'fastify' {
  interface Session {
    /** The signed-in dashboard user (`usr_...`); absent before sign-in. */
    userId?: string;
    /** A user who gave the right password and still owes the TOTP code. */
    pendingUserId?: string;
  }
}

/**
 * The dashboard's HTTP layer (docs/dashboard.md), all of it well-kept Fastify plugins:
 * - `@fastify/session` with its sessions in PostgreSQL (`dashboard_sessions`): the cookie
 *   holds only a signed random id; it is HttpOnly, SameSite=Strict, Secure when the public URL
 *   is HTTPS, and has
 *   path `/dashboard`, so the merchant API never receives it (and the dashboard never reads
 *   an API key);
 * - `@fastify/csrf-protection` (synchronizer token kept in the session): every POST under
 *   `/dashboard` must carry the page's token (`_csrf` form field or `csrf-token` header), so
 *   a form posted from another site is refused with 403;
 * The HTML forms' bodies (`application/x-www-form-urlencoded`) are parsed by the parser Nest's
 * Fastify adapter registers.
 */
export async function registerDashboard(app: NestFastifyApplication, config: KassaConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const sessions = app.get(DashboardSessionsRepository);
  const secret = config.dashboard.sessionSecret?.reveal() ?? randomBytes(32).toString('base64url');
  await app.register(fastifyCookie as never);
  await app.register(fastifySession as never, {
    cookieName: SESSION_COOKIE,
    secret,
    saveUninitialized: false,
    // Secure whenever the public URL is HTTPS (behind a TLS proxy too); plain HTTP only for local use.
    cookie: { path: DASHBOARD_PATH, httpOnly: true, sameSite: 'strict', secure: publicUrlOf(config).startsWith('https://'), maxAge: SESSION_MAX_AGE_MS },
    store: {
      get: (sid: string, callback: (error: unknown, session?: unknown) => void) => {
        sessions.get(sid, new Date()).then((data) => callback(null, data ?? undefined), callback);
      },
      set: (sid: string, session: Record<string, unknown> & { userId?: string; cookie?: { expires?: Date | string | null } }, callback: (error?: unknown) => void) => {
        const expires = session.cookie?.expires ? new Date(session.cookie.expires) : new Date(Date.now() + SESSION_MAX_AGE_MS);
        sessions.set(sid, JSON.parse(JSON.stringify(session)) as Record<string, unknown>, session.userId ?? null, expires).then(() => callback(), callback);
      },
      destroy: (sid: string, callback: (error?: unknown) => void) => {
        sessions.destroy(sid).then(() => callback(), callback);
      },
    },
  } as never);
  await app.register(fastifyCsrf as never, { sessionPlugin: '@fastify/session' } as never);
  fastify.addHook('preHandler', (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
    if (request.method !== 'POST' || !request.url.startsWith(`${DASHBOARD_PATH}/`)) return done();
    (fastify as unknown as { csrfProtection: (req: FastifyRequest, rep: FastifyReply, next: (error?: Error) => void) => void }).csrfProtection(request, reply, done);
  });
}
