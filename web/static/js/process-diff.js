/* The visual diff of a process (web/admin/diffs.py): each .process-diff holds an old and a new diagram,
   drawn by the bpmn-js viewer from a URL (data-xml-url) or from the file being previewed, which the page
   carries in a textarea (data-xml-source); the markers come from the section's data-marks, computed by
   the server: the old diagram shows removed (red) and changed (amber), the new one added (green) and
   changed. Ids the diagram does not draw are skipped. Loaded as a file, never inline, so that the strict
   Content-Security-Policy (script-src 'self') keeps working; messages come already translated. */
(function () {
  "use strict";

  function source(container) {
    var url = container.getAttribute("data-xml-url");
    if (url) {
      return window.fetch(url, { credentials: "same-origin", headers: { Accept: "application/xml" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(url + ": HTTP " + response.status);
          }
          return response.text();
        });
    }
    var holder = document.getElementById(container.getAttribute("data-xml-source"));
    return Promise.resolve(holder ? holder.value : "");
  }

  function draw(container, marks) {
    var viewer = new window.BpmnJS({ container: container });
    return source(container)
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var registry = viewer.get("elementRegistry");
        var canvas = viewer.get("canvas");
        Object.keys(marks).forEach(function (id) {
          if (registry.get(id)) {
            canvas.addMarker(id, "df-" + marks[id]);
          }
        });
        canvas.zoom("fit-viewport", "auto");
        container.classList.add("diagram-ready");
      });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".process-diff"), function (section) {
      var status = section.querySelector(".diff-status");
      var marks = JSON.parse(section.getAttribute("data-marks") || "{}");
      function fail(error) {
        if (status) {
          status.textContent = section.getAttribute("data-failed-message") || "";
        }
        if (window.console && error) {
          window.console.error("process diff:", error);
        }
      }
      if (typeof window.BpmnJS !== "function" || typeof window.fetch !== "function") {
        fail(new Error("bpmn-js viewer not loaded"));
        return;
      }
      var old = section.querySelector(".diff-old");
      var neu = section.querySelector(".diff-new");
      var drawn = [];
      if (old) {
        drawn.push(draw(old, marks.old || {}));
      }
      if (neu) {
        drawn.push(draw(neu, marks["new"] || {}));
      }
      Promise.all(drawn).then(function () {
        section.classList.add("diff-ready");
      }).catch(fail);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
