// Dashboard charts (ECharts, served locally). Data comes from a JSON block, no inline script.
(function () {
  "use strict";
  const source = document.getElementById("chart-data");
  if (!source || !window.echarts || !window.pingguChart) return;
  const data = JSON.parse(source.textContent);
  const make = window.pingguChart;
  // Units first (what the organizer asks: how many have submitted), stacked by how; points completion beside.
  const kindNames = data.kinds.map((k) => k.name);
  make("chart-kinds", {
    title: { text: data.labels.kinds, textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" },
    legend: { bottom: 0, itemWidth: 12, textStyle: { fontSize: 11 } },
    grid: { bottom: 84, containLabel: true },  // the legend wraps to two lines under the kind names
    xAxis: { type: "category", data: kindNames },
    yAxis: [{ type: "value", minInterval: 1 }, { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }],
    series: [
      { name: data.labels.submitted, type: "bar", stack: "units", color: "#198754",
        data: data.kinds.map((k) => k.submitted - k.incomplete) },
      { name: data.labels.incomplete, type: "bar", stack: "units", color: "#997404", data: data.kinds.map((k) => k.incomplete) },
      { name: data.labels.returned, type: "bar", stack: "units", color: "#fd7e14", data: data.kinds.map((k) => k.returned) },
      { name: data.labels.notSubmitted, type: "bar", stack: "units", color: "#ced4da",
        data: data.kinds.map((k) => k.units - k.submitted - k.returned) },
      { name: data.labels.points, type: "line", yAxisIndex: 1, color: "#0d6efd", data: data.kinds.map((k) => k.points_percent),
        label: { show: true, position: "top", formatter: "{c}%" } },
    ],
  });
  make("chart-days", {
    title: { text: data.labels.days.replace("%(d)s", data.deadline), textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.days },
    yAxis: { type: "value", max: data.units, minInterval: 1 },
    series: [{ type: "line", data: data.cumulative, areaStyle: {},
      markLine: { symbol: "none", data: [{ xAxis: data.deadline, label: { formatter: data.labels.deadline } }] } }],
  });
  make("chart-empty", {
    title: { text: data.labels.empty, textStyle: { fontSize: 14 } },
    // ECharts puts a formatter's string into innerHTML: escape the checkpoint text, which is data.
    tooltip: { formatter: (p) => {
      const e = data.empty[p.dataIndex];
      return window.echarts.format.encodeHTML(e.kind + " " + e.code + "：" + e.text + "… " + data.labels.emptyCount + " " + p.value);
    } },
    grid: { left: 60 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: data.empty.map((e) => e.code), axisLabel: { interval: 0 } },
    series: [{ type: "bar", data: data.empty.map((e) => e.empty) }],
  });
})();
