import type { PGlite } from '@electric-sql/pglite';
import type { StartOptions } from './args';

/**
 * What `npm start` gives each local service, and what a service gives back. A service is started after
 * the database and its endpoints, prints `name: value` lines and returns a stop function.
 */

export interface LocalContext {
  /** The data folder (absolute). Services keep their state in sub-folders of it. */
  readonly dataDir: string;
  /**
   * The parsed flags and settings of `npm start` (`local/args.ts`): ports (`options.ingestPort`,
   * `options.athenaPort`, ...; 0 means a free port), the generator, the dashboard password. A new
   * flag is one entry in `FLAGS` there; services never parse `argv` or read the environment.
   */
  readonly options: StartOptions;
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
  /**
   * Endpoints to record in the state file (`local/state.ts`), by name, e.g. `{ athena: url }`, so
   * client commands can find them. @default none
   */
  readonly endpoints?: Readonly<Record<string, string>>;
  /** Stops the service; called in reverse start order on Ctrl-C. */
  stop(): Promise<void>;
}

export interface LocalService {
  readonly name: string;
  start(context: LocalContext): Promise<StartedService>;
}
