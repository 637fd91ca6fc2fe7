/* The case diagram: the BPMN the case runs on, drawn by the bpmn-js viewer, with finished steps
   (green) and the steps waiting now (amber) marked. Loaded as a file, never inline, so that a strict
   Content-Security-Policy (script-src 'self') keeps working. Messages come from data attributes,
   already translated by the server. */
(function () {
  "use strict";

  function mark(viewer, ids, marker) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    (ids || []).forEach(function (id) {
      if (registry.get(id)) {
        canvas.addMarker(id, marker);
      }
    });
  }

  window.dfDiagram({
    containerId: "case-diagram",
    statusId: "case-diagram-status",
    dataUrl: "data-progress-url",
    label: "case diagram",
    decorate: function (viewer, progress) {
      mark(viewer, progress.completed, "df-done");
      mark(viewer, progress.current, "df-current");
    },
    room: 48,
    minHeight: 220,
    maxHeight: 720
  });
})();
