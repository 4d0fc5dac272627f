/**
 * The dashboard's login password in AWS: a key of the dashboard role's secret, beside the database
 * credentials (`username`, `password`) the Data API reads from the same secret. Generated there at
 * deploy by the database setup stack (`lambda/role-passwords/`), read by the dashboard when it starts.
 * One secret for both keeps the platform at three secrets (the master's, the loader's, the
 * dashboard's). Extra keys beside `username` and `password` are part of the documented secret format:
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html
 */

/** The key of the dashboard role's secret that holds the login password. */
export const LOGIN_PASSWORD_KEY = 'loginPassword';

/** The login password kept in a secret's value; an error that names the secret and the fix otherwise. */
export function loginPasswordFromSecret(secretString: string | undefined, secretArn: string): string {
  let value: unknown;
  try {
    value = JSON.parse(secretString ?? '');
  } catch {
    throw new Error(
      `Secret ${secretArn} is not JSON: it must hold {"username", "password", "${LOGIN_PASSWORD_KEY}"}. ` +
        'Deploy the database setup stack again to restore its keys, or put them back (docs/security.md).',
    );
  }
  const password = (value as Record<string, unknown> | null)?.[LOGIN_PASSWORD_KEY];
  if (typeof password !== 'string' || password.trim() === '') {
    throw new Error(
      `Secret ${secretArn} holds no "${LOGIN_PASSWORD_KEY}": deploy the database setup stack again (it generates ` +
        'one when it is missing), or put one in the secret (docs/security.md).',
    );
  }
  return password;
}
