/** The dashboard's log: one JSON object per line, so CloudWatch Logs Insights can query every field. */

/** Writes one log line: a message and fields (a request id, a status, an error). */
export type Log = (message: string, fields?: Record<string, unknown>) => void;

export const jsonLog: Log = (message, fields) => console.log(JSON.stringify({ message, ...fields }));
