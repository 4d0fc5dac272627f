// The dashboard page: reads the selection from the URL, asks the server for chart data (computed
// in SQL), draws it with ECharts and refreshes it every few seconds. No inline script, no
// innerHTML with data: every value reaches the page through textContent or ECharts.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const RANGES = {
    '1h': 3600e3,
    '24h': 86400e3,
    '7d': 7 * 86400e3,
    '30d': 30 * 86400e3,
    '90d': 90 * 86400e3,
    '365d': 365 * 86400e3,
  };
  const CHART_IDS = ['scatter', 'top', 'series', 'box', 'histogram', 'share'];
  const charts = new Map();
  let meta = null;
  let timer = null;
  let generation = 0;

  function chart(id) {
    let c = charts.get(id);
    if (!c) {
      c = echarts.init($(id), null, { renderer: 'canvas' });
      charts.set(id, c);
    }
    return c;
  }

  window.addEventListener('resize', () => charts.forEach((c) => c.resize()));

  // ---- URL state -------------------------------------------------------------------------------
  function readState() {
    const q = new URLSearchParams(location.search);
    return {
      view: q.get('view') || 'metrics',
      dataset: q.get('dataset') || '',
      measure: q.get('measure') || '',
      range: RANGES[q.get('range')] ? q.get('range') : '7d',
      engine: q.get('engine') === 'athena' ? 'athena' : 'postgres',
      key: q.get('key') || '',
      bucket: q.get('bucket') || '',
    };
  }

  function writeState(state) {
    const q = new URLSearchParams();
    q.set('view', state.view);
    if (state.view === 'metrics') {
      q.set('dataset', state.dataset);
      q.set('measure', state.measure);
      if (state.engine === 'athena') q.set('engine', 'athena');
    }
    if (state.view === 'logs' && state.key) q.set('key', state.key);
    if (state.view === 'logs' && state.bucket) q.set('bucket', state.bucket);
    q.set('range', state.range);
    history.replaceState(null, '', '?' + q.toString());
  }

  function timeRange(state) {
    const to = new Date();
    return { from: new Date(to.getTime() - RANGES[state.range]).toISOString(), to: to.toISOString() };
  }

  // ---- states people meet ----------------------------------------------------------------------
  function banner(kind, text) {
    const b = $('banner');
    if (!text) {
      b.hidden = true;
      b.textContent = '';
      b.className = 'banner';
      return;
    }
    b.hidden = false;
    b.className = 'banner ' + kind;
    b.textContent = text;
  }

  class ResumingError extends Error {
    constructor(retryAfter) {
      super('resuming');
      this.retryAfter = retryAfter;
    }
  }

  async function getJson(path, params) {
    const url = path + (params ? '?' + new URLSearchParams(params).toString() : '');
    const res = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (res.status === 401) {
      location.href = '/login';
      throw new Error('Your session has ended; log in again.');
    }
    let body = null;
    try {
      body = await res.json();
    } catch {
      throw new Error('The server answered ' + res.status + ' without a readable body.');
    }
    if (res.status === 503 && body && body.state === 'resuming')
      throw new ResumingError(body.retryAfter || 5);
    if (!res.ok) throw new Error((body && body.error) || 'The server answered ' + res.status + '.');
    return body;
  }

  function schedule(seconds) {
    clearTimeout(timer);
    timer = setTimeout(refresh, seconds * 1000);
  }

  async function refresh() {
    const state = readState();
    const mine = ++generation;
    try {
      let notice;
      if (state.view === 'logs') notice = await (state.key ? renderKey(state) : renderLogs(state));
      else if (state.view === 'database') notice = await renderDatabase();
      else notice = await renderMetrics(state);
      if (mine !== generation) return;
      banner(notice ? 'info' : undefined, notice);
      $('updated').textContent = 'Updated ' + new Date().toLocaleTimeString();
      $('updated').dataset.updatedAt = String(Date.now());
      schedule((meta && meta.refreshSeconds) || 5);
    } catch (err) {
      if (mine !== generation) return;
      if (err instanceof ResumingError) {
        banner(
          'waking',
          'The database is waking up from zero capacity… retrying in ' + err.retryAfter + ' s.',
        );
        schedule(err.retryAfter);
      } else {
        banner('error', err.message || String(err));
        schedule(Math.max(10, (meta && meta.refreshSeconds) || 5));
      }
    }
  }

  // ---- metrics view ----------------------------------------------------------------------------
  function unitText(axis) {
    return axis.unit ? axis.label + ' (' + axis.unit + ')' : axis.label;
  }

  function option(title, extra) {
    return Object.assign(
      {
        animation: false,
        title: { text: title, left: 'center', textStyle: { fontSize: 13 } },
        tooltip: { trigger: 'item' },
        grid: { left: 75, right: 25, top: 50, bottom: 55, containLabel: true },
      },
      extra,
    );
  }

  function fillSelect(select, items, value) {
    select.replaceChildren();
    for (const item of items) {
      const o = document.createElement('option');
      o.value = item.name;
      o.textContent = item.label;
      select.append(o);
    }
    select.value = value;
  }

  function syncControls(state) {
    const dataset = meta.datasets.find((d) => d.name === state.dataset) || meta.datasets[0];
    state.dataset = dataset.name;
    if (!dataset.measures.some((m) => m.name === state.measure)) state.measure = dataset.measures[0].name;
    fillSelect($('dataset'), meta.datasets, state.dataset);
    fillSelect($('measure'), dataset.measures, state.measure);
    fillSelect($('time'), [dataset.time], dataset.time.name);
    $('range').value = state.range;
    const athena =
      meta.athena.available && !dataset.athena
        ? {
            available: false,
            reason: dataset.label + ' is not one of the lake tables the charts read on Athena.',
          }
        : meta.athena;
    $('engine').disabled = !athena.available;
    $('engine').checked = athena.available && state.engine === 'athena';
    if (!athena.available) state.engine = 'postgres';
    $('engine-note').hidden = athena.available;
    $('engine-note').textContent = athena.available ? '' : 'Full history is off: ' + athena.reason;
    $('engine-label').title = athena.available
      ? 'Run the same charts on Athena over the whole lake'
      : athena.reason;
    writeState(state);
    return dataset;
  }

  async function renderMetrics(state) {
    const dataset = syncControls(state);
    const body = await getJson(
      '/api/charts',
      Object.assign(
        { dataset: state.dataset, measure: state.measure, engine: state.engine },
        timeRange(state),
      ),
    );
    const c = body.charts;
    const m = body.measure;

    chart('chart-scatter').setOption(
      option(c.scatter.title, {
        tooltip: { trigger: 'item', formatter: (p) => p.data[2] + ': ' + p.data[0] + ', ' + p.data[1] },
        xAxis: {
          type: 'value',
          name: unitText(c.scatter.x),
          nameLocation: 'middle',
          nameGap: 30,
          scale: true,
        },
        yAxis: {
          type: 'value',
          name: unitText(c.scatter.y),
          nameLocation: 'middle',
          nameGap: 60,
          scale: true,
        },
        series: [
          { type: 'scatter', symbolSize: 12, data: c.scatter.points.map((p) => [p.x, p.y, p.entity]) },
        ],
      }),
      true,
    );
    chart('chart-top').setOption(
      option(c.top.title, {
        xAxis: {
          type: 'category',
          data: c.top.bars.map((b) => b.entity),
          axisLabel: { rotate: 30, interval: 0 },
        },
        yAxis: { type: 'value', name: unitText(c.top.y), nameLocation: 'middle', nameGap: 60 },
        series: [{ type: 'bar', data: c.top.bars.map((b) => b.value) }],
      }),
      true,
    );
    chart('chart-series').setOption(
      option(c.series.title, {
        tooltip: { trigger: 'axis' },
        xAxis: {
          type: 'time',
          name: body.time.label,
          nameLocation: 'middle',
          nameGap: 30,
          min: Date.parse(body.from),
          max: Date.parse(body.to),
        },
        yAxis: {
          type: 'value',
          name: unitText(c.series.y),
          nameLocation: 'middle',
          nameGap: 60,
          scale: true,
        },
        series: [
          {
            type: 'line',
            showSymbol: c.series.points.length < 60,
            data: c.series.points.map((p) => [p[0], p[1]]),
          },
        ],
      }),
      true,
    );
    const s = c.box.stats;
    chart('chart-box').setOption(
      option(c.box.title + (c.box.approximate ? ' (approximate quartiles)' : ''), {
        tooltip: { trigger: 'item' },
        xAxis: { type: 'category', data: [m.label] },
        yAxis: { type: 'value', name: unitText(c.box.y), nameLocation: 'middle', nameGap: 60, scale: true },
        series: [{ type: 'boxplot', data: s ? [[s.min, s.q1, s.median, s.q3, s.max]] : [] }],
      }),
      true,
    );
    chart('chart-histogram').setOption(
      option(c.histogram.title, {
        tooltip: { trigger: 'axis' },
        xAxis: {
          type: 'category',
          name: unitText(c.histogram.x),
          nameLocation: 'middle',
          nameGap: 30,
          data: c.histogram.bins.map((b) => formatNumber(b.from) + '–' + formatNumber(b.to)),
        },
        yAxis: { type: 'value', name: 'Records', nameLocation: 'middle', nameGap: 60 },
        series: [{ type: 'bar', barCategoryGap: '2%', data: c.histogram.bins.map((b) => b.count) }],
      }),
      true,
    );
    chart('chart-share').setOption(
      option(c.share.title, {
        tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
        legend: { bottom: 0, type: 'scroll' },
        grid: undefined,
        series: [
          {
            type: 'pie',
            radius: ['25%', '60%'],
            data: c.share.slices.map((sl) => ({ name: sl.label, value: sl.value })),
          },
        ],
      }),
      true,
    );
    for (const id of CHART_IDS) {
      const el = $('chart-' + id);
      el.dataset.measure = m.name;
      el.dataset.empty = body.empty ? 'true' : 'false';
    }

    const cost = $('athena-cost');
    if (body.athena) {
      cost.hidden = false;
      cost.textContent =
        'Athena scanned ' +
        formatBytes(body.athena.bytesScanned) +
        ' for these charts, costing $' +
        body.athena.costUsd.toFixed(4) +
        ' ($5 per TB scanned, at least 10 MB per query)' +
        (body.athena.cachedQueries
          ? '; ' + body.athena.cachedQueries + ' answers came from the 5-minute cache'
          : '') +
        '. Quartiles on Athena are approximate.';
    } else {
      cost.hidden = true;
    }
    $('metrics-note').textContent = body.empty
      ? 'No ' +
        dataset.label.toLowerCase() +
        ' records in this time range yet. New data appears here by itself.'
      : formatNumber(body.rows) +
        ' records in the range. ' +
        (dataset.share === 'dimension'
          ? 'This dataset has no birth date: the pie shows the share of records per value of its first dimension.'
          : '');
  }

  // ---- access logs view ------------------------------------------------------------------------
  function table(title, columns, rows, link) {
    const wrap = document.createElement('div');
    wrap.className = 'table';
    const h = document.createElement('h3');
    h.textContent = title;
    const t = document.createElement('table');
    const head = t.createTHead().insertRow();
    for (const c of columns) {
      const th = document.createElement('th');
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
        const text = c.format
          ? c.format(r[c.key])
          : r[c.key] === null || r[c.key] === undefined
            ? '—'
            : String(r[c.key]);
        if (i === 0 && link) {
          const a = document.createElement('a');
          a.href = link(r);
          a.textContent = text;
          td.append(a);
        } else td.textContent = text;
      });
    }
    wrap.append(h, t);
    return wrap;
  }

  function cards(el, items) {
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

  const countCols = (label) => [
    { key: 'label', label },
    { key: 'requests', label: 'Requests', format: formatNumber },
    { key: 'bytes', label: 'Bytes sent', format: formatBytes },
  ];

  function trafficChart(series, unit) {
    chart('chart-logs-series').setOption(
      option('Requests and bytes sent per ' + unit, {
        tooltip: { trigger: 'axis' },
        legend: { bottom: 0 },
        xAxis: { type: 'time', name: 'Time', nameLocation: 'middle', nameGap: 30 },
        yAxis: [
          { type: 'value', name: 'Requests' },
          { type: 'value', name: 'Bytes sent', axisLabel: { formatter: formatBytes } },
        ],
        series: [
          { name: 'Requests', type: 'line', showSymbol: false, data: series.map((p) => [p.t, p.requests]) },
          {
            name: 'Bytes sent',
            type: 'line',
            yAxisIndex: 1,
            showSymbol: false,
            data: series.map((p) => [p.t, p.bytes]),
          },
          { name: 'Errors', type: 'line', showSymbol: false, data: series.map((p) => [p.t, p.errors]) },
        ],
      }),
      true,
    );
  }

  function barChart(id, title, rows, xLabel) {
    chart(id).setOption(
      option(title, {
        xAxis: {
          type: 'category',
          name: xLabel,
          nameLocation: 'middle',
          nameGap: 40,
          data: rows.map((r) => r.label),
          axisLabel: { rotate: 30, interval: 0 },
        },
        yAxis: { type: 'value', name: 'Requests', nameLocation: 'middle', nameGap: 60 },
        series: [{ type: 'bar', data: rows.map((r) => r.requests) }],
      }),
      true,
    );
  }

  function showMetricsControls(show) {
    for (const el of document.querySelectorAll('.metrics-only')) el.hidden = !show;
    if (!show) $('engine-note').hidden = true;
  }

  async function renderLogs(state) {
    writeState(state);
    const params = timeRange(state);
    if (state.bucket) params.bucket = state.bucket;
    const body = await getJson('/api/access-logs', params);
    $('logs-title').textContent = 'S3 access logs' + (body.bucket ? ' · ' + body.bucket : '');
    if (body.totals.requests === 0) {
      banner(
        'info',
        'No S3 access log records in this time range yet. Point S3 server access logs at the log bucket to see them here.',
      );
    }
    $('logs-back').hidden = true;
    cards($('logs-totals'), [
      ['Requests', formatNumber(body.totals.requests)],
      ['Bytes sent', formatBytes(body.totals.bytes)],
      ['Errors', formatNumber(body.totals.errors)],
      ['Full downloads (200)', formatNumber(body.downloads.full)],
      ['Partial downloads (206)', formatNumber(body.downloads.partial)],
      ['Invalid requests (4xx/5xx)', formatNumber(body.downloads.invalid)],
    ]);
    trafficChart(body.series, body.unit);
    barChart('chart-logs-status', 'Requests by HTTP status', body.statuses, 'HTTP status');
    chart('chart-logs-downloads').setOption(
      option('Full and partial downloads, invalid requests', {
        tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
        legend: { bottom: 0 },
        grid: undefined,
        series: [
          {
            type: 'pie',
            radius: ['25%', '60%'],
            data: [
              { name: 'Full (200)', value: body.downloads.full },
              { name: 'Partial (206)', value: body.downloads.partial },
              { name: 'Invalid (4xx/5xx)', value: body.downloads.invalid },
            ].filter((d) => d.value > 0),
          },
        ],
      }),
      true,
    );
    barChart('chart-logs-operations', 'Requests by operation', body.operations, 'Operation');
    const keyLink = (r) =>
      '?' + new URLSearchParams({ view: 'logs', key: r.label, range: state.range }).toString();
    const bucketLink = (r) =>
      '?' + new URLSearchParams({ view: 'logs', bucket: r.bucket, range: state.range }).toString();
    $('logs-tables').replaceChildren(
      table('Top keys', countCols('Key'), body.topKeys, keyLink),
      table('Top requesters', countCols('Requester'), body.topRequesters),
      table('Top IP addresses', countCols('IP address'), body.topIps),
      table('Invalid requests by error code', countCols('Error code'), body.errorCodes),
      table(
        'Buckets',
        [
          { key: 'bucket', label: 'Bucket' },
          { key: 'requests', label: 'Requests', format: formatNumber },
        ],
        body.buckets,
        bucketLink,
      ),
    );
    return body.totals.requests === 0
      ? 'No S3 access log records in this time range yet. Point S3 server access logs at the log bucket to see them here.'
      : undefined;
  }

  async function renderKey(state) {
    writeState(state);
    const params = Object.assign({ key: state.key }, timeRange(state));
    if (state.bucket) params.bucket = state.bucket;
    const body = await getJson('/api/access-logs/key', params);
    $('logs-title').textContent = 'Key: ' + body.key;
    $('logs-back').hidden = false;
    const total = body.series.reduce(
      (a, p) => ({ r: a.r + p.requests, b: a.b + p.bytes, e: a.e + p.errors }),
      { r: 0, b: 0, e: 0 },
    );
    cards($('logs-totals'), [
      ['Requests', formatNumber(total.r)],
      ['Bytes sent', formatBytes(total.b)],
      ['Errors', formatNumber(total.e)],
    ]);
    trafficChart(body.series, body.unit);
    barChart('chart-logs-status', 'Requests by HTTP status', body.statuses, 'HTTP status');
    barChart('chart-logs-operations', 'Top requesters', body.requesters, 'Requester');
    chart('chart-logs-downloads').clear();
    $('logs-tables').replaceChildren(
      table(
        'Latest requests',
        [
          {
            key: 'at',
            label: 'Time',
            format: (v) => new Date(v).toISOString().replace('T', ' ').slice(0, 19),
          },
          { key: 'bucket', label: 'Bucket' },
          { key: 'operation', label: 'Operation' },
          { key: 'status', label: 'Status' },
          { key: 'bytes', label: 'Bytes sent', format: (v) => (v === null ? '—' : formatBytes(v)) },
          { key: 'requester', label: 'Requester' },
          { key: 'errorCode', label: 'Error code' },
        ],
        body.recent,
      ),
    );
  }

  // ---- database view ---------------------------------------------------------------------------
  async function renderDatabase() {
    writeState(readState());
    const body = await getJson('/api/database');
    const when = (v) => (v ? new Date(v).toLocaleString() : '—');
    $('database-tables').replaceChildren(
      table(
        'Tables',
        [
          { key: 'name', label: 'Table' },
          { key: 'rows', label: 'Rows', format: (v) => formatNumber(v) },
          { key: 'exact', label: 'Count', format: (v) => (v ? 'exact' : 'estimate') },
          { key: 'totalBytes', label: 'Size (with indexes)', format: formatBytes },
        ],
        body.tables,
      ),
      table(
        body.loaderInstalled ? 'Ingestion' : 'Ingestion (the loader tables are not installed yet)',
        [
          { key: 'dataset', label: 'Dataset' },
          { key: 'objects', label: 'Objects loaded', format: formatNumber },
          { key: 'rowsInserted', label: 'Rows inserted', format: formatNumber },
          { key: 'rowsRejected', label: 'Rows rejected', format: formatNumber },
          { key: 'rowsSkipped', label: 'Rows skipped', format: formatNumber },
          { key: 'lastLoadedAt', label: 'Last load', format: when },
        ],
        body.ingestion,
      ),
      table(
        'Latest rejected rows',
        [
          { key: 'objectKey', label: 'Object' },
          { key: 'line', label: 'Line' },
          { key: 'reason', label: 'Reason' },
          { key: 'at', label: 'When', format: when },
        ],
        body.recentRejections,
      ),
      table(
        'Active queries',
        [
          { key: 'pid', label: 'PID' },
          { key: 'state', label: 'State' },
          {
            key: 'runningMs',
            label: 'Running for',
            format: (v) => (v === null ? '—' : (v / 1000).toFixed(1) + ' s'),
          },
          { key: 'query', label: 'Query' },
        ],
        body.activeQueries,
      ),
    );
  }

  // ---- formatting ------------------------------------------------------------------------------
  function formatNumber(v) {
    if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
    return Math.abs(v) >= 1000 || Number.isInteger(v) ? Math.round(v).toLocaleString('en') : v.toPrecision(3);
  }

  function formatBytes(v) {
    if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return (i === 0 ? String(Math.round(v)) : v.toFixed(1)) + ' ' + units[i];
  }

  // ---- wiring ----------------------------------------------------------------------------------
  function show(view) {
    for (const v of ['metrics', 'logs', 'database']) $('view-' + v).hidden = v !== view;
    for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.view === view);
    showMetricsControls(view === 'metrics');
    $('range-label').hidden = view === 'database';
    charts.forEach((c) => c.resize());
  }

  function change(patch) {
    const state = Object.assign(readState(), patch);
    writeState(state);
    show(state.view);
    $('updated').textContent = 'Loading…';
    void refresh();
  }

  async function start() {
    const state = readState();
    show(state.view);
    try {
      meta = await getJson('/api/datasets');
    } catch (err) {
      if (err instanceof ResumingError) banner('waking', 'The database is waking up… retrying.');
      else banner('error', err.message);
      setTimeout(start, 5000);
      return;
    }
    if (!meta.accessLogs) document.querySelector('nav a[data-view="logs"]').hidden = true;
    $('dataset').addEventListener('change', (e) => change({ dataset: e.target.value, measure: '' }));
    $('measure').addEventListener('change', (e) => change({ measure: e.target.value }));
    $('range').addEventListener('change', (e) => change({ range: e.target.value }));
    $('engine').addEventListener('change', (e) =>
      change({ engine: e.target.checked ? 'athena' : 'postgres' }),
    );
    show(state.view);
    void refresh();
  }

  document.addEventListener('DOMContentLoaded', () => void start());
})();
