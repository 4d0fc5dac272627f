import type { PGlite } from '@electric-sql/pglite';

/**
 * What `npm start` gives each local service, and what a service gives back. A service is started after
 * the database and its endpoints, prints `name: value` lines and returns a stop function.
 */

export interface LocalContext {
  /** The data folder (absolute). Services keep their state in sub-folders of it. */
  readonly dataDir: string;
  /** Command-line arguments after `npm start --`, for services with flags of their own. */
  readonly argv: readonly string[];
  /** The embedded database. */
  readonly pg: PGlite;
  /** The local Data API endpoint and identifiers, as the functions' environment carries them. */
  readonly dataApi: {
    readonly endpoint: string;
    readonly clusterArn: string;
    readonly secretArn: string;
    readonly database: string;
  };
  /** The Postgres wire URL (psql). */
  readonly postgresUrl: string;
  /** Prints a line prefixed with the service name. */
  readonly log: (line: string) => void;
}

export interface StartedService {
  /** `name: value` lines saying what is where, printed once the service is up. */
  readonly lines: readonly string[];
  /** Stops the service; called in reverse start order on Ctrl-C. */
  stop(): Promise<void>;
}

export interface LocalService {
  readonly name: string;
  start(context: LocalContext): Promise<StartedService>;
}
