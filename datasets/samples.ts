import type { Dataset } from './types';

/** Generated test data with varied distributions, for trying charts and queries. */
export const samples: Dataset = {
  name: 'samples',
  label: 'Samples',
  description:
    'Generated test data: a random walk, a normally distributed value, a category and a flag over time.',
  format: 'ndjson',
  key: ['sample_id'],
  entityColumn: 'category',
  columns: [
    {
      name: 'sample_id',
      type: 'uuid',
      role: 'attribute',
      label: 'Sample ID',
      description: 'Unique identifier of the sample.',
    },
    {
      name: 'sampled_at',
      type: 'timestamptz',
      role: 'time',
      label: 'Sampled at',
      description: 'When the sample was taken, with time zone.',
    },
    {
      name: 'walk',
      type: 'double',
      role: 'measure',
      label: 'Random walk',
      description: 'A random walk: each value is the previous one plus a small random step.',
    },
    {
      name: 'normal',
      type: 'double',
      role: 'measure',
      label: 'Normal value',
      description: 'A normally distributed value (mean 100, standard deviation 15).',
    },
    {
      name: 'category',
      type: 'text',
      role: 'dimension',
      label: 'Category',
      description: 'A categorical choice.',
      allowed: ['alpha', 'beta', 'gamma', 'delta'],
    },
    {
      name: 'flag',
      type: 'boolean',
      role: 'dimension',
      label: 'Flag',
      description: 'A boolean drawn with a set true:false ratio.',
    },
    {
      name: 'attributes',
      type: 'json',
      role: 'attribute',
      nullable: true,
      label: 'Attributes',
      description: 'Free-form JSON attributes of the sample.',
    },
  ],
};
