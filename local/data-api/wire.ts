/** The request and response shapes of the RDS Data API (see `@aws-sdk/client-rds-data`). */

export interface ArrayValue {
  booleanValues?: boolean[];
  longValues?: number[];
  doubleValues?: number[];
  stringValues?: string[];
  arrayValues?: ArrayValue[];
}

export interface Field {
  isNull?: boolean;
  booleanValue?: boolean;
  longValue?: number;
  doubleValue?: number;
  stringValue?: string;
  blobValue?: string;
  arrayValue?: ArrayValue;
}

export interface SqlParameter {
  name?: string;
  value?: Field;
  typeHint?: string;
}

export interface ResultSetOptions {
  decimalReturnType?: 'STRING' | 'DOUBLE_OR_LONG';
  longReturnType?: 'STRING' | 'LONG';
}

export interface ColumnMetadata {
  name: string;
  label: string;
  type: number;
  typeName: string;
  schemaName: string;
  tableName: string;
  isAutoIncrement: boolean;
  isSigned: boolean;
  isCurrency: boolean;
  isCaseSensitive: boolean;
  nullable: number;
  precision: number;
  scale: number;
  arrayBaseColumnType: number;
}

/** Postgres type OIDs the endpoint binds and formats. */
export const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;
