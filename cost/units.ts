/**
 * Calendar and size units of the cost model. A month is 730 hours, the convention of the AWS
 * pricing pages' examples ("730 hours in a month", https://aws.amazon.com/athena/pricing/).
 */
export const HOURS_PER_MONTH = 730;
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
export const MINUTES_PER_DAY = 1440;
/** Bytes in a gigabyte as AWS bills storage and transfer (GiB; AWS pricing pages call it GB). */
export const GB = 1024 ** 3;
/** Bytes in a terabyte as Athena bills scanned data. */
export const TB = 1024 ** 4;
export const MB = 1024 ** 2;
