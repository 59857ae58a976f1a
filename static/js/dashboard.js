// The economy tab: one Chart.js line chart per canvas, fed by the series endpoint (history
// aggregates). Redrawn when the range changes, when the tab is swapped in and when the live
// strip reports that a simulation advanced (the "econsim-tick" event htmx triggers). Every
// chart shades the shocks in force and draws a dashed line where a day begins; its tooltip
// names the tick, the day and the shocks of that tick. Each chart's CSV link follows the range.
(function () {
  "use strict";
  const charts = new Map();
  const palette = ["#1f6feb", "#cf222e", "#1a7f37", "#8250df", "#bf8700"];
  const rangeFields = ["tick_from", "tick_to", "day_from", "day_to"];

  const MAX_DAY_LINES = 100;  // more would hide the series: every k-th day is marked instead

  function rangeParams(form) {
    const params = new URLSearchParams();
    for (const name of rangeFields) {
      const value = form.elements[name] && form.elements[name].value;
      if (value) params.set(name, value);
    }
    return params.toString() ? "?" + params : "";
  }

  function seriesUrl(form) {
    const select = form.elements.simulation;
    return select.options[select.selectedIndex].dataset.url + rangeParams(form);
  }

  function updateCsvLinks(form) {
    const select = form.elements.simulation;
    const base = select.options[select.selectedIndex].dataset.url;
    document.querySelectorAll("a[data-csv-chart]").forEach((link) => {
      link.href = base + link.dataset.csvChart + ".csv" + rangeParams(form);
    });
  }

  function fill(template, values) {
    return Object.entries(values).reduce((text, [key, value]) =>
      text.split("{" + key + "}").join(value), template || "");
  }

  // Shock bands and day lines, drawn under the series; the data sits on the chart as
  // chart.$econsim = {ticks, days, shocks}.
  const markers = {
    id: "econsimMarkers",
    beforeDatasetsDraw(chart) {
      const data = chart.$econsim;
      if (!data || !data.ticks.length) return;
      const { ctx, chartArea: area, scales: { x } } = chart;
      const step = data.ticks.length > 1 ? x.getPixelForValue(1) - x.getPixelForValue(0) : 8;
      ctx.save();
      let bands = 0;
      for (const shock of data.shocks) {
        const first = data.ticks.findIndex((tick) => tick >= shock.start);
        let last = -1;
        data.ticks.forEach((tick, i) => { if (tick <= shock.end) last = i; });
        if (first === -1 || last < first) continue;
        const left = Math.max(area.left, x.getPixelForValue(first) - step / 2);
        const right = Math.min(area.right, x.getPixelForValue(last) + step / 2);
        ctx.fillStyle = "rgba(207, 34, 46, 0.12)";
        ctx.fillRect(left, area.top, Math.max(right - left, 2), area.bottom - area.top);
        bands += 1;
      }
      const starts = [];
      data.days.forEach((day, i) => { if (i > 0 && day !== data.days[i - 1]) starts.push(i); });
      const every = Math.ceil(starts.length / MAX_DAY_LINES) || 1;
      ctx.strokeStyle = "rgba(101, 109, 118, 0.55)";
      ctx.setLineDash([4, 4]);
      ctx.lineWidth = 1;
      let lines = 0;
      starts.forEach((i, n) => {
        if (n % every) return;
        const px = (x.getPixelForValue(i - 1) + x.getPixelForValue(i)) / 2;
        ctx.beginPath();
        ctx.moveTo(px, area.top);
        ctx.lineTo(px, area.bottom);
        ctx.stroke();
        lines += 1;
      });
      ctx.restore();
      chart.canvas.dataset.shockBands = String(bands);
      chart.canvas.dataset.dayLines = String(lines);
    },
  };

  function tooltipCallbacks(form) {
    return {
      title: (items) => {
        const data = items[0].chart.$econsim, i = items[0].dataIndex;
        return fill(form.dataset.pointTitle, { tick: data.ticks[i], day: data.days[i] });
      },
      afterBody: (items) => {
        const data = items[0].chart.$econsim, tick = data.ticks[items[0].dataIndex];
        return data.shocks.filter((s) => s.start <= tick && tick <= s.end)
          .map((s) => fill(form.dataset.shockLine, s));
      },
    };
  }

  function forget() {
    // Canvases replaced by a tab swap take their charts with them.
    for (const [canvas, chart] of charts) {
      if (!canvas.isConnected) { chart.destroy(); charts.delete(canvas); }
    }
  }

  function draw(canvas, body, datasets, form) {
    let chart = charts.get(canvas);
    if (!chart) {
      chart = new window.Chart(canvas, {
        type: "line",
        data: { labels: body.ticks, datasets: datasets },
        plugins: [markers],
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          interaction: { mode: "index", intersect: false },
          scales: { x: { title: { display: true, text: form.dataset.xLabel || "tick" } } },
          plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } },
                     tooltip: { callbacks: tooltipCallbacks(form) } },
        },
      });
      charts.set(canvas, chart);
    }
    chart.$econsim = { ticks: body.ticks, days: body.days, shocks: body.shocks };
    chart.data.labels = body.ticks;
    chart.data.datasets = datasets;
    chart.update("none");
    canvas.dataset.points = String(body.ticks.length);
  }

  function showRatesNow(rates) {
    // The latest rates in words (ticks archived before the banks' rates were are gaps).
    const node = document.getElementById("rates-now");
    if (!node) return;
    node.hidden = !rates;
    if (!rates) return;
    const pct = (value) => value === null || value === undefined ? "—" : value.toFixed(2) + " %";
    node.textContent = node.dataset.template.replace("{tick}", rates.tick)
      .replace("{policy}", pct(rates.policy_rate)).replace("{loan}", pct(rates.avg_loan_rate))
      .replace("{deposit}", pct(rates.avg_deposit_rate));
  }

  async function load() {
    forget();
    const form = document.getElementById("economy-form");
    if (!form || !window.Chart) return;
    const errors = document.getElementById("economy-errors");
    updateCsvLinks(form);
    const response = await fetch(seriesUrl(form), { headers: { Accept: "application/json" } });
    let body;
    try { body = await response.json(); } catch (error) { body = { message: response.statusText }; }
    errors.textContent = response.ok ? "" : body.message;
    // A refused range draws nothing rather than the previous range's lines.
    if (!response.ok) body = { ticks: [], days: [], shocks: [], charts: {}, rates_now: null };
    const labelsNode = document.getElementById("series-labels");
    const names = labelsNode ? JSON.parse(labelsNode.textContent) : {};
    const ranged = rangeParams(form) !== "";
    document.getElementById("economy-empty").hidden = !response.ok || ranged
      || body.ticks.length > 0;
    const none = document.getElementById("economy-none-in-range");
    none.hidden = !response.ok || !ranged || body.ticks.length > 0;
    if (!none.hidden) none.textContent = fill(none.dataset.template,
                                              { tick: body.rates_now.tick });
    const shocks = document.getElementById("economy-shocks");
    shocks.hidden = body.shocks.length === 0;
    shocks.textContent = fill(shocks.dataset.template, { list: body.shocks.map((s) =>
      fill(form.dataset.shockLine, s)).join("; ") });
    showRatesNow(body.rates_now);
    const dense = body.ticks.length > 60;
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const datasets = (body.charts[canvas.dataset.chart] || []).map((series, i) => ({
        label: names[series.key] || series.key, data: series.data,
        borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length],
        pointRadius: dense ? 0 : 2, borderWidth: 2, tension: 0.1, spanGaps: true,
      }));
      draw(canvas, body, datasets, form);
    });
  }

  document.addEventListener("submit", (event) => {
    if (event.target.id !== "economy-form") return;
    event.preventDefault();
    const params = new URLSearchParams(new FormData(event.target));
    history.replaceState(null, "", "?" + params);
    load();
  });
  document.addEventListener("change", (event) => {
    if (event.target.id === "economy-simulation") load();
  });
  document.body.addEventListener("econsim-tick", load);
  // Back/forward between tabs restores the page's HTML, not its Chart.js instances.
  document.body.addEventListener("htmx:historyRestore", load);
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id === "tab-panel" || event.detail.elt.id === "tab-panel") load();
  });
  load();
})();
