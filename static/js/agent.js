// An agent's page: its balance sheet over ticks (money figures, in currency units), drawn
// with Chart.js from the JSON the page carries. The tooltip names the tick and the day.
(function () {
  "use strict";
  const source = document.getElementById("balance-chart");
  const canvas = document.getElementById("balance-canvas");
  if (!source || !canvas || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const palette = ["#1f6feb", "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#0a7ea4", "#953800"];
  const number = new Intl.NumberFormat(document.documentElement.lang || undefined,
    { maximumFractionDigits: 2 });
  function fill(template, values) {
    return Object.entries(values).reduce((text, [key, value]) =>
      text.split("{" + key + "}").join(value), template || "");
  }
  canvas.$chart = new Chart(canvas, {
    type: "line",
    data: {
      labels: data.ticks,
      datasets: data.series.map((s, i) => ({
        label: s.label, data: s.values, borderColor: palette[i % palette.length],
        backgroundColor: palette[i % palette.length], pointRadius: 0, borderWidth: 2,
        spanGaps: true,
      })),
    },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { title: { display: true, text: canvas.dataset.xLabel }, ticks: { maxTicksLimit: 8 } },
        y: { ticks: { callback: (value) => number.format(value) } },
      },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 12 } },
        tooltip: {
          callbacks: {
            title: (items) => items.length ? fill(canvas.dataset.pointTitle, {
              tick: data.ticks[items[0].dataIndex], day: data.days[items[0].dataIndex] }) : "",
            label: (item) => item.dataset.label + ": " + number.format(item.parsed.y),
          },
        },
      },
    },
  });
  canvas.dataset.drawn = "1";
})();
