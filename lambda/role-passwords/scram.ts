import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/**
 * A PostgreSQL SCRAM-SHA-256 password verifier, the form in which Postgres stores a password:
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`. Given to `ALTER ROLE ... PASSWORD`,
 * Postgres stores it as it is, so the password itself never appears in a statement (nor in a log line
 * that quotes one). https://www.postgresql.org/docs/current/catalog-pg-authid.html and RFC 5802.
 *
 * Aurora PostgreSQL 14 and later store new passwords as SCRAM-SHA-256 by default (`password_encryption`),
 * and the Data API signs in to such clusters, the master included:
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/PostgreSQL_Password_Encryption_configuration.html
 *
 * Only printable ASCII passwords are accepted: for them the SASLprep normalisation Postgres applies
 * changes nothing, so the verifier computed here is the one Postgres would compute.
 */

/** Iterations Postgres uses by default (`scram_iterations`). */
const SCRAM_ITERATIONS = 4096;

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

export function scramVerifier(
  password: string,
  salt: Buffer = randomBytes(16),
  iterations: number = SCRAM_ITERATIONS,
): string {
  if (!PRINTABLE_ASCII.test(password)) {
    throw new RangeError(
      'The password must be printable ASCII characters (letters, digits, punctuation, space).',
    );
  }
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
