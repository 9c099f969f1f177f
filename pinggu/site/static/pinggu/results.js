// Results charts (ECharts, served locally). Data comes from a JSON block, no inline script.
(function () {
  "use strict";
  const source = document.getElementById("results-chart-data");
  if (!source || !window.echarts || !window.pingguChart) return;
  const data = JSON.parse(source.textContent);
  const make = window.pingguChart;
  make("chart-bins", {
    title: { text: data.labels.bins, textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.bins },
    yAxis: { type: "value", minInterval: 1, name: data.labels.units },
    series: [{ type: "bar", color: "#0d6efd", data: data.counts }],
  });
  make("chart-grades", {
    title: { text: data.labels.grades, textStyle: { fontSize: 14 } },
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: "60%", data: data.grades }],
  });
})();
