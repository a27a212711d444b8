// The overview page: draws calls per day from the data the canvas carries (no inline script).
(function () {
  "use strict";
  var COLOURS = ["#0d6efd", "#0dcaf0", "#198754"];

  document.addEventListener("DOMContentLoaded", function () {
    var canvas = document.getElementById("calls-chart");
    if (!canvas || !window.Chart) { return; }
    var data = JSON.parse(canvas.dataset.chart);
    var rtl = document.documentElement.dir === "rtl";
    window.Chart.defaults.font.family = "Vazirmatn, system-ui, sans-serif";
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series, index) {
          return {label: series.label, data: series.values, borderColor: COLOURS[index],
                  backgroundColor: COLOURS[index], tension: 0.25, pointRadius: 2};
        })
      },
      options: {
        animation: false,
        locale: document.documentElement.lang === "fa" ? "fa-IR" : "en",
        scales: {x: {reverse: rtl}, y: {beginAtZero: true, position: rtl ? "right" : "left"}},
        plugins: {legend: {rtl: rtl, position: "bottom"}, tooltip: {rtl: rtl}},
        interaction: {mode: "index", intersect: false}
      }
    });
  });
})();
