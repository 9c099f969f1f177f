// One way to draw a chart (ECharts, served locally): no animation, resized with the window. Pages' scripts call it.
(function () {
  "use strict";
  window.pingguChart = (id, option) => {
    const el = document.getElementById(id);
    if (!el || !window.echarts) return;
    const chart = window.echarts.init(el);
    chart.setOption(Object.assign({ animation: false }, option));
    window.addEventListener("resize", () => chart.resize());
  };
})();
