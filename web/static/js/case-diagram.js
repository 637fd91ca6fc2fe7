/* The case diagram: the BPMN the case runs on, drawn by the bpmn-js viewer, with finished steps
   (green) and the steps waiting now (amber) marked. Loaded as a file, never inline, so that a strict
   Content-Security-Policy (script-src 'self') keeps working. Messages come from data attributes,
   already translated by the server. */
(function () {
  "use strict";

  window.dfDiagram({
    containerId: "case-diagram",
    statusId: "case-diagram-status",
    dataUrl: "data-progress-url",
    label: "case diagram",
    decorate: function (viewer, progress) {
      window.dfDiagram.markProgress(viewer, progress);
    },
    room: 48,
    minHeight: 220,
    maxHeight: 720
  });
})();
