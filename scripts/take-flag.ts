/**
 * Removes `flag` and its value from `args` and returns the value (undefined when the flag is
 * absent), for the small commands' argument lists. A flag without a value is refused with `usage`.
 */
export function takeFlag(args: string[], flag: string, usage: string): string | undefined {
  const i = args.indexOf(flag);
  if (i === -1) return undefined;
  const value = args[i + 1];
  if (!value || value.startsWith('--')) throw new Error(`${flag} needs a value. ${usage}`);
  args.splice(i, 2);
  return value;
}

/** The value of `flag` (`--flag value` or `--flag=value`) without changing `argv`; undefined when absent. */
export function flagValue(argv: readonly string[], flag: string): string | undefined {
  const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
  if (i === -1) return undefined;
  return argv[i]!.includes('=') ? argv[i]!.slice(flag.length + 1) : argv[i + 1];
}

/** The arguments that are neither flags nor the values of the `valued` flags, in order. */
export function positionals(argv: readonly string[], valued: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (valued.has(arg)) i++;
    else if (!arg.startsWith('-')) out.push(arg);
  }
  return out;
}
