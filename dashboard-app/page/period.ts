/**
 * The period controls of every view: the presets, "All time", and a custom period entered as from
 * and to in the browser's time zone (shown beside them). Under the controls: which period the
 * answer covers, and when it holds no records, where the records are, with a button to show them.
 */
import type { PeriodAnswer } from '../src/contract';
import { byId } from './dom';
import { fromLocalInput, localDate, localDateTime, localInputValue, zoneLabel } from './format';
import { readState, type Range, type ViewState } from './state';

/** True while a custom period is being entered: refreshes then leave the controls alone. */
let editing = false;
/** The period of the latest answer, to start a custom period from. */
let shown: { from: number; to: number } | undefined;

const select = () => byId('range', HTMLSelectElement);
const form = () => byId('custom-period', HTMLFormElement);
const input = (id: string) => byId(id, HTMLInputElement);

/** Fills the custom period's fields from the state's period, or from the period shown last. */
function fillCustom(state: ViewState): void {
  const from = state.range === 'custom' ? Date.parse(state.from) : shown?.from;
  const to = state.range === 'custom' ? Date.parse(state.to) : shown?.to;
  input('period-from').value = from === undefined ? '' : localInputValue(from);
  input('period-to').value = to === undefined ? '' : localInputValue(to);
}

/** Wires the controls; `change` applies a new period. */
export function initPeriod(change: (patch: Partial<ViewState>) => void): void {
  byId('period-zone').textContent = `Times in ${zoneLabel()}`;
  select().addEventListener('change', () => {
    const value = select().value as Range;
    if (value === 'custom') {
      editing = true;
      form().hidden = false;
      fillCustom(readState());
      return;
    }
    editing = false;
    form().hidden = true;
    change({ range: value, from: '', to: '' });
  });
  form().addEventListener('submit', (event) => {
    event.preventDefault();
    const from = fromLocalInput(input('period-from').value);
    const to = fromLocalInput(input('period-to').value);
    const problem =
      !from || !to
        ? 'Fill in "From" and "To" with a date and a time.'
        : from >= to
          ? '"To" must be after "From".'
          : '';
    byId('period-error').textContent = problem;
    if (!from || !to || problem) return;
    editing = false;
    change({ range: 'custom', from: from.toISOString(), to: to.toISOString() });
  });
  byId('show-all', HTMLButtonElement).addEventListener('click', () => {
    editing = false;
    change({ range: 'all', from: '', to: '' });
  });
}

/** Shows the state's period in the controls, unless a custom period is being entered. */
export function syncPeriod(state: ViewState): void {
  if (editing) return;
  select().value = state.range;
  form().hidden = state.range !== 'custom';
  if (state.range === 'custom') fillCustom(state);
  byId('period-error').textContent = '';
}

/** Says which period an answer covers and, when it holds no `what`, where the records are. */
export function showPeriod(answer: PeriodAnswer, empty: boolean, what: string): void {
  shown = { from: Date.parse(answer.from), to: Date.parse(answer.to) };
  const summary = byId('period-summary');
  summary.hidden = false;
  summary.textContent =
    `${answer.period === 'all' ? 'All time' : 'Showing'}: ` +
    `${localDateTime(shown.from)} to ${localDateTime(shown.to)} (${zoneLabel()})`;
  const hint = byId('period-hint');
  const extent = empty ? answer.dataExtent : undefined;
  hint.hidden = !extent;
  byId('period-hint-text').textContent = extent
    ? `No ${what} in this period. Newest record: ${localDate(extent.newest)}; ` +
      `oldest: ${localDate(extent.oldest)}.`
    : '';
}

/** Views without a period (the database) show neither the summary nor the hint. */
export function hidePeriod(): void {
  byId('period-summary').hidden = true;
  byId('period-hint').hidden = true;
}
