/* The case diagram: the BPMN the case runs on, drawn by the bpmn-js viewer, with finished steps
   (green) and the steps waiting now (amber) marked. Loaded as a file, never inline, so that a strict
   Content-Security-Policy (script-src 'self') keeps working. Messages come from data attributes,
   already translated by the server. */
(function () {
  "use strict";

  var container = document.getElementById("case-diagram");
  if (!container) {
    return;
  }
  var status = document.getElementById("case-diagram-status");

  function fail(error) {
    container.classList.add("diagram-failed");
    if (status) {
      status.textContent = container.getAttribute("data-failed-message") || "";
    }
    if (window.console && error) {
      window.console.error("case diagram:", error);
    }
  }

  function fetchOk(url, as) {
    return window.fetch(url, { credentials: "same-origin", headers: { Accept: as === "json" ? "application/json" : "application/xml" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(url + ": HTTP " + response.status);
        }
        return as === "json" ? response.json() : response.text();
      });
  }

  // Give the container the diagram's own proportions, so that a wide process is not drawn tiny in a
  // tall empty box (CSSOM, not a style attribute: allowed under a strict style-src).
  function fit(viewer) {
    var canvas = viewer.get("canvas");
    canvas.zoom("fit-viewport", "auto");
    var inner = canvas.viewbox().inner;
    if (inner.width > 0) {
      var height = container.clientWidth * (inner.height / inner.width) + 48;
      container.style.height = Math.round(Math.max(220, Math.min(720, height))) + "px";
      canvas.resized();
      canvas.zoom("fit-viewport", "auto");
    }
  }

  function mark(viewer, ids, marker) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    (ids || []).forEach(function (id) {
      if (registry.get(id)) {
        canvas.addMarker(id, marker);
      }
    });
  }

  if (typeof window.BpmnJS !== "function" || typeof window.fetch !== "function") {
    fail(new Error("bpmn-js viewer not loaded"));
    return;
  }

  var viewer = new window.BpmnJS({ container: container });
  Promise.all([
    fetchOk(container.getAttribute("data-xml-url"), "xml"),
    fetchOk(container.getAttribute("data-progress-url"), "json")
  ])
    .then(function (results) {
      return viewer.importXML(results[0]).then(function () {
        mark(viewer, results[1].completed, "df-done");
        mark(viewer, results[1].current, "df-current");
        fit(viewer);
        container.classList.add("diagram-ready");
      });
    })
    .catch(fail);

  // Keep the whole diagram in view when the window (or the phone) turns.
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(function () {
      if (container.classList.contains("diagram-ready")) {
        fit(viewer);
      }
    }, 200);
  });
})();
