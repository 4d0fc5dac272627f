import { describe, expect, it } from 'vitest';
import {
  accessLogRulesFromEnv,
  DEFAULT_ACCESS_LOG_RULES,
  keepRecord,
  KEEP_ALL_OPERATIONS_ENV,
} from '../../../lambda/loader/s3-access-log/rules';

const byDefault = DEFAULT_ACCESS_LOG_RULES;
const keepAll = { keepAllOperations: true };

describe('keepRecord', () => {
  it.each([
    ['REST.GET.OBJECT', 200, true, 'full GET object'],
    ['REST.GET.OBJECT', 206, true, 'partial GET object'],
    ['WEBSITE.GET.OBJECT', 200, true, 'GET object through the website endpoint'],
    ['WEBSITE.GET.OBJECT', 206, true, 'partial GET object through the website endpoint'],
    ['REST.GET.OBJECT', 304, false, 'not modified'],
    ['REST.GET.OBJECT', 204, false, 'another 2xx'],
    ['REST.GET.OBJECT', null, false, 'no status'],
    ['REST.HEAD.OBJECT', 200, false, 'HEAD object'],
    ['REST.PUT.OBJECT', 200, false, 'PUT object'],
    ['REST.GET.BUCKET', 200, false, 'list objects'],
    ['REST.GET.VERSIONING', 200, false, 'bucket sub-resource'],
    ['S3.EXPIRE.OBJECT', null, false, 'lifecycle action'],
    ['REST.GET.OBJECT', 301, false, 'redirect'],
    ['REST.GET.OBJECT', 400, true, '4xx on GET'],
    ['REST.GET.OBJECT', 404, true, 'not found'],
    ['REST.PUT.OBJECT', 403, true, 'access denied on PUT'],
    ['REST.HEAD.OBJECT', 404, true, 'not found on HEAD'],
    ['BATCH.DELETE.OBJECT', 500, true, '5xx on a batch delete'],
    ['REST.GET.BUCKET', 503, true, 'slow down on list'],
    ['REST.COPY.OBJECT_GET', 599, true, 'highest 5xx'],
  ])('%s %s → %s (%s) by default', (operation, status, expected, _why) => {
    expect(keepRecord({ operation, http_status: status }, byDefault)).toBe(expected);
  });

  it.each([
    ['REST.PUT.OBJECT', 200],
    ['REST.HEAD.OBJECT', 200],
    ['REST.GET.OBJECT', 304],
    ['S3.EXPIRE.OBJECT', null],
  ])('keeps %s %s when every operation is kept', (operation, status) => {
    expect(keepRecord({ operation, http_status: status }, keepAll)).toBe(true);
  });
});

describe('accessLogRulesFromEnv', () => {
  it('defaults to the GET-object-and-errors rule', () => {
    expect(accessLogRulesFromEnv({})).toEqual({ keepAllOperations: false });
    expect(accessLogRulesFromEnv({ [KEEP_ALL_OPERATIONS_ENV]: '' })).toEqual({ keepAllOperations: false });
  });

  it('reads true and false', () => {
    expect(accessLogRulesFromEnv({ [KEEP_ALL_OPERATIONS_ENV]: 'true' })).toEqual({ keepAllOperations: true });
    expect(accessLogRulesFromEnv({ [KEEP_ALL_OPERATIONS_ENV]: ' TRUE ' })).toEqual({
      keepAllOperations: true,
    });
    expect(accessLogRulesFromEnv({ [KEEP_ALL_OPERATIONS_ENV]: 'false' })).toEqual({
      keepAllOperations: false,
    });
  });

  it('fails on anything else, naming the variable and the value', () => {
    expect(() => accessLogRulesFromEnv({ [KEEP_ALL_OPERATIONS_ENV]: 'yes' })).toThrow(
      /ACCESS_LOGS_KEEP_ALL_OPERATIONS is "yes": use "true" or "false"/,
    );
  });
});
