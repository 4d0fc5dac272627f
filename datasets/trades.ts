import type { Dataset } from './types';

/** Market trades from a streaming feed. */
export const trades: Dataset = {
  name: 'trades',
  label: 'Trades',
  description: 'Market trades from a streaming feed: one row per executed trade.',
  format: 'ndjson',
  key: ['trade_id'],
  entityColumn: 'symbol',
  columns: [
    {
      name: 'trade_id',
      type: 'text',
      role: 'attribute',
      label: 'Trade ID',
      description: 'Identifier of the trade assigned by the feed; unique per trade.',
      maxLength: 100,
    },
    {
      name: 'symbol',
      type: 'text',
      role: 'dimension',
      label: 'Symbol',
      description: 'Ticker symbol, e.g. BTC-USD or AAPL.',
      maxLength: 32,
    },
    {
      name: 'price',
      type: 'numeric',
      role: 'measure',
      label: 'Price',
      description: 'Execution price, exact decimal.',
      min: 0,
    },
    {
      name: 'volume',
      type: 'numeric',
      role: 'measure',
      label: 'Volume',
      description: 'Quantity traded, exact decimal.',
      min: 0,
    },
    {
      name: 'traded_at',
      type: 'timestamptz',
      role: 'time',
      label: 'Traded at',
      description: 'When the trade executed.',
    },
  ],
};
