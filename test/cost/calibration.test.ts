import { expect, test } from 'vitest';
import { calibrateLocal, fitLocalOverhead } from '../../scripts/calibrate-local';

test('the calibration load test drives the local platform on loopback, loads every object and stops by itself', async () => {
  const [run] = await calibrateLocal({
    rates: [200],
    seconds: 2,
    eventsPerRequest: 100,
    drainTimeoutSeconds: 60,
  });
  expect(run!.requests).toBe(4);
  expect(run!.loadedObjects).toBe(run!.requests);
  expect(run!.lag.p50).toBeGreaterThanOrEqual(0);
  expect(run!.lag.p95).toBeGreaterThanOrEqual(run!.lag.p50);
  expect(Number.isFinite(run!.loadedEventsPerSecond)).toBe(true);
}, 180_000);

test('fits the shared-CPU overhead per object from a saturated run, by hand', () => {
  const run = {
    eventsPerSecond: 16_000,
    seconds: 10,
    eventsPerRequest: 500,
    requests: 320,
    loadedObjects: 320,
    acceptedEventsPerSecond: 16_000,
    loadedEventsPerSecond: 2_500,
    lag: { p50: 1, p95: 2 },
  };
  // 500 events / 2,500 events/s = 0.2 s of CPU per object, less the benchmarked 500/53,912 + 500/18,760 s.
  expect(fitLocalOverhead(run)).toBeCloseTo(0.2 - (500 / 53_912 + 500 / 18_760), 12);
  expect(fitLocalOverhead({ ...run, eventsPerSecond: 2_600 })).toBeUndefined(); // kept up: nothing to fit
});
