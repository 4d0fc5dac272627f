/**
 * What the infrastructure and the role-passwords function agree on: the environment variable naming
 * each service role and its secret, and the function's physical resource id. Imports nothing, so
 * `lib/` can read it without reaching into the function.
 */

/** Environment variable of the function: a JSON list of `RoleSecret`. */
export const ROLE_SECRETS_ENV = 'ROLE_SECRETS';

/** A database role and the secret whose credentials sign it in. */
export interface RoleSecret {
  /** The role, which the secret's `username` must name. */
  readonly role: string;
  /** ARN of the secret holding `username` and `password`. */
  readonly secretArn: string;
  /** Keep a generated login password in the same secret as well (the dashboard's). @default false */
  readonly loginPassword?: boolean;
}

/** Stable, so an update never replaces the custom resource (and never sends a Delete for an old one). */
export const ROLE_PASSWORDS_RESOURCE_ID = 'database-role-passwords';
