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

/** The chart drawn in the element `id`, created on first use. */
export function chart(id: string): ECharts {
  let c = instances.get(id);
  if (!c) {
    c = echarts.init(byId(id), null, { renderer: 'canvas' });
    instances.set(id, c);
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

/** The options every chart shares, with its title and its own parts. */
export function option(title: string, own: EChartsOption): EChartsOption {
  return {
    animation: false,
    title: { text: title, left: 'center', textStyle: { fontSize: 13 } },
    tooltip: tooltip('item'),
    grid: { left: 75, right: 25, top: 50, bottom: 55, containLabel: true },
    ...own,
  };
}

/** Draws `option` in place of whatever the chart showed. */
export function draw(id: string, value: EChartsOption): void {
  chart(id).setOption(value, true);
}
