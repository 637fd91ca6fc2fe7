/* Charts of the on-time rate per unit and per month (chart.js), drawn from the tables under them so
   that the picture and the table a screen reader reads can never disagree. Loaded as a file, never
   inline (strict Content-Security-Policy); labels come from data attributes the server translated. */
(function () {
  "use strict";

  var canvases = document.querySelectorAll("canvas[data-kind]");
  if (!canvases.length) {
    return;
  }
  var status = document.getElementById("charts-status");

  if (typeof window.Chart !== "function") {
    if (status) {
      status.textContent = status.getAttribute("data-failed-message") || "";
    }
    return;
  }

  function rowsOf(table) {
    var rows = [];
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr[data-name]"), function (row) {
      var rate = row.getAttribute("data-rate");
      rows.push({ label: row.getAttribute("data-name"), rate: rate === "" ? null : Number(rate) });
    });
    return rows;
  }

  // Green from 90 %, amber from 70 %, red below: the colours only repeat what the numbers say.
  function colour(rate) {
    if (rate === null) {
      return "#b0b7c0";
    }
    return rate >= 90 ? "#1e7b3a" : rate >= 70 ? "#b26b00" : "#b3261e";
  }

  // On a narrow screen a unit's long name is cut (the tooltip and the table keep it whole).
  function shortName(value) {
    var name = String(this.getLabelForValue(value));
    var room = window.innerWidth < 600 ? 22 : 48;
    return name.length > room ? name.slice(0, room - 1) + "…" : name;
  }

  function draw(canvas) {
    var table = document.querySelector("table[data-chart='" + canvas.id + "']");
    if (!table) {
      return;
    }
    var rows = rowsOf(table);
    var byUnit = canvas.getAttribute("data-kind") === "units";
    if (byUnit) {
      // One bar per unit, tall enough to read every name.
      canvas.parentNode.style.height = Math.max(160, rows.length * 26 + 60) + "px";
    }
    var axis = { min: 0, max: 100, title: { display: true, text: canvas.getAttribute("data-axis-label") || "%" } };
    var chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (row) { return row.label; }),
        datasets: [{
          label: canvas.getAttribute("data-axis-label") || "%",
          data: rows.map(function (row) { return row.rate; }),
          backgroundColor: rows.map(function (row) { return colour(row.rate); }),
          maxBarThickness: 28,
          // A unit at 0 % still shows a sliver of red, so that it does not read as "no data".
          minBarLength: 3
        }]
      },
      options: {
        indexAxis: byUnit ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (context) {
                return context.raw === null ? "—" : context.raw.toLocaleString(document.documentElement.lang || "vi") + " %";
              }
            }
          }
        },
        scales: byUnit ? { x: axis, y: { ticks: { autoSkip: false, callback: shortName } } } : { y: axis }
      }
    });
    canvas.setAttribute("data-ready", "true");
    return chart;
  }

  Array.prototype.forEach.call(canvases, draw);
})();
