/**
 * The ECharts instances of the page and the option pieces every chart shares. Tooltips are drawn as
 * text on the chart's canvas (`renderMode: 'richText'`), not as HTML: a person's name or an S3 key
 * from the data can never become markup, and no tooltip needs an inline style the Content Security
 * Policy would refuse.
 */
import type {
  ECharts,
  EChartsOption,
  TooltipComponentFormatterCallbackParams,
  TooltipComponentOption,
} from 'echarts';
import type { AxisLabel } from '../src/contract';
import { byId } from './dom';

const instances = new Map<string, ECharts>();

/** Redraws a chart at its element's size whenever that changes (window, grid, orientation). */
const sizes = new ResizeObserver((entries) => {
  for (const entry of entries) instances.get((entry.target as HTMLElement).id)?.resize();
});

/** The chart drawn in the element `id`, created on first use. */
export function chart(id: string): ECharts {
  let c = instances.get(id);
  if (!c) {
    const el = byId(id);
    c = echarts.init(el, null, { renderer: 'canvas' });
    instances.set(id, c);
    sizes.observe(el);
  }
  return c;
}

export function resizeCharts(): void {
  instances.forEach((c) => c.resize());
}

/** "Download speed (Mbit/s)". */
export function unitText(axis: AxisLabel): string {
  return axis.unit ? `${axis.label} (${axis.unit})` : axis.label;
}

type Formatter = (params: TooltipComponentFormatterCallbackParams) => string;

/** A tooltip rendered as canvas text; a formatter returns plain text. */
export function tooltip(trigger: 'item' | 'axis', formatter?: Formatter | string): TooltipComponentOption {
  return { trigger, renderMode: 'richText', ...(formatter === undefined ? {} : { formatter }) };
}

/** The first data item a tooltip is about. */
export function firstItem(params: TooltipComponentFormatterCallbackParams): unknown {
  return (Array.isArray(params) ? params[0] : params)?.data;
}

/**
 * The options every chart shares, with its title and its own parts. The title is drawn as text
 * above the chart (`draw`), not on the canvas, where no screen reader can read it.
 */
export function option(title: string, own: EChartsOption): EChartsOption {
  return {
    animation: false,
    title: { text: title, show: false },
    tooltip: tooltip('item'),
    grid: { left: 60, right: 20, top: 30, bottom: 50, containLabel: true },
    // Patterns as well as colours tell slices apart; the page names and describes the chart itself.
    aria: { enabled: true, label: { enabled: false }, decal: { show: true } },
    ...own,
  };
}

/** The percentage inside each slice of a pie, readable over its pattern; the legend names the slices. */
export const PIE_LABEL = {
  position: 'inside' as const,
  formatter: '{d}%',
  color: '#1f2933',
  backgroundColor: 'rgba(255, 255, 255, 0.85)',
  padding: 2,
};

/**
 * Draws `value` in place of whatever the chart showed, with its title as the figure's caption and
 * `summary` as the chart's description: the element is an image to assistive technology, named by
 * the caption and described by the summary (the values a reader would otherwise only see).
 */
export function draw(id: string, value: EChartsOption, summary: string): void {
  const el = byId(id);
  figure(el).hidden = false;
  chart(id).setOption(value, true);
  const title = (Array.isArray(value.title) ? value.title[0] : value.title)?.text ?? '';
  el.setAttribute('role', 'img');
  el.setAttribute('aria-labelledby', `${id}-title`);
  el.setAttribute('aria-describedby', `${id}-summary`);
  byId(`${id}-title`).textContent = title;
  byId(`${id}-summary`).textContent = summary;
}

/** Takes a chart the view does not use away, with its caption and summary. */
export function hideChart(id: string): void {
  chart(id).clear();
  figure(byId(id)).hidden = true;
}

/** The figure holding a chart element (its caption and summary). */
function figure(el: HTMLElement): HTMLElement {
  const f = el.closest('figure');
  if (!f) throw new Error(`The chart #${el.id} is not inside a <figure>.`);
  return f;
}

/** "person 3 (99.1), person 5 (98.7) and person 1 (97.0)": the first `n` labelled values. */
export function topValues(items: readonly (readonly [string, string])[], n = 3): string {
  const parts = items.slice(0, n).map(([label, value]) => `${label} (${value})`);
  return parts.length <= 1
    ? (parts[0] ?? '')
    : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}
