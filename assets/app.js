// Qudao's own browser code: draws every chart declared in the page.
// A chart is an element with data-chart holding an ECharts option as JSON,
// so pages need no inline scripts and the CSP can forbid them.
(function () {
  'use strict';
  var charts = [];

  function drawCharts(root) {
    if (!window.echarts) return;
    root.querySelectorAll('[data-chart]').forEach(function (el) {
      if (el.dataset.drawn) return;
      el.dataset.drawn = '1';
      var chart = window.echarts.init(el);
      chart.setOption(JSON.parse(el.dataset.chart));
      charts.push(chart);
    });
  }

  document.addEventListener('DOMContentLoaded', function () { drawCharts(document); });
  document.addEventListener('htmx:afterSwap', function (event) { drawCharts(event.target); });
  window.addEventListener('resize', function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
