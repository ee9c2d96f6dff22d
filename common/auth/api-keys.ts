// Who is calling: `Authorization: Bearer <key>` maps to a tenant through the configured keys, or,
// in the explicit `none` mode (the embedded default), everything belongs to one tenant.
import { HttpError } from '../runtime/http-error.ts';

export type ApiAuth =
  | { readonly mode: 'none'; readonly tenant: string }
  | { readonly mode: 'api-key'; readonly keys: ReadonlyMap<string, string> };

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The tenant the request belongs to; 401 for a missing or unknown key. */
export function tenantFor(auth: ApiAuth, authorization: string | undefined): string {
  if (auth.mode === 'none') return auth.tenant;
  if (authorization === undefined || authorization === '') {
    throw new HttpError(401, 'missing API key: send Authorization: Bearer <key>');
  }
  const key = BEARER.exec(authorization)?.[1];
  if (key === undefined) throw new HttpError(401, 'malformed Authorization header: expected "Bearer <key>"');
  const tenant = auth.keys.get(key);
  if (tenant === undefined) throw new HttpError(401, 'unknown API key');
  return tenant;
}
