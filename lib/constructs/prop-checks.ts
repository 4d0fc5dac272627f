import { Token } from 'aws-cdk-lib';

/**
 * Throws unless `value` is a whole number from `min` to `max` (no upper bound when `max` is
 * undefined). A deploy-time value (a token) is not known yet and is not checked.
 * @param where the construct path the message starts with
 * @param why what the bounds come from, shown in the message
 */
export function checkWholeNumber(
  where: string,
  name: string,
  value: number,
  range: { readonly min: number; readonly max?: number; readonly why: string },
): void {
  if (Token.isUnresolved(value)) return;
  const { min, max, why } = range;
  if (!Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
    const bounds = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new Error(`${where}: ${name} ${value} must be a whole number ${bounds} (${why}).`);
  }
}

/** The path a construct will have, for messages thrown before `super()` runs. */
export const pathOf = (scope: { readonly node: { readonly path: string } }, id: string): string =>
  scope.node.path ? `${scope.node.path}/${id}` : id;
