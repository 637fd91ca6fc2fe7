// The form designer page: the form-js editor (the browser build of @bpmn-io/form-js) edits the design
// held in the form's "schema" field; on save the editor's schema is written back into that field.
// Without this script, or when the editor cannot open, the JSON in that field is edited directly.
(function () {
  'use strict';

  var container = document.getElementById('form-designer');
  var form = document.getElementById('form-designer-form');
  var field = document.getElementById('form-schema');
  var status = document.getElementById('form-designer-status');
  if (!container || !form || !field) {
    return;
  }

  function say(text) {
    if (status) {
      status.textContent = text || '';
    }
  }

  if (!window.FormEditor || !window.FormEditor.FormEditor) {
    say(container.dataset.failed);
    return;
  }

  var design;
  try {
    design = JSON.parse(field.value);
  } catch (error) {
    design = { type: 'default', components: [] };
  }

  say(container.dataset.loading);
  var editor = new window.FormEditor.FormEditor({ container: container });
  editor.importSchema(design).then(function () {
    container.classList.add('ready');
    say('');
  }).catch(function () {
    say(container.dataset.failed);
    editor = null;
  });

  form.addEventListener('submit', function () {
    if (editor) {
      field.value = JSON.stringify(editor.saveSchema());
    }
  });
}());
