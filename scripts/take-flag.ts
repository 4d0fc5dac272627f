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
