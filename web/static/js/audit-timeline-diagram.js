/* The case diagram on the auditors' timeline, as it was right after the chosen event: the steps
   finished by then (green) and those waiting then (amber). The chosen event is in the container's
   data-progress-url (?upto=<event id>), set by the server; picking another step reloads the page.
   Loaded as a file, never inline, so that the strict Content-Security-Policy keeps working. */
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
    containerId: "timeline-diagram",
    statusId: "timeline-diagram-status",
    dataUrl: "data-progress-url",
    label: "timeline diagram",
    decorate: function (viewer, progress) {
      mark(viewer, progress.completed, "df-done");
      mark(viewer, progress.current, "df-current");
      document.getElementById("timeline-diagram").setAttribute("data-drawn", "true");
    },
    room: 48,
    minHeight: 220,
    maxHeight: 720
  });
})();
