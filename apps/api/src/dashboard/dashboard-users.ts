import type { DataSource } from 'typeorm';
import { QueryFailedError } from 'typeorm';

import { type DashboardRole, DASHBOARD_ROLES, type MerchantId, newId, NotFoundError, ValidationError } from '@kassa/domain';
import { DashboardUsersRepository } from '@kassa/persistence';

import { DashboardAuthService } from './dashboard-auth.service';

/** A dashboard user just invited, with the one-time link that sets their password. */
export interface InvitedUser {
  userId: string;
  email: string;
  role: DashboardRole;
  /** `<public URL>/dashboard/set-password/<token>`, valid 24 hours, once. */
  link: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * Invites a dashboard user for a merchant (CLI `kassa user invite`, docs/dashboard.md): the
 * link it returns sets the password; no mail server is involved, whoever runs the command
 * hands the link over.
 * @throws ValidationError for a malformed email, an unknown role or an email already in use
 */
export async function inviteDashboardUser(dataSource: DataSource, input: { merchantId: MerchantId; email: string; role: string }, publicUrl: string): Promise<InvitedUser> {
  if (!EMAIL.test(input.email)) throw ValidationError.field('email', 'must be an email address');
  if (!(DASHBOARD_ROLES as readonly string[]).includes(input.role)) throw ValidationError.field('role', `must be one of ${DASHBOARD_ROLES.join(', ')}`);
  const users = new DashboardUsersRepository(dataSource);
  const userId = newId('dashboardUser');
  try {
    await users.insert({ id: userId, merchantId: input.merchantId, email: input.email, role: input.role as DashboardRole });
  } catch (error) {
    if (error instanceof QueryFailedError && /uq_dashboard_users_email/.test(error.message)) throw ValidationError.field('email', 'is already a dashboard user');
    throw error;
  }
  const token = await new DashboardAuthService(users).issueLink(userId, 'invite');
  return { userId, email: input.email, role: input.role as DashboardRole, link: `${publicUrl}/dashboard/set-password/${token}` };
}

/**
 * A one-time link that sets a new password for the user with this email (CLI `kassa user
 * reset`); using it ends the user's sessions.
 * @throws NotFoundError when no user has the email
 */
export async function passwordResetLink(dataSource: DataSource, email: string, publicUrl: string): Promise<string> {
  const users = new DashboardUsersRepository(dataSource);
  const user = await users.findByEmail(email);
  if (!user) throw new NotFoundError('dashboard user', email);
  return `${publicUrl}/dashboard/set-password/${await new DashboardAuthService(users).issueLink(user.id, 'reset')}`;
}

/**
 * The demo owner of `npm start`: created with `password` the first time, left as it is later.
 * @returns whether it was created now
 */
export async function ensureDashboardOwner(dataSource: DataSource, input: { merchantId: MerchantId; email: string; password: string }): Promise<boolean> {
  const users = new DashboardUsersRepository(dataSource);
  if (await users.findByEmail(input.email)) return false;
  const userId = newId('dashboardUser');
  await users.insert({ id: userId, merchantId: input.merchantId, email: input.email, role: 'owner' });
  await users.setPassword(userId, await new DashboardAuthService(users).hashPassword(input.password));
  return true;
}
