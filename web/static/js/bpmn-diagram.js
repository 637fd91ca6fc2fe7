/* One BPMN diagram on a page, drawn by the bpmn-js viewer: the case diagram and the supervisors'
   process diagram share this. The container names the XML and the figures to fetch (data-xml-url,
   and the attribute given as `dataUrl`); `decorate` marks the diagram with the figures once drawn.
   The container then takes the diagram's own proportions (CSSOM, not a style attribute: allowed under
   a strict style-src) and keeps them when the window turns. Failures show the container's
   data-failed-message, already translated by the server. Loaded as a file, never inline, so that the
   strict Content-Security-Policy (script-src 'self') keeps working. */
window.dfDiagram = function (options) {
  "use strict";

  var container = document.getElementById(options.containerId);
  if (!container) {
    return;
  }
  var status = document.getElementById(options.statusId);

  function fail(error) {
    container.classList.add("diagram-failed");
    if (status) {
      status.textContent = container.getAttribute("data-failed-message") || "";
    }
    if (window.console && error) {
      window.console.error(options.label + ":", error);
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

  function fit(viewer) {
    var canvas = viewer.get("canvas");
    canvas.zoom("fit-viewport", "auto");
    var inner = canvas.viewbox().inner;
    if (inner.width > 0) {
      var height = container.clientWidth * (inner.height / inner.width) + options.room;
      container.style.height = Math.round(Math.max(options.minHeight, Math.min(options.maxHeight, height))) + "px";
      canvas.resized();
      canvas.zoom("fit-viewport", "auto");
    }
  }

  if (typeof window.BpmnJS !== "function" || typeof window.fetch !== "function") {
    fail(new Error("bpmn-js viewer not loaded"));
    return;
  }

  var viewer = new window.BpmnJS({ container: container });
  Promise.all([
    fetchOk(container.getAttribute("data-xml-url"), "xml"),
    fetchOk(container.getAttribute(options.dataUrl), "json")
  ])
    .then(function (results) {
      return viewer.importXML(results[0]).then(function () {
        options.decorate(viewer, results[1]);
        fit(viewer);
        container.classList.add("diagram-ready");
      });
    })
    .catch(fail);

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(function () {
      if (container.classList.contains("diagram-ready")) {
        fit(viewer);
      }
    }, 200);
  });
};

/* A case's progress on its diagram: the steps finished (green, df-done) and those waiting (amber,
   df-current); ids the diagram does not hold are skipped. */
window.dfDiagram.markProgress = function (viewer, progress) {
  var canvas = viewer.get("canvas");
  var registry = viewer.get("elementRegistry");
  [["completed", "df-done"], ["current", "df-current"]].forEach(function (pair) {
    (progress[pair[0]] || []).forEach(function (id) {
      if (registry.get(id)) {
        canvas.addMarker(id, pair[1]);
      }
    });
  });
};
