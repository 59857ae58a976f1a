// The economy tab: one Chart.js line chart per canvas, fed by the series endpoint (history
// aggregates). Redrawn when the range changes, when the tab is swapped in and when the live
// strip reports that a simulation advanced (the "econsim-tick" event htmx triggers).
(function () {
  "use strict";
  const charts = new Map();
  const palette = ["#1f6feb", "#cf222e", "#1a7f37", "#8250df", "#bf8700"];
  const rangeFields = ["tick_from", "tick_to", "day_from", "day_to"];

  function seriesUrl(form) {
    const select = form.elements.simulation;
    const params = new URLSearchParams();
    for (const name of rangeFields) {
      const value = form.elements[name] && form.elements[name].value;
      if (value) params.set(name, value);
    }
    const base = select.options[select.selectedIndex].dataset.url;
    return params.toString() ? base + "?" + params : base;
  }

  function errorText(errors) {
    return Object.entries(errors || {}).map(([field, list]) =>
      field + ": " + list.map((e) => e.message).join(" ")).join("; ");
  }

  function forget() {
    // Canvases replaced by a tab swap take their charts with them.
    for (const [canvas, chart] of charts) {
      if (!canvas.isConnected) { chart.destroy(); charts.delete(canvas); }
    }
  }

  function draw(canvas, ticks, datasets, xLabel) {
    let chart = charts.get(canvas);
    if (!chart) {
      chart = new window.Chart(canvas, {
        type: "line",
        data: { labels: ticks, datasets: datasets },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          interaction: { mode: "index", intersect: false },
          scales: { x: { title: { display: true, text: xLabel } } },
          plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        },
      });
      charts.set(canvas, chart);
    } else {
      chart.data.labels = ticks;
      chart.data.datasets = datasets;
      chart.update("none");
    }
    canvas.dataset.points = String(ticks.length);
  }

  function showRatesNow(rates) {
    // The banks' average loan and deposit rates are public now but not archived per tick.
    const node = document.getElementById("rates-now");
    if (!node || !rates) return;
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
    const response = await fetch(seriesUrl(form), { headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) { errors.textContent = errorText(body.errors); return; }
    errors.textContent = "";
    const labelsNode = document.getElementById("series-labels");
    const names = labelsNode ? JSON.parse(labelsNode.textContent) : {};
    document.getElementById("economy-empty").hidden = body.ticks.length > 0;
    showRatesNow(body.rates_now);
    const dense = body.ticks.length > 60;
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const datasets = (body.charts[canvas.dataset.chart] || []).map((series, i) => ({
        label: names[series.key] || series.key, data: series.data,
        borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length],
        pointRadius: dense ? 0 : 2, borderWidth: 2, tension: 0.1, spanGaps: true,
      }));
      draw(canvas, body.ticks, datasets, form.dataset.xLabel || "tick");
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
