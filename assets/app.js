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
      var option = everyCategoryLabel(JSON.parse(el.dataset.chart), el.clientWidth);
      var draw = function () {
        var chart = window.echarts.init(el);
        chart.setOption(option);
        // A point that carries a url drills down to it (the dashboard's
        // region → partner → product → lines).
        chart.on('click', function (p) {
          if (p.data && p.data.url) window.location.href = p.data.url;
        });
        charts.push(chart);
      };
      // A map needs its shapes first; they are a cached asset.
      if (el.dataset.geo && !window.echarts.getMap('china')) {
        fetch(el.dataset.geo).then(function (r) { return r.json(); }).then(function (geo) {
          window.echarts.registerMap('china', geo);
          mapLabels(option);
          draw();
        });
      } else {
        if (el.dataset.geo) mapLabels(option);
        draw();
      }
    });
  }

  // Map regions are keyed by code; the tooltip shows the name the server sent.
  function mapLabels(option) {
    option.tooltip = option.tooltip || {};
    option.tooltip.formatter = function (p) {
      return p.data ? (p.data.label + ': ' + p.data.value) : p.name;
    };
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

// Forms (docs/UI.md): pickers, the error summary after a swap, and the
// confirmation of what cannot be undone.
(function () {
  'use strict';

  // ---- Pickers: a combobox over /pick/{kind}; the code goes in a hidden
  // input that takes over the field's name, so the form posts a code.
  function initPickers(root) {
    root.querySelectorAll('[data-picker]').forEach(function (box) {
      if (box.dataset.ready) return;
      box.dataset.ready = '1';
      var input = box.querySelector('input[role=combobox]');
      var list = box.querySelector('[role=listbox]');
      var hidden = document.createElement('input');
      hidden.type = 'hidden';
      hidden.name = input.name;
      hidden.value = input.value;
      input.removeAttribute('name');
      box.appendChild(hidden);
      var timer = null;
      var asked = 0;
      var active = -1;

      function options() {
        return Array.prototype.slice.call(list.querySelectorAll('[role=option]:not([aria-disabled=true])'));
      }
      function show(open) {
        list.hidden = !open;
        input.setAttribute('aria-expanded', open ? 'true' : 'false');
        if (!open) { active = -1; input.removeAttribute('aria-activedescendant'); }
      }
      function highlight(index) {
        var all = options();
        active = all.length ? (index + all.length) % all.length : -1;
        all.forEach(function (o, i) { o.setAttribute('aria-selected', i === active ? 'true' : 'false'); });
        if (active >= 0) {
          input.setAttribute('aria-activedescendant', all[active].id);
          all[active].scrollIntoView({ block: 'nearest' });
        }
      }
      function choose(option) {
        input.value = option.dataset.label;
        hidden.value = option.dataset.value;
        show(false);
      }
      // A picker narrowed by another field of its form (the order form's
      // products by the ordering partner) sends that field's value along;
      // empty when the form has no such field (a partner orders for itself).
      function url(q) {
        var target = box.dataset.picker + '?q=' + encodeURIComponent(q);
        var narrow = box.dataset.pickerNarrow;
        if (!narrow) return target;
        var form = box.closest('form');
        var field = form && form.querySelector('input[type=hidden][name="' + narrow + '"], [name="' + narrow + '"]');
        return target + '&' + narrow + '=' + encodeURIComponent(field ? field.value : '');
      }
      function search() {
        var mine = ++asked;
        fetch(url(input.value), {
          headers: { 'HX-Request': 'true' }, credentials: 'same-origin'
        }).then(function (r) { return r.ok ? r.text() : ''; }).then(function (html) {
          if (mine !== asked || document.activeElement !== input) return;
          list.innerHTML = html;
          list.querySelectorAll('[role=option]').forEach(function (o, i) { o.id = list.id + '-' + i; });
          show(true);
          highlight(0);
        });
      }
      // A code the page came with (an edit form, a refused form) reads as
      // its name; the hidden input keeps the code.
      if (input.value) {
        fetch(url(input.value), {
          headers: { 'HX-Request': 'true' }, credentials: 'same-origin'
        }).then(function (r) { return r.ok ? r.text() : ''; }).then(function (html) {
          var holder = document.createElement('ul');
          holder.innerHTML = html;
          var code = hidden.value.toUpperCase();
          var match = Array.prototype.find.call(holder.querySelectorAll('[data-value]'), function (o) {
            return o.dataset.value.toUpperCase() === code;
          });
          if (match && input.value.toUpperCase() === code) input.value = match.dataset.label;
        });
      }
      input.addEventListener('input', function () {
        // Typed, not picked: the server takes a code or an exact name.
        hidden.value = input.value;
        clearTimeout(timer);
        timer = setTimeout(search, 150);
      });
      input.addEventListener('focus', function () { if (!input.value) search(); });
      input.addEventListener('keydown', function (e) {
        if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          e.preventDefault();
          if (list.hidden) { search(); return; }
          highlight(active + (e.key === 'ArrowDown' ? 1 : -1));
        } else if (e.key === 'Enter' && !list.hidden && active >= 0) {
          e.preventDefault();
          choose(options()[active]);
        } else if (e.key === 'Escape' && !list.hidden) {
          e.preventDefault();
          show(false);
        }
      });
      input.addEventListener('blur', function () { show(false); });
      // mousedown, not click: the input keeps focus until the choice is made.
      list.addEventListener('mousedown', function (e) {
        var option = e.target.closest('[role=option]:not([aria-disabled=true])');
        e.preventDefault();
        if (option) choose(option);
      });
    });
  }

  // ---- Error summary: after a form comes back, show and focus it. Controls
  // of fields in error that the macros did not mark are marked here.
  function markInvalid(root) {
    root.querySelectorAll('.field.has-error').forEach(function (field, n) {
      var message = field.querySelector('.field-error');
      field.querySelectorAll('input:not([type=hidden]), select, textarea').forEach(function (control) {
        if (control.hasAttribute('aria-invalid')) return;
        control.setAttribute('aria-invalid', 'true');
        if (message) {
          if (!message.id) message.id = (control.id || 'field-' + n) + '-error';
          control.setAttribute('aria-describedby', message.id);
        }
      });
    });
  }
  function showSummary(root) {
    markInvalid(root);
    var summary = root.querySelector('[data-error-summary]');
    if (!summary) return;
    summary.scrollIntoView({ block: 'center' });
    summary.focus({ preventScroll: true });
  }

  // A refused form (422, 409) is swapped in like a success; any other error
  // replaces the page, as a form posted without JS would.
  document.addEventListener('htmx:beforeSwap', function (e) {
    var status = e.detail.xhr.status;
    if (status === 422 || status === 409) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    } else if (status >= 400) {
      e.detail.shouldSwap = false;
      document.documentElement.innerHTML = e.detail.xhr.responseText;
    }
  });
  document.addEventListener('htmx:afterSettle', function () {
    initPickers(document);
    initAddRows(document);
    initWhen(document);
    initLiveSums(document);
    showSummary(document);
  });

  // ---- Confirmation: a form with data-confirm asks first, in a <dialog>.
  var pending = null;
  function needsConfirm(form) {
    if (!form.dataset.confirm || form.dataset.confirmed) return false;
    var field = form.dataset.confirmField;
    return !field || (form.elements[field] && form.elements[field].value === form.dataset.confirmValue);
  }
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (form.dataset.confirmed) { delete form.dataset.confirmed; return; }
    if (!needsConfirm(form)) return;
    var dialog = document.getElementById('confirm-dialog');
    if (!dialog || !dialog.showModal) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    pending = { form: form, submitter: e.submitter };
    document.getElementById('confirm-text').textContent = form.dataset.confirm;
    dialog.returnValue = '';
    dialog.showModal();
  }, true);
  document.addEventListener('close', function (e) {
    if (e.target.id !== 'confirm-dialog' || !pending) return;
    var p = pending;
    pending = null;
    if (e.target.returnValue !== 'ok') return;
    p.form.dataset.confirmed = '1';
    if (p.submitter) p.form.requestSubmit(p.submitter); else p.form.requestSubmit();
  }, true);

  // ---- Added rows: a button with data-add-row appends its <template>'s
  // row to the table before it, numbered after the last row (the page
  // works without it: the rows it came with).
  function initAddRows(root) {
    root.querySelectorAll('[data-add-row]').forEach(function (button) {
      if (button.dataset.ready) return;
      button.dataset.ready = '1';
      var template = document.getElementById(button.dataset.addRow);
      var table = template && template.parentNode.querySelector('table[data-rows-max]');
      if (!table) return;
      var body = table.tBodies[0];
      button.hidden = false;
      button.addEventListener('click', function () {
        var n = body.rows.length + 1;
        if (n > Number(table.dataset.rowsMax)) { button.disabled = true; return; }
        var holder = document.createElement('tbody');
        holder.innerHTML = template.innerHTML.replace(/__N__/g, String(n));
        var row = holder.firstElementChild;
        body.appendChild(row);
        initPickers(row);
        var first = row.querySelector('input[role=combobox]');
        if (first) first.focus();
      });
    });
  }

  // ---- Fields for one choice only: an element with data-when="field=value"
  // shows while its form's field has that value (all show without JS).
  function initWhen(root) {
    root.querySelectorAll('[data-when]').forEach(function (el) {
      var rule = el.dataset.when.split('=');
      var form = el.closest('form');
      var field = form && form.elements[rule[0]];
      if (!field) return;
      var apply = function () { el.hidden = field.value !== rule[1]; };
      field.addEventListener('change', apply);
      apply();
    });
  }

  // ---- Live sums: a table[data-live-sum] adds up its [data-part] inputs
  // as they are typed, in whole minor units (never floats), against
  // data-total, or against 100% when the form's `by` is percents; its
  // form's [data-sum-out] says how far off it is. By last year's share the
  // server computes the parts, so nothing is shown.
  function units(text, decimals) {
    var t = text.replace(/[,\s]/g, '');
    if (!t) return 0n;
    var m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(t);
    if (!m || (m[3] || '').length > decimals) return null;
    var fraction = (m[3] || '').padEnd(decimals, '0');
    var value = BigInt(m[2] + fraction);
    return m[1] ? -value : value;
  }
  function shown(value, decimals, symbol, suffix) {
    var sign = value < 0n ? '-' : '';
    var digits = (value < 0n ? -value : value).toString().padStart(decimals + 1, '0');
    var whole = digits.slice(0, digits.length - decimals).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    var fraction = decimals ? '.' + digits.slice(digits.length - decimals) : '';
    return sign + symbol + whole + fraction + suffix;
  }
  function initLiveSums(root) {
    root.querySelectorAll('table[data-live-sum]').forEach(function (table) {
      var form = table.closest('form');
      var out = form && form.querySelector('[data-sum-out]');
      if (!out || table.dataset.ready) return;
      table.dataset.ready = '1';
      var update = function () {
        var by = form.elements.by ? form.elements.by.value : 'amounts';
        if (by === 'last_year') { out.textContent = ''; out.className = 'live-sum'; return; }
        var percents = by === 'percents';
        var decimals = percents ? 2 : Number(table.dataset.decimals);
        var total = percents ? 10000n : BigInt(table.dataset.total);
        var symbol = percents ? '' : table.dataset.symbol;
        var suffix = percents ? '%' : '';
        var sum = 0n;
        var bad = false;
        table.querySelectorAll('[data-part]').forEach(function (input) {
          var v = units(input.value, decimals);
          if (v === null) bad = true; else sum += v;
        });
        if (bad) { out.textContent = ''; return; }
        var gap = total - sum;
        var text = gap === 0n ? table.dataset.textOk : gap > 0n ? table.dataset.textLeft : table.dataset.textOver;
        out.textContent = text.replace('{sum}', shown(sum, decimals, symbol, suffix))
          .replace('{gap}', shown(gap < 0n ? -gap : gap, decimals, symbol, suffix));
        out.className = 'live-sum ' + (gap === 0n ? 'sum-ok' : 'sum-off');
      };
      form.addEventListener('input', update);
      form.addEventListener('change', update);
      update();
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    initPickers(document);
    initAddRows(document);
    initWhen(document);
    initLiveSums(document);
    showSummary(document);
  });

})();
