/**
 * The page's own DOM: typed lookups, the banner, selects, tables and cards. Every value reaches the
 * page as text (`textContent`, `value`), never as HTML.
 */

/** The element with this id; an `HTMLElement` subtype when `type` says which. */
export function byId<T extends HTMLElement = HTMLElement>(id: string, type?: new () => T): T {
  const el = document.getElementById(id);
  if (!el || (type && !(el instanceof type)))
    throw new Error(`The page has no ${type?.name ?? 'element'} #${id}.`);
  return el as T;
}

export type BannerKind = 'info' | 'waking' | 'error';

/** The banner under the controls; no text hides it. */
export function banner(kind?: BannerKind, text?: string): void {
  const b = byId('banner');
  b.hidden = !text;
  b.className = text && kind ? `banner ${kind}` : 'banner';
  b.textContent = text ?? '';
}

export function fillSelect(
  select: HTMLSelectElement,
  items: readonly { readonly name: string; readonly label: string }[],
  value: string,
): void {
  select.replaceChildren(
    ...items.map((item) => {
      const o = document.createElement('option');
      o.value = item.name;
      o.textContent = item.label;
      return o;
    }),
  );
  select.value = value;
}

export interface TableColumn<R> {
  readonly key: keyof R & string;
  readonly label: string;
  readonly format?: (value: R[keyof R & string]) => string;
}

let tables = 0;

/**
 * A titled table; the first column links somewhere when `link` is given. A table wider than the
 * window scrolls sideways inside its own box, which the keyboard can focus (and so scroll) and
 * which is named by the title.
 */
export function table<R>(
  title: string,
  columns: readonly TableColumn<R>[],
  rows: readonly R[],
  link?: (row: R) => string,
): HTMLElement {
  const wrap = document.createElement('div');
  wrap.className = 'table';
  const h = document.createElement('h3');
  h.id = `table-title-${++tables}`;
  h.textContent = title;
  const scroll = document.createElement('div');
  scroll.className = 'table-scroll';
  scroll.tabIndex = 0;
  scroll.setAttribute('role', 'region');
  scroll.setAttribute('aria-labelledby', h.id);
  const t = document.createElement('table');
  const head = t.createTHead().insertRow();
  for (const c of columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = c.label;
    head.append(th);
  }
  const body = t.createTBody();
  if (rows.length === 0) {
    const td = body.insertRow().insertCell();
    td.colSpan = columns.length;
    td.textContent = 'Nothing yet.';
  }
  for (const r of rows) {
    const tr = body.insertRow();
    columns.forEach((c, i) => {
      const td = tr.insertCell();
      const value = r[c.key];
      const text = c.format ? c.format(value) : value === null || value === undefined ? '—' : String(value);
      if (i === 0 && link) {
        const a = document.createElement('a');
        a.href = link(r);
        a.textContent = text;
        td.append(a);
      } else td.textContent = text;
    });
  }
  scroll.append(t);
  wrap.append(h, scroll);
  return wrap;
}

/** Figure cards: [label, value] pairs. */
export function cards(el: HTMLElement, items: readonly (readonly [string, string])[]): void {
  el.replaceChildren(
    ...items.map(([label, value]) => {
      const d = document.createElement('div');
      d.className = 'card';
      const v = document.createElement('strong');
      v.textContent = value;
      const l = document.createElement('span');
      l.textContent = label;
      d.append(v, l);
      return d;
    }),
  );
}
