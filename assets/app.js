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
      chart.setOption(everyCategoryLabel(JSON.parse(el.dataset.chart), el.clientWidth));
      charts.push(chart);
    });
  }

  // ECharts hides every second category label when they crowd; a category
  // nobody can read is useless, so all are shown, slanted on a narrow chart.
  function everyCategoryLabel(option, width) {
    [].concat(option.xAxis || []).forEach(function (axis) {
      if (axis.type !== 'category') return;
      axis.axisLabel = Object.assign({ interval: 0, hideOverlap: false },
        width < 560 ? { rotate: 40 } : {}, axis.axisLabel);
    });
    return option;
  }

  // Wide tables scroll sideways inside .table-wrap; these classes drive the
  // cues (a fade at the edge with more columns, a shadow on the fixed first
  // column once scrolled) defined in app.css.
  function scrollCue(wrap) {
    // A region that scrolls must be reachable by keyboard (arrow keys).
    if (wrap.scrollWidth > wrap.clientWidth && !wrap.hasAttribute('tabindex')) wrap.tabIndex = 0;
    wrap.classList.toggle('more-right', wrap.scrollLeft + wrap.clientWidth < wrap.scrollWidth - 1);
    wrap.classList.toggle('scrolled', wrap.scrollLeft > 0);
  }
  function scrollCues(root) {
    root.querySelectorAll('.table-wrap').forEach(scrollCue);
  }
  document.addEventListener('DOMContentLoaded', function () { scrollCues(document); });
  document.addEventListener('htmx:afterSwap', function (event) { scrollCues(event.target); });
  document.addEventListener('scroll', function (event) {
    if (event.target.classList && event.target.classList.contains('table-wrap')) scrollCue(event.target);
  }, true);
  window.addEventListener('resize', function () { scrollCues(document); });

  document.addEventListener('DOMContentLoaded', function () { drawCharts(document); });
  document.addEventListener('htmx:afterSwap', function (event) { drawCharts(event.target); });
  window.addEventListener('resize', function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
