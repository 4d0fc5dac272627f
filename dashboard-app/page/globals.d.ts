// ECharts is loaded by its own script tag (/static/echarts.min.js) before the page script.
declare const echarts: typeof import('echarts');
