// LatScope's HTML report: builds one ECharts chart per section from the JSON in #latscope-data.
// Everything is in this file: no fetch, no external resource (the page's CSP forbids them).
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('latscope-data').textContent);
  var charts = {};   // id -> {chart, option, points}
  var main = document.getElementById('main');
  document.getElementById('title').textContent = data.title;
  document.getElementById('meta').textContent = 'session ' + data.session + ', ' + data.period + '; measured with ' + data.provenance;

  function us(ns) { return ns == null ? null : ns / 1000; }
  function fmt(ns) {
    if (ns == null) return '';
    var a = Math.abs(ns);
    if (a < 1e3) return Math.round(ns) + ' ns';
    if (a < 1e6) return (ns / 1e3).toFixed(2) + ' µs';
    if (a < 1e9) return (ns / 1e6).toFixed(2) + ' ms';
    return (ns / 1e9).toFixed(3) + ' s';
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in (attrs || {})) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function section(id, title, why) {
    var s = el('section', {id: 'section-' + id});
    s.appendChild(el('h2', null, title));
    if (why) s.appendChild(el('p', {'class': 'why'}, why));
    main.appendChild(s);
    return s;
  }
  function note(s, text) { s.appendChild(el('p', {'class': 'note'}, text)); }
  // data points of the series drawn (those the legend has not switched off)
  function countPoints(option) {
    var n = 0, off = (option.legend && option.legend.selected) || {};
    (option.series || []).forEach(function (se) {
      if (off[se.name] !== false) n += (se.data || []).filter(function (v) { return v != null; }).length;
    });
    return n;
  }
  function chart(s, id, option, height) {
    var div = el('div', {'class': 'chart', id: 'chart-' + id});
    if (height) div.style.height = height + 'px';
    s.appendChild(div);
    var bar = el('div', {'class': 'export'});
    ['svg', 'png'].forEach(function (f) {
      var b = el('button', {type: 'button', 'data-chart': id, 'data-format': f}, 'save ' + f.toUpperCase());
      b.addEventListener('click', function () { download(id, f); });
      bar.appendChild(b);
    });
    s.appendChild(bar);
    option.animation = false;
    option.backgroundColor = '#fff';
    option.tooltip = option.tooltip || {trigger: 'axis'};
    option.legend = option.legend || {type: 'scroll', top: 0};
    option.grid = option.grid || {left: 50, right: 60, top: 44, bottom: 30};
    option.grid.containLabel = true;
    option.color = PALETTE;
    var c = echarts.init(div, null, {renderer: 'canvas'});
    c.setOption(option);
    charts[id] = {chart: c, option: option, points: countPoints(option)};
    return c;
  }
  var PALETTE = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc',
                 '#000000', '#8c564b', '#17becf', '#bcbd22', '#7f7f7f'];
  function timeAxis() { return {type: 'value', name: 'time (s)', nameLocation: 'middle', nameGap: 26, min: 'dataMin', max: 'dataMax'}; }
  function axis(name, extra) {
    var a = {type: 'value', name: name, nameLocation: 'middle', nameGap: 48};
    for (var k in (extra || {})) a[k] = extra[k];
    return a;
  }
  function line(name, points, yAxisIndex, dashed, colour) {
    return {name: name, type: 'line', showSymbol: !dashed && points.length < 40, data: points, yAxisIndex: yAxisIndex || 0,
            lineStyle: dashed ? {type: 'dashed', opacity: 0.8} : undefined, itemStyle: colour ? {color: colour} : undefined};
  }
  // merged hops (tx.TCP) are shown; scoped ones (tx.TCP@ns) are in the legend, off until clicked
  function legendFor(names) {
    var selected = {};
    names.forEach(function (n) { if (n.indexOf('@') >= 0 && names.indexOf(n.split('@')[0]) >= 0) selected[n] = false; });
    return {type: 'scroll', top: 0, selected: selected};
  }

  // ---- the hop table -----------------------------------------------------------------
  (function () {
    var s = section('table', 'Hops', 'Every hop of the whole run: samples and percentiles (matched markers only).');
    if (!data.table.length) { note(s, 'No hop was measured: see the data quality below.'); return; }
    var t = el('table');
    var head = el('tr');
    ['hop', 'count', 'p50', 'p90', 'p99', 'max', 'mean'].forEach(function (h) { head.appendChild(el('th', null, h)); });
    t.appendChild(head);
    data.table.forEach(function (r) {
      var tr = el('tr');
      tr.appendChild(el('td', null, r[0]));
      tr.appendChild(el('td', null, String(r[1])));
      for (var i = 2; i < r.length; i++) tr.appendChild(el('td', null, fmt(r[i])));
      t.appendChild(tr);
    });
    s.appendChild(t);
  })();

  // ---- END_TO_END decomposed per direction -------------------------------------------
  (function () {
    var s = section('decomposition', 'Where END_TO_END goes, per direction',
      'Each direction\'s hops stacked at p50 and at p99, with END_TO_END\'s own percentile as a diamond. ' +
      'Percentiles do not add up: the stack of p99s is not END_TO_END\'s p99.');
    if (!data.decomposition.length) { note(s, 'END_TO_END was not measured (it needs the SOCKET layer at both ends).'); return; }
    var cats = [], kinds = [], e2e = [];
    data.decomposition.forEach(function (d) {
      cats.push(d.direction + ' p50'); cats.push(d.direction + ' p99');
      e2e.push(us(d.e2e[0])); e2e.push(us(d.e2e[1]));
      d.hops.forEach(function (h) { if (kinds.indexOf(h[0]) < 0) kinds.push(h[0]); });
    });
    var series = kinds.map(function (k) {
      var vals = [];
      data.decomposition.forEach(function (d) {
        var h = d.hops.filter(function (x) { return x[0] === k; })[0];
        vals.push(h ? us(h[1]) : null); vals.push(h ? us(h[2]) : null);
      });
      return {name: k, type: 'bar', stack: 'hops', data: vals, barMaxWidth: 28};
    });
    series.push({name: 'END_TO_END', type: 'scatter', symbol: 'diamond', symbolSize: 14, data: e2e, z: 10,
                 itemStyle: {color: '#000'}});
    chart(s, 'decomposition', {
      tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}, valueFormatter: function (v) { return v == null ? '' : fmt(v * 1000); }},
      xAxis: {type: 'value', name: 'µs', nameLocation: 'middle', nameGap: 26}, yAxis: {type: 'category', data: cats, inverse: true},
      grid: {left: 20, right: 40, top: 44, bottom: 30}, series: series
    }, Math.max(260, 70 * cats.length + 80));
  })();

  // ---- percentile distribution -------------------------------------------------------
  (function () {
    var s = section('distribution', 'Percentile distribution per hop',
      'HdrHistogram\'s plot: latency against 1/(1-p), so the tail (99 %, 99.9 %, 99.99 %) gets room.');
    if (!data.distribution.length) { note(s, 'No hop was measured.'); return; }
    function pct(x) { var p = 100 * (1 - 1 / x); return (p >= 99 ? p.toPrecision(Math.max(2, Math.round(Math.log10(x)) + 1)) : Math.round(p)) + '%'; }
    chart(s, 'distribution', {
      tooltip: {trigger: 'item', formatter: function (p) { return p.seriesName + '<br>' + pct(p.value[0]) + ': ' + fmt(p.value[1] * 1000); }},
      legend: legendFor(data.distribution.map(function (d) { return d.hop; })),
      xAxis: {type: 'log', min: 1, name: 'percentile', nameLocation: 'middle', nameGap: 26, axisLabel: {formatter: pct}},
      yAxis: {type: 'log', name: 'µs', nameLocation: 'middle', nameGap: 40},
      series: data.distribution.map(function (d) {
        return {name: d.hop, type: 'line', showSymbol: false, step: 'end',
                data: d.points.map(function (p) { return [p[0], Math.max(0.001, us(p[1]))]; })};
      })
    }, 460);
  })();

  // ---- percentiles over time ---------------------------------------------------------
  [[1, 'p50'], [2, 'p99']].forEach(function (q) {
    var s = section('over-time-' + q[1], q[1] + ' per hop over time', 'Each interval\'s ' + q[1] + ', at the interval\'s end.');
    var hops = Object.keys(data.overTime);
    if (!hops.length) { note(s, 'No interval report was recorded.'); return; }
    chart(s, q[1], {
      tooltip: {trigger: 'axis', valueFormatter: function (v) { return v == null ? '' : fmt(v * 1000); }},
      legend: legendFor(hops),
      xAxis: timeAxis(), yAxis: axis('µs'),
      series: hops.map(function (h) { return line(h, data.overTime[h].map(function (p) { return [p[0], us(p[q[0]])]; })); })
    });
  });

  // ---- clocks ------------------------------------------------------------------------
  (function () {
    var s = section('clocks', 'Clock offset and error bound per host',
      'Each host\'s offset to the reference clock as the sync model had it, with offset ± bound dashed.');
    var hosts = Object.keys(data.clocks);
    if (!hosts.length) { note(s, 'No clock sync in this run: every namespace shares one kernel clock, so no offset applies.'); return; }
    var series = [];
    hosts.forEach(function (h, i) {
      var pts = data.clocks[h], c = PALETTE[i % PALETTE.length];
      series.push(line(h + ' offset', pts.map(function (p) { return [p[0], p[1]]; }), 0, false, c));
      series.push(line(h + ' offset + bound', pts.map(function (p) { return [p[0], p[1] + p[2]]; }), 0, true, c));
      series.push(line(h + ' offset − bound', pts.map(function (p) { return [p[0], p[1] - p[2]]; }), 0, true, c));
    });
    chart(s, 'clocks', {xAxis: timeAxis(), yAxis: axis('offset (ns)', {scale: true}),
      tooltip: {trigger: 'axis', valueFormatter: function (v) { return v == null ? '' : fmt(v); }}, series: series});
  })();

  // ---- flows -------------------------------------------------------------------------
  (function () {
    var s = section('flows', 'Throughput and loss per flow',
      'Bytes sent per interval as Mbit/s (solid, left axis); retransmitted segments as % of segments (dashed, right axis).');
    var flows = Object.keys(data.flows);
    if (!flows.length) { note(s, 'No flow ended or was sampled in this run (flows are counted from the kernel\'s socket statistics).'); return; }
    var series = [];
    flows.forEach(function (f, i) {
      var pts = data.flows[f], c = PALETTE[i % PALETTE.length];
      series.push(line(f, pts.map(function (p) { return [p[0], p[1]]; }), 0, false, c));
      series.push(line(f + ' loss', pts.map(function (p) { return [p[0], p[2]]; }), 1, true, c));
    });
    chart(s, 'flows', {xAxis: timeAxis(), yAxis: [axis('Mbit/s'), axis('retransmitted %', {min: 0})],
      series: series});
  })();

  // ---- processes ---------------------------------------------------------------------
  (function () {
    var s = section('processes', 'CPU and memory per process',
      'The processes at either end of the measured flows: CPU % (solid, left axis) and resident memory (dashed, right axis).');
    var procs = Object.keys(data.processes);
    if (!procs.length) { note(s, 'No endpoint process was sampled in this run.'); return; }
    var series = [];
    procs.forEach(function (p, i) {
      var pts = data.processes[p], c = PALETTE[i % PALETTE.length];
      series.push(line(p + ' cpu', pts.map(function (x) { return [x[0], x[1]]; }), 0, false, c));
      series.push(line(p + ' rss', pts.map(function (x) { return [x[0], x[2]]; }), 1, true, c));
    });
    chart(s, 'processes', {xAxis: timeAxis(), yAxis: [axis('CPU %', {min: 0}), axis('RSS (MiB)', {min: 0})],
      series: series});
  })();

  // ---- data quality ------------------------------------------------------------------
  (function () {
    var q = data.quality;
    var s = section('quality', 'Data quality', 'What the histograms hold and what was left out, and why.');
    s.appendChild(el('p', null, q.text));
    if (q.health) s.appendChild(el('p', q.healthState === 'LIVE' ? null : {'class': 'warn'}, q.health));
    q.warnings.forEach(function (w) { s.appendChild(el('p', {'class': 'warn'}, '! ' + w)); });
    var cats = ['complete'], vals = [q.complete];
    Object.keys(q.leftOut).forEach(function (k) { cats.push('left out: ' + k); vals.push(q.leftOut[k]); });
    Object.keys(q.ringDropsByPoint).forEach(function (k) { cats.push('ring drops at ' + k); vals.push(q.ringDropsByPoint[k]); });
    if (q.retransmitted) { cats.push('retransmitted'); vals.push(q.retransmitted); }
    if (!q.seen && vals.length === 1) { note(s, 'No marker was seen.'); return; }
    chart(s, 'quality', {tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}},
      xAxis: {type: 'log', name: 'markers / events (log scale)', nameLocation: 'middle', nameGap: 26, min: 1},
      yAxis: {type: 'category', data: cats, inverse: true},
      grid: {left: 20, right: 60, top: 20, bottom: 30}, legend: {show: false},
      series: [{name: 'count', type: 'bar', data: vals.map(function (v) { return Math.max(v, 1); }),
                label: {show: true, position: 'right', formatter: function (p) { return vals[p.dataIndex]; }}}]},
      Math.max(200, 40 * cats.length + 80));
  })();

  // ---- comparison --------------------------------------------------------------------
  if (data.comparison) (function () {
    var c = data.comparison;
    var s = section('compare', 'Change per hop: ' + c.baseline + ' → ' + c.candidate,
      'How each hop\'s p50 and p99 moved from the baseline run to this one, in % of the baseline.');
    if (!c.hops.length) { note(s, 'The two runs have no hop in common.'); return; }
    function change(b, n) { return b === 0 ? null : 100 * (n - b) / b; }
    chart(s, 'compare', {
      tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}, formatter: function (ps) {
        var h = c.hops[ps[0].dataIndex];
        return h[0] + '<br>p50 ' + fmt(h[1]) + ' → ' + fmt(h[2]) + '<br>p99 ' + fmt(h[3]) + ' → ' + fmt(h[4]);
      }},
      xAxis: {type: 'value', name: 'change (% of the baseline)', nameLocation: 'middle', nameGap: 26},
      yAxis: {type: 'category', data: c.hops.map(function (h) { return h[0]; }), inverse: true},
      grid: {left: 20, right: 40, top: 40, bottom: 30},
      series: [{name: 'p50 change %', type: 'bar', data: c.hops.map(function (h) { return change(h[1], h[2]); })},
               {name: 'p99 change %', type: 'bar', data: c.hops.map(function (h) { return change(h[3], h[4]); })}]
    }, Math.max(260, 50 * c.hops.length + 80));
    s.appendChild(el('pre', null, c.text));
  })();

  (function () {
    var s = section('text', 'The report as text', null);
    s.appendChild(el('pre', null, data.text));
  })();

  // ---- export: SVG (server-side-rendering mode of ECharts) and PNG (the canvas) --------
  function exportChart(id, format) {
    var c = charts[id];
    if (!c) throw new Error('no chart ' + id);
    if (format === 'png') return c.chart.getDataURL({type: 'png', pixelRatio: 2, backgroundColor: '#fff'});
    var svg = echarts.init(null, null, {renderer: 'svg', ssr: true, width: c.chart.getWidth(), height: c.chart.getHeight()});
    svg.setOption(c.option);
    var text = svg.renderToSVGString();
    svg.dispose();
    return text;
  }
  function download(id, format) {
    var out = exportChart(id, format);
    var a = document.createElement('a');
    a.download = 'latscope-' + id + '.' + format;
    a.href = format === 'png' ? out : URL.createObjectURL(new Blob([out], {type: 'image/svg+xml'}));
    document.body.appendChild(a);
    a.click();
    a.remove();
  }
  window.addEventListener('resize', function () { for (var k in charts) charts[k].chart.resize(); });
  window.latscopeExport = exportChart;
  window.latscopeCharts = function () {
    return Object.keys(charts).map(function (k) {
      var r = document.getElementById('chart-' + k).getBoundingClientRect();
      return {id: k, points: charts[k].points, x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height};
    });
  };
  window.latscopeReady = true;
})();
