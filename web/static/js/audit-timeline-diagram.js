/* The case diagram on the auditors' timeline, as it was right after the chosen event: the steps
   finished by then (green) and those waiting then (amber). The chosen event is in the container's
   data-progress-url (?upto=<event id>), set by the server; picking another step reloads the page.
   Loaded as a file, never inline, so that the strict Content-Security-Policy keeps working. */
(function () {
  "use strict";

  window.dfDiagram({
    containerId: "timeline-diagram",
    statusId: "timeline-diagram-status",
    dataUrl: "data-progress-url",
    label: "timeline diagram",
    decorate: function (viewer, progress) {
      window.dfDiagram.markProgress(viewer, progress);
      document.getElementById("timeline-diagram").setAttribute("data-drawn", "true");
    },
    room: 48,
    minHeight: 220,
    maxHeight: 720
  });
})();
