// A backtest's results: one Chart.js line chart per figure, the arms side by side (money in
// currency units, shares in percent points), drawn from the JSON the page carries. The
// tooltip names the tick and the day.
(function () {
  "use strict";
  const source = document.getElementById("lab-charts");
  const section = document.querySelector("[data-testid=lab-charts]");
  if (!source || !section || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const palette = ["#1f6feb", "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#0a7ea4"];
  const lang = document.documentElement.lang || undefined;
  const whole = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
  const small = new Intl.NumberFormat(lang, { maximumSignificantDigits: 3 });
  // Small differences (an index moving by 0.001) keep three significant digits.
  const number = { format: (v) => (v !== 0 && Math.abs(v) < 1 ? small : whole).format(v) };
  function fill(template, values) {
    return Object.entries(values).reduce((text, [key, value]) =>
      text.split("{" + key + "}").join(value), template || "");
  }
  section.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const chart = data.charts[Number(canvas.dataset.chart)];
    // The macro charts have no line for the first arm (it is the reference): keep colours.
    const offset = chart.key.startsWith("macro_") ? 1 : 0;
    canvas.$chart = new Chart(canvas, {
      type: "line",
      data: {
        labels: data.ticks,
        datasets: chart.series.map((s, i) => ({
          label: s.label, data: s.values, borderColor: palette[(i + offset) % palette.length],
          backgroundColor: palette[(i + offset) % palette.length], pointRadius: 0,
          borderWidth: 2, spanGaps: true,
        })),
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { title: { display: true, text: section.dataset.xLabel }, ticks: { maxTicksLimit: 8 } },
          y: { ticks: { callback: (value) => number.format(value) } },
        },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              title: (items) => items.length ? fill(section.dataset.pointTitle, {
                tick: data.ticks[items[0].dataIndex], day: data.days[items[0].dataIndex] }) : "",
              label: (item) => item.dataset.label + ": " + number.format(item.parsed.y),
            },
          },
        },
      },
    });
    canvas.dataset.drawn = "1";
  });
  section.dataset.drawn = "1";
})();
