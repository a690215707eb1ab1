/* The dashboard's yearly trend charts. Each <figure data-trend> carries its figures as JSON in a data
   attribute (no inline script: the CSP forbids it) and a table of the same figures, which stays for
   screen readers and when scripts do not run. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return;
  }
  document.querySelectorAll("figure[data-trend]").forEach(function (figure) {
    var data = JSON.parse(figure.getAttribute("data-trend"));
    var canvas = figure.querySelector("canvas");
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.years,
        datasets: [
          {
            label: figure.getAttribute("data-label-actual"),
            data: data.actual,
            borderColor: "#0d6efd",
            backgroundColor: "#0d6efd",
            segment: {
              // A phase window counts again from zero: no line joins it to the previous one.
              borderColor: function (context) {
                var since = data.since;
                return since[context.p0DataIndex] === since[context.p1DataIndex] ? undefined : "transparent";
              },
            },
          },
          {
            label: figure.getAttribute("data-label-target"),
            data: data.target,
            borderColor: "#6c757d",
            backgroundColor: "#6c757d",
            borderDash: [6, 4],
            pointRadius: 0,
            stepped: "middle",
          },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        responsive: true,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      },
    });
    figure.classList.add("has-chart");
    var table = figure.querySelector("details");
    if (table) {
      table.open = false;
    }
  });
})();
