import { Kassa, KassaApiError } from '@kassa/sdk';

import { CliError } from './pay.command';

/** Where the merchant API is and the key to call it with (the demo key of `npm start` by default). */
export interface MerchantApi {
  apiUrl: string;
  apiKey: string;
}

/**
 * Calls the merchant API as a merchant's client would, through `@kassa/sdk`: with the API
 * key, an `Idempotency-Key` on every create (so a command repeated after a lost answer
 * creates nothing twice), and retries of what may be repeated.
 * @returns what `call` returns
 * @throws CliError with the problem's status, code, detail and the fields at fault for a
 *   refused request, or when the API cannot be reached
 */
export async function callMerchantApi<T>(api: MerchantApi, call: (kassa: Kassa) => Promise<T>): Promise<T> {
  const kassa = new Kassa({ apiKey: api.apiKey, baseUrl: api.apiUrl, maxRetries: 2, maxRetryDelayMs: 5_000 });
  try {
    return await call(kassa);
  } catch (error) {
    if (error instanceof KassaApiError) {
      const fields = error.errors.length > 0 ? ` (${error.errors.map((fault) => `${fault.field}: ${fault.message}`).join('; ')})` : '';
      throw new CliError(`The API answered ${error.status} ${error.code}: ${error.detail ?? error.title}${fields}`);
    }
    if (error instanceof TypeError) throw new CliError(`Cannot reach the Kassa API at ${api.apiUrl}: ${error.message}`);
    throw error;
  }
}
