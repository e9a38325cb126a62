import { randomBytes } from 'node:crypto';

import { Algorithm, hash, verify } from '@node-rs/argon2';
import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import * as OTPAuth from 'otpauth';

import { type DashboardAction, type DashboardUser, ForbiddenError, isLocked, roleAllows, UnauthorizedError, ValidationError } from '@kassa/domain';
import { DashboardUsersRepository } from '@kassa/persistence';

/**
 * argon2id with the parameters OWASP's Password Storage Cheat Sheet gives as a minimum
 * (19 MiB of memory, 2 iterations, 1 lane), by `@node-rs/argon2`.
 */
const ARGON2 = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
/** Shortest password accepted (NIST SP 800-63B: at least 8; we ask 12). */
export const MIN_PASSWORD_LENGTH = 12;
/** A one-time link (invitation, password reset) works this long. */
export const LINK_TTL_MS = 24 * 3600 * 1000;

/** Where the dashboard sends someone who is not signed in. */
export class SignInRequired extends Error {}

/** What a sign-in attempt came to. */
export type SignInOutcome = { kind: 'signed_in'; user: DashboardUser } | { kind: 'totp_required'; user: DashboardUser } | { kind: 'refused'; message: string };

/** A TOTP (RFC 6238: SHA-1, 6 digits, 30 s) for a user's secret, by `otpauth`. */
function totpOf(user: Pick<DashboardUser, 'email'>, secret: string): OTPAuth.TOTP {
  return new OTPAuth.TOTP({ issuer: 'Kassa', label: user.email, algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secret) });
}

/**
 * Dashboard sign-in (docs/dashboard.md): argon2id passwords, a lock after repeated failures,
 * an optional TOTP second factor, one-time links for invitations and resets, and the role
 * check of every page and action.
 */
@Injectable()
export class DashboardAuthService {
  constructor(private readonly users: DashboardUsersRepository) {}

  /** An argon2id PHC string of `password`. @throws ValidationError for a password too short */
  async hashPassword(password: string): Promise<string> {
    if (password.length < MIN_PASSWORD_LENGTH) throw ValidationError.field('password', `must be at least ${MIN_PASSWORD_LENGTH} characters`);
    return hash(password, ARGON2);
  }

  /**
   * Checks an email and password. A locked user, an unknown email and a wrong password answer
   * alike (nothing tells which emails exist); each failure counts towards the lock.
   */
  async checkPassword(email: string, password: string, now: Date = new Date()): Promise<SignInOutcome> {
    const refused: SignInOutcome = { kind: 'refused', message: 'Wrong email or password.' };
    const user = await this.users.findByEmail(email);
    if (!user?.passwordHash) {
      // The same work as a real check, so the answer's timing does not tell either.
      await verify(DUMMY_HASH, password).catch(() => false);
      return refused;
    }
    if (isLocked(user, now)) return { kind: 'refused', message: 'Too many failed sign-ins: this account is locked for 15 minutes.' };
    if (!(await verify(user.passwordHash, password))) {
      const after = await this.users.recordFailedSignIn(user.id, now);
      return after && isLocked(after, now) ? { kind: 'refused', message: 'Too many failed sign-ins: this account is locked for 15 minutes.' } : refused;
    }
    if (user.totpEnabled) return { kind: 'totp_required', user };
    await this.users.recordSignIn(user.id);
    return { kind: 'signed_in', user };
  }

  /** Checks the TOTP code of a user who gave the right password; a wrong code counts as a failed sign-in. */
  async checkTotp(userId: string, code: string, now: Date = new Date()): Promise<SignInOutcome> {
    const user = await this.users.findById(userId);
    if (!user?.totpEnabled || !user.totpSecret || isLocked(user, now)) return { kind: 'refused', message: 'Sign in again.' };
    if (totpOf(user, user.totpSecret).validate({ token: code.replace(/\s/g, ''), window: 1, timestamp: now.getTime() }) === null) {
      await this.users.recordFailedSignIn(user.id, now);
      return { kind: 'refused', message: 'Wrong code.' };
    }
    await this.users.recordSignIn(user.id);
    return { kind: 'signed_in', user };
  }

  /** Starts TOTP enrolment: a new secret, stored but not enabled until a code confirms it. @returns the otpauth:// URI for an authenticator app */
  async beginTotp(user: DashboardUser): Promise<{ secret: string; uri: string }> {
    const secret = new OTPAuth.Secret({ size: 20 }).base32;
    await this.users.setTotp(user.id, secret, false);
    return { secret, uri: totpOf(user, secret).toString() };
  }

  /** Enables TOTP once a code from the authenticator matches the enrolled secret. @throws ValidationError for a wrong code */
  async confirmTotp(user: DashboardUser, code: string, now: Date = new Date()): Promise<void> {
    if (!user.totpSecret || totpOf(user, user.totpSecret).validate({ token: code.replace(/\s/g, ''), window: 1, timestamp: now.getTime() }) === null) {
      throw ValidationError.field('code', 'does not match: check the authenticator app\'s clock and try the next code');
    }
    await this.users.setTotp(user.id, user.totpSecret, true);
  }

  /** A one-time link token (invitation or reset) for the user, valid {@link LINK_TTL_MS}. */
  async issueLink(userId: string, kind: 'invite' | 'reset', now: Date = new Date()): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    await this.users.insertToken(userId, token, kind, new Date(now.getTime() + LINK_TTL_MS));
    return token;
  }

  /** True when a one-time link can still be used. */
  linkValid(token: string, now: Date = new Date()): Promise<boolean> {
    return this.users.tokenValid(token, now);
  }

  /**
   * Sets a password through a one-time link (used once; the user's sessions end).
   * @throws ValidationError for a password too short; UnauthorizedError for a used or expired link
   */
  async setPasswordWithLink(token: string, password: string, now: Date = new Date()): Promise<DashboardUser> {
    const passwordHash = await this.hashPassword(password);
    const user = await this.users.useToken(token, now);
    if (!user) throw new UnauthorizedError('This link was used already or has expired: ask for a new one');
    await this.users.setPassword(user.id, passwordHash);
    return user;
  }

  /**
   * The signed-in user of a request, allowed to do `action`.
   * @throws SignInRequired without a signed-in user; ForbiddenError (403) when the role does not allow it
   */
  async userOf(request: FastifyRequest, action: DashboardAction): Promise<DashboardUser> {
    const userId = request.session.get('userId');
    const user = userId ? await this.users.findById(userId) : null;
    if (!user) throw new SignInRequired();
    if (!roleAllows(user.role, action)) throw new ForbiddenError(`A ${user.role} cannot do this; ask an owner of the merchant`);
    return user;
  }
}

/** An argon2id hash of a random password: verified against when the email is unknown. */
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Gg5ZLUsb5qkSPT6GRlyZ0X3nHfT+dkYj6bW8kJ2QHc0';
