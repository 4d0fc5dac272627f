/** Canonical NDJSON: one normalised record per line, keys in column order, trailing newline. */
export function canonicalNdjson(records: readonly object[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}
