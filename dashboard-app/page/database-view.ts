/** The database view: tables, what the loader ingested, rejected rows and the queries running now. */
import type { DatabaseStatus } from '../src/contract';
import { getJson } from './api';
import { byId, table, type TableColumn } from './dom';
import { formatBytes, formatNumber, formatTime } from './format';

type Rows<K extends keyof DatabaseStatus> = DatabaseStatus[K] extends readonly (infer R)[] ? R : never;

const tableColumns: TableColumn<Rows<'tables'>>[] = [
  { key: 'name', label: 'Table' },
  { key: 'rows', label: 'Rows', format: formatNumber },
  { key: 'exact', label: 'Count', format: (v) => (v ? 'exact' : 'estimate') },
  { key: 'totalBytes', label: 'Size (with indexes)', format: formatBytes },
];

const ingestionColumns: TableColumn<Rows<'ingestion'>>[] = [
  { key: 'dataset', label: 'Dataset' },
  { key: 'objects', label: 'Objects loaded', format: formatNumber },
  { key: 'rowsInserted', label: 'Rows inserted', format: formatNumber },
  { key: 'rowsRejected', label: 'Rows rejected', format: formatNumber },
  { key: 'rowsSkipped', label: 'Rows skipped', format: formatNumber },
  { key: 'lastLoadedAt', label: 'Last load', format: formatTime },
];

const rejectionColumns: TableColumn<Rows<'recentRejections'>>[] = [
  { key: 'objectKey', label: 'Object' },
  { key: 'line', label: 'Line' },
  { key: 'reason', label: 'Reason' },
  { key: 'at', label: 'When', format: formatTime },
];

const queryColumns: TableColumn<Rows<'activeQueries'>>[] = [
  { key: 'pid', label: 'PID' },
  { key: 'state', label: 'State' },
  {
    key: 'runningMs',
    label: 'Running for',
    format: (v) => (typeof v === 'number' ? `${(v / 1000).toFixed(1)} s` : '—'),
  },
  { key: 'query', label: 'Query' },
];

export async function renderDatabase(): Promise<undefined> {
  const body = await getJson('/api/database');
  byId('database-tables').replaceChildren(
    table('Tables', tableColumns, body.tables),
    table(
      body.loaderInstalled ? 'Ingestion' : 'Ingestion (the loader tables are not installed yet)',
      ingestionColumns,
      body.ingestion,
    ),
    table('Latest rejected rows', rejectionColumns, body.recentRejections),
    table('Active queries', queryColumns, body.activeQueries),
  );
  return undefined;
}
