import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The data folder of `npm start`: a marker file says `npm start` created it (so `--reset` never
 * empties a folder it did not create), and a lock file says which process uses it. The lock records
 * the process id and the time that process started, so a lock left by a crash whose process id now
 * belongs to another program is recognised as stale and taken over.
 */

export const MARKER = '.analytics-local-data';
export const LOCK = 'start.lock';

interface Lock {
  readonly pid: number;
  /** When the locking process started (ms since the epoch); absent in locks of earlier versions. */
  readonly startedAt?: number;
  /** Linux: the process's start time in clock ticks since boot (`/proc/<pid>/stat`), exact. */
  readonly procStart?: string;
}

/** When this process started, by its own clock. */
function ownStart(): number {
  return Date.now() - process.uptime() * 1000;
}

function readLock(file: string): Lock | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
  if (/^\d+$/.test(text)) return { pid: Number(text) };
  try {
    const lock = JSON.parse(text) as Lock;
    return Number.isInteger(lock.pid) ? lock : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Linux: field 22 of `/proc/<pid>/stat` (start time in ticks since boot); undefined elsewhere. */
function procStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields 3.. follow its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** `ps` (POSIX) output for `pid`, or undefined where `ps` is missing (Windows) or fails. */
function ps(pid: number, field: 'etime' | 'args'): string | undefined {
  const result = spawnSync('ps', ['-o', `${field}=`, '-p', String(pid)], { encoding: 'utf8', timeout: 5000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** Seconds since `pid` started, from `ps -o etime` (`[[dd-]hh:]mm:ss`). */
function elapsedSeconds(pid: number): number | undefined {
  const m = /^(?:(?:(\d+)-)?(\d+):)?(\d+):(\d+)$/.exec(ps(pid, 'etime') ?? '');
  if (!m) return undefined;
  const [days, hours, minutes, seconds] = [m[1], m[2], m[3], m[4]].map((x) => Number(x ?? 0));
  return ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
}

/** The command line of `pid` (Linux `/proc`, else `ps`), undefined when it cannot be read. */
function commandLine(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return ps(pid, 'args');
  }
}

/**
 * Whether the lock's process is still the `npm start` that wrote it. A process id alone is not
 * enough: after a crash or a reboot the id may belong to any program. Linux compares the exact
 * start time from `/proc`; elsewhere `ps` gives it to the second. Where neither can tell, the lock
 * is assumed live (and the message says how to remove it).
 */
function lockIsLive(lock: Lock): boolean {
  if (!isAlive(lock.pid)) return false;
  const now = procStart(lock.pid);
  if (lock.procStart !== undefined && now !== undefined) return lock.procStart === now;
  if (lock.startedAt === undefined) {
    // A lock of an earlier version holds only the process id: is that process an npm start?
    const args = commandLine(lock.pid);
    return args === undefined || /local[/\\]start/.test(args);
  }
  if (lock.pid === process.pid) return Math.abs(ownStart() - lock.startedAt) < 5000;
  const elapsed = elapsedSeconds(lock.pid);
  if (elapsed === undefined) return true;
  // `ps` counts whole seconds; a process that started more than a few seconds apart is another one.
  return Math.abs(Date.now() - elapsed * 1000 - lock.startedAt) < 5000;
}

/**
 * Prepares the data folder: refuses one used by a running `npm start`, empties it on `reset` (only
 * if `npm start` created it), and takes the lock. Returns the function that releases the lock.
 */
export function prepareDataDir(dataDir: string, reset: boolean): () => void {
  const lockFile = path.join(dataDir, LOCK);
  const lock = readLock(lockFile);
  if (lock && lockIsLive(lock)) {
    throw new Error(
      `${dataDir} is in use by another npm start (pid ${lock.pid}). Stop it first (Ctrl-C in its terminal, ` +
        `or kill ${lock.pid}), or use another folder with --data-dir <dir>. If no npm start is running, ` +
        `delete ${lockFile}.`,
    );
  }
  if (reset && fs.existsSync(dataDir)) {
    const entries = fs.readdirSync(dataDir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new Error(
        `--reset refuses to empty ${dataDir}: it was not created by npm start (no ${MARKER} file). ` +
          'Delete it yourself or choose another --data-dir.',
      );
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(
    path.join(dataDir, MARKER),
    'Data folder of `npm start` (cdk-analytics-platform). Safe to delete.\n',
  );
  const own: Lock = {
    pid: process.pid,
    startedAt: Math.round(ownStart()),
    procStart: procStart(process.pid),
  };
  const ownText = JSON.stringify(own);
  fs.writeFileSync(lockFile, ownText);
  return () => {
    try {
      if (fs.readFileSync(lockFile, 'utf8').trim() === ownText) fs.rmSync(lockFile);
    } catch {
      // Already gone.
    }
  };
}
