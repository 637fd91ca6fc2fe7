/* A process's diagram with, on each step, how many tasks wait there now and for how long on average
   (bpmn-js overlays). The numbers come from the page's JSON endpoint, already worded in the reader's
   language by the server; the table under the diagram says the same for screen readers. Loaded as a
   file, never inline, so that the strict Content-Security-Policy (script-src 'self') keeps working. */
(function () {
  "use strict";

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

  window.dfDiagram({
    containerId: "process-load-diagram",
    statusId: "process-load-status",
    dataUrl: "data-steps-url",
    label: "process diagram",
    decorate: show,
    // Room above the top row of steps for their badges.
    room: 96,
    minHeight: 260,
    maxHeight: 760
  });
})();
