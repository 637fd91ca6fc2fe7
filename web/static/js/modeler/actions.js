// The toolbar: save a draft (optimistic: the revision it was opened at), validate on the server
// and list the problems (each selects its element on the canvas), hand the XML to the deploy preview.

const PROBLEM_MARKER = 'modeler-problem';

function post(url, fields, token) {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value == null ? '' : String(value));
  return fetch(url, { method: 'POST', body, headers: { 'X-CSRFToken': token }, credentials: 'same-origin' });
}

async function answer(response) {
  try {
    return await response.json();
  } catch (_) {
    return {};
  }
}

export function wireActions(modeler, root, labels) {
  const status = root.querySelector('#modeler-status');
  const problemsBox = root.querySelector('#modeler-problems');
  const note = root.querySelector('#modeler-note');
  const state = { draftId: root.dataset.draftId, revision: root.dataset.revision, marked: [] };
  const token = root.dataset.csrfToken;
  const say = (text, isError) => {
    status.textContent = text;
    status.classList.toggle('error', Boolean(isError));
  };
  const xml = async () => (await modeler.saveXML({ format: true })).xml;

  async function save(asNew) {
    say(labels.saving);
    try {
      const fields = { xml: await xml(), note: note.value, base_version: root.dataset.baseVersion };
      if (!asNew && state.draftId) Object.assign(fields, { draft_id: state.draftId, revision: state.revision });
      const response = await post(root.dataset.saveUrl, fields, token);
      const data = await answer(response);
      if (!response.ok) return say(data.error || labels.failed, true);
      state.draftId = String(data.draft_id);
      state.revision = String(data.revision);
      root.dataset.draftId = state.draftId;
      root.dataset.revision = state.revision;
      window.history.replaceState(null, '', data.url);
      return say(data.message);
    } catch (_) {
      return say(labels.failed, true);
    }
  }

  function clearMarks() {
    const canvas = modeler.get('canvas');
    for (const id of state.marked) canvas.removeMarker(id, PROBLEM_MARKER);
    state.marked = [];
  }

  function show(problems) {
    const registry = modeler.get('elementRegistry');
    const canvas = modeler.get('canvas');
    clearMarks();
    problemsBox.replaceChildren();
    if (!problems.length) {
      problemsBox.hidden = true;
      return say(labels.valid);
    }
    const heading = document.createElement('p');
    heading.textContent = labels.problems;
    const list = document.createElement('ul');
    for (const problem of problems) {
      const item = document.createElement('li');
      const element = problem.element_id ? registry.get(problem.element_id) : null;
      const where = problem.element_id
        ? `${problem.element_id}${problem.element_name ? ` (${problem.element_name})` : ''}`
        : labels.whole_file;
      const text = `${where}: ${problem.message}${problem.hint ? ` — ${problem.hint}` : ''}`;
      if (element) {
        canvas.addMarker(element.id, PROBLEM_MARKER);
        state.marked.push(element.id);
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'link modeler-problem-link';
        button.dataset.elementId = element.id;
        button.textContent = text;
        button.addEventListener('click', () => {
          modeler.get('selection').select(element);
          canvas.scrollToElement(element);
        });
        item.append(button);
      } else {
        item.textContent = text;
      }
      list.append(item);
    }
    problemsBox.append(heading, list);
    problemsBox.hidden = false;
    return say('');
  }

  async function validate() {
    say(labels.checking);
    try {
      const response = await post(root.dataset.validateUrl, { xml: await xml() }, token);
      const data = await answer(response);
      if (!response.ok) return say(data.error || labels.failed, true);
      return show(data.problems || []);
    } catch (_) {
      return say(labels.failed, true);
    }
  }

  root.querySelector('#modeler-save').addEventListener('click', () => save(false));
  root.querySelector('#modeler-save-new').addEventListener('click', () => save(true));
  root.querySelector('#modeler-validate').addEventListener('click', validate);
  const deploy = root.querySelector('#modeler-deploy');
  deploy.addEventListener('submit', async (event) => {
    event.preventDefault();
    deploy.elements.xml.value = await xml();
    deploy.elements.note.value = note.value;
    deploy.submit();
  });
}
