import { line, count, type CostLine, type PricingContext } from '../lines';
import type { Located } from '../templates';
import { GB, HOURS_PER_MONTH } from '../units';
import type { MonthlyUsage } from '../usage';

/**
 * Aurora PostgreSQL Serverless v2: ACU-hours on the writer instance while it is awake (from the
 * awake model), its public IPv4 address when it is publicly accessible, and on the cluster the
 * storage, I/O and RDS Data API requests.
 */

/** Bytes of row data per billed write I/O (an estimate; measure `VolumeWriteIOPs` to calibrate). */
export const BYTES_PER_WRITE_IO = 4096;

export function priceDatabaseInstance(instance: Located, ctx: PricingContext): CostLine[] {
  const db = ctx.facts.database;
  const acuHour = ctx.prices.usd('aurora.acuHour');
  const lines: CostLine[] = [];
  if (instance.resource.Properties?.DBInstanceClass === 'db.serverless') {
    const acu = (u: MonthlyUsage) =>
      db && db.minAcu > 0 ? Math.max(db.minAcu, u.profile.awakeAcu) : u.profile.awakeAcu;
    lines.push(
      line(
        instance,
        'ACU-hours while awake',
        (u) => u.awake.hoursPerMonth * acu(u) * acuHour,
        ctx,
        `Awake ${ctx.idle.awake.hoursPerMonth.toFixed(2)} h/month idle, ${ctx.typical.awake.hoursPerMonth.toFixed(2)} h typical ` +
          `(see "What keeps Aurora awake") × ${acu(ctx.typical)} ACU × $${acuHour}/ACU-h. ` +
          `0.5 ACU is the floor while awake; up to databaseMaxAcu ${db?.maxAcu ?? '?'} under load.`,
      ),
    );
  } else {
    lines.push(
      line(
        instance,
        'instance',
        () => 0,
        ctx,
        `Provisioned class ${String(instance.resource.Properties?.DBInstanceClass)} is not priced by this model.`,
      ),
    );
  }
  if (instance.resource.Properties?.PubliclyAccessible === true) {
    const ipHour = ctx.prices.usd('vpc.publicIpv4Hour');
    lines.push(
      line(
        instance,
        'public IPv4 address',
        () => ipHour * HOURS_PER_MONTH,
        ctx,
        `Publicly accessible (allowedCidrs is set): one public IPv4 address, $${ipHour}/h × 730 h, paused or not.`,
      ),
    );
  }
  return lines;
}

export function priceDatabaseCluster(cluster: Located, ctx: PricingContext): CostLine[] {
  const p = ctx.prices;
  return [
    line(
      cluster,
      'storage',
      (u) => (u.databaseBytes / GB) * p.usd('aurora.storageGbMonth'),
      ctx,
      `Data the month adds: ${count(ctx.typical.rowsLoaded)} rows typical at about the size of their JSON ` +
        `(${(ctx.typical.databaseBytes / GB).toFixed(3)} GB); idle excludes data you store. Backups within the ` +
        '7-day retention up to the cluster size are assumed free.',
    ),
    line(
      cluster,
      'I/O requests',
      (u) => (u.databaseBytes / BYTES_PER_WRITE_IO / 1e6) * p.usd('aurora.ioPerMillion'),
      ctx,
      `One billed write I/O per ${BYTES_PER_WRITE_IO} bytes of rows written; dashboard reads are assumed served from ` +
        'the buffer cache.',
    ),
    line(
      cluster,
      'Data API requests',
      (u) => (u.dataApiRequests / 1e6) * p.usd('rdsDataApi.requestsPerMillion'),
      ctx,
      `${count(ctx.typical.dataApiRequests)} requests typical: loader statements (2 per object plus one INSERT per ` +
        '1,000 rows), 6 queries per dashboard refresh, migrations.',
    ),
  ];
}
