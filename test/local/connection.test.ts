import { describe, expect, it } from 'vitest';
import { SessionOwner } from '../../local/connection';

describe('SessionOwner', () => {
  it('hands the session to one owner at a time, in arrival order', async () => {
    const owner = new SessionOwner();
    const order: string[] = [];
    await owner.acquire('tx-1');
    const b = owner.acquire('b').then(() => order.push('b'));
    const c = owner.acquire('c').then(() => order.push('c'));
    await owner.acquire('tx-1'); // the holder may come back at once
    order.push('tx-1');
    expect(owner.holder).toBe('tx-1');
    owner.release('tx-1');
    await b;
    expect(owner.holder).toBe('b');
    owner.release('c'); // not the holder: ignored
    expect(owner.holder).toBe('b');
    owner.release('b');
    await c;
    expect(order).toEqual(['tx-1', 'b', 'c']);
  });

  it('wakes all waiters of the same owner together', async () => {
    const owner = new SessionOwner();
    await owner.acquire('x');
    let woken = 0;
    const waits = [owner.acquire('tx'), owner.acquire('other'), owner.acquire('tx')].map((p) =>
      p.then(() => woken++),
    );
    owner.release('x');
    await Promise.all([waits[0], waits[2]]);
    expect(owner.holder).toBe('tx');
    expect(woken).toBe(2);
    owner.release('tx');
    await waits[1];
    expect(owner.holder).toBe('other');
  });
});
