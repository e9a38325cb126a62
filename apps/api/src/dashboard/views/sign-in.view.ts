import { bare, csrfField, e } from './layout';

/** The sign-in form: email and password, or (second step) the TOTP code. */
export function signInView(csrf: string, options: { step: 'password' | 'totp'; message?: string | null; email?: string } = { step: 'password' }): string {
  const error = options.message ? `<p class="error" role="alert" id="sign-in-error">${e(options.message)}</p>` : '';
  if (options.step === 'totp') {
    return bare(
      'Two-step verification',
      `${error}<form method="post" action="/dashboard/sign-in/totp">${csrfField(csrf)}
  <label for="code">Code from your authenticator app</label>
  <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required autofocus>
  <p><button type="submit" id="verify">Verify</button></p>
</form>`,
    );
  }
  return bare(
    'Sign in to Kassa',
    `${error}<form method="post" action="/dashboard/sign-in">${csrfField(csrf)}
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username" value="${e(options.email)}" required autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <p><button type="submit" id="sign-in">Sign in</button></p>
</form>
<p class="hint">No account, or a forgotten password? An operator prints a one-time link: <code>npm run kassa -- user reset --email you@example.com</code>.</p>`,
  );
}

/** The page a one-time link opens: choose a password. */
export function setPasswordView(csrf: string, token: string, options: { message?: string | null; valid: boolean }): string {
  if (!options.valid) return bare('Link expired', '<p class="error" role="alert">This link was used already or has expired. Ask for a new one.</p>');
  const error = options.message ? `<p class="error" role="alert">${e(options.message)}</p>` : '';
  return bare(
    'Choose a password',
    `${error}<form method="post" action="/dashboard/set-password/${e(token)}">${csrfField(csrf)}
  <label for="password">New password (at least 12 characters)</label>
  <input id="password" name="password" type="password" autocomplete="new-password" minlength="12" required autofocus>
  <p><button type="submit" id="set-password">Set password</button></p>
</form>`,
  );
}

/** An error page of the dashboard (403, 404, ...). */
export function errorView(status: number, message: string): string {
  return bare(status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Something went wrong', `<p class="error" role="alert">${e(message)}</p><p><a href="/dashboard">Back to the overview</a></p>`);
}
