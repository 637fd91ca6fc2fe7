/* A process's diagram with, on each step, how many tasks wait there now and for how long on average
   (bpmn-js overlays). The numbers come from the page's JSON endpoint, already worded in the reader's
   language by the server; the table under the diagram says the same for screen readers. Loaded as a
   file, never inline, so that the strict Content-Security-Policy (script-src 'self') keeps working. */
(function () {
  "use strict";

  var container = document.getElementById("process-load-diagram");
  if (!container) {
    return;
  }
  var status = document.getElementById("process-load-status");

  function fail(error) {
    container.classList.add("diagram-failed");
    if (status) {
      status.textContent = container.getAttribute("data-failed-message") || "";
    }
    if (window.console && error) {
      window.console.error("process diagram:", error);
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
      // Room above the top row of steps for their badges.
      var height = container.clientWidth * (inner.height / inner.width) + 96;
      container.style.height = Math.round(Math.max(260, Math.min(760, height))) + "px";
      canvas.resized();
      canvas.zoom("fit-viewport", "auto");
    }
  }

  function line(className, text) {
    var element = document.createElement("span");
    element.className = className;
    element.textContent = text;
    return element;
  }

  // Text only (textContent): nothing from the server is read as HTML.
  function badge(step) {
    var element = document.createElement("div");
    element.className = "load-badge" + (step.units_label && !step.waiting ? " load-badge-units" : "");
    element.setAttribute("data-step", step.id);
    if (step.waiting) {
      element.appendChild(line("load-count", String(step.waiting)));
      element.appendChild(line("load-average", step.average_label));
    }
    if (step.units_label) {
      element.appendChild(line("load-units", step.units_label));
    }
    element.title = step.name + ": " + [step.waiting_label, step.average_label, step.units_label].filter(Boolean).join("; ");
    return element;
  }

  function show(viewer, figures) {
    var registry = viewer.get("elementRegistry");
    var overlays = viewer.get("overlays");
    var canvas = viewer.get("canvas");
    (figures.steps || []).forEach(function (step) {
      if (!registry.get(step.id) || (!step.waiting && !step.units_label)) {
        return;
      }
      if (step.waiting) {
        canvas.addMarker(step.id, "df-waiting");
      }
      // Follows the zoom, but never shrinks below legibility.
      overlays.add(step.id, "df-load", { position: { bottom: -4, left: -4 }, scale: { min: 0.95 }, html: badge(step) });
    });
  }

  if (typeof window.BpmnJS !== "function" || typeof window.fetch !== "function") {
    fail(new Error("bpmn-js viewer not loaded"));
    return;
  }

  var viewer = new window.BpmnJS({ container: container });
  Promise.all([
    fetchOk(container.getAttribute("data-xml-url"), "xml"),
    fetchOk(container.getAttribute("data-steps-url"), "json")
  ])
    .then(function (results) {
      return viewer.importXML(results[0]).then(function () {
        show(viewer, results[1]);
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
})();
