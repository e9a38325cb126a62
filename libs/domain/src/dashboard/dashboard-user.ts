import type { MerchantId } from '../payments/payment';

/**
 * Roles of dashboard users (docs/dashboard.md): `owner` does everything; `developer` manages
 * API keys and webhook endpoints and reads everything; `viewer` only reads.
 */
export const DASHBOARD_ROLES = ['owner', 'developer', 'viewer'] as const;
export type DashboardRole = (typeof DASHBOARD_ROLES)[number];

/**
 * What a dashboard request does: `read` any page; `develop` API keys and webhook endpoints
 * (create, rotate, revoke, test, resend deliveries); `manage` money and settings (refunds,
 * merchant settings, settlement policy, users).
 */
export type DashboardAction = 'read' | 'develop' | 'manage';

const ALLOWED: Record<DashboardRole, readonly DashboardAction[]> = {
  owner: ['read', 'develop', 'manage'],
  developer: ['read', 'develop'],
  viewer: ['read'],
};

/** True when `role` may do `action`. */
export function roleAllows(role: DashboardRole, action: DashboardAction): boolean {
  return ALLOWED[role].includes(action);
}

/** A person who signs in to a merchant's dashboard. */
export interface DashboardUser {
  /** `usr_<ULID>`. */
  id: string;
  merchantId: MerchantId;
  email: string;
  role: DashboardRole;
  /** argon2id PHC string; null until an invitation is accepted. */
  passwordHash: string | null;
  /** Base32 TOTP secret (RFC 6238), set while being enrolled or once enabled. */
  totpSecret: string | null;
  totpEnabled: boolean;
  failedSignIns: number;
  lockedUntil: Date | null;
  createdAt: Date;
}

/** Failed sign-ins in a row after which a user is locked for {@link LOCKOUT_MS}. */
export const MAX_FAILED_SIGN_INS = 5;
/** How long a user stays locked after {@link MAX_FAILED_SIGN_INS} failed sign-ins: 15 minutes. */
export const LOCKOUT_MS = 15 * 60 * 1000;

/** True while the user is locked at `now`. */
export function isLocked(user: Pick<DashboardUser, 'lockedUntil'>, now: Date): boolean {
  return user.lockedUntil !== null && user.lockedUntil.getTime() > now.getTime();
}
