// A multi-instance activity names its collections by variable (<bpmn:loopDataInputRef>recipients<…>),
// as SpiffWorkflow reads them; BPMN types these as references to elements, so bpmn-moddle drops a name
// no element carries and the file would lose them on export. Read them from the XML before import and
// hand each back as a reference to a detached element with that id, which exports as the same name.
const BPMN = 'http://www.omg.org/spec/BPMN/20100524/MODEL';
const REFS = ['loopDataInputRef', 'loopDataOutputRef'];

export function loopReferences(xml) {
  const found = {};
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  for (const loop of doc.getElementsByTagNameNS(BPMN, 'multiInstanceLoopCharacteristics')) {
    const owner = loop.parentElement && loop.parentElement.getAttribute('id');
    if (!owner) continue;
    for (const name of REFS) {
      const ref = Array.from(loop.children).find((child) => child.namespaceURI === BPMN && child.localName === name);
      if (ref && ref.textContent.trim()) (found[owner] = found[owner] || {})[name] = ref.textContent.trim();
    }
  }
  return found;
}

export function restoreLoopReferences(modeler, found) {
  const registry = modeler.get('elementRegistry');
  const moddle = modeler.get('moddle');
  for (const [owner, refs] of Object.entries(found)) {
    const element = registry.get(owner);
    const loop = element && element.businessObject.get('loopCharacteristics');
    if (!loop) continue;
    for (const [name, id] of Object.entries(refs)) {
      if (!loop.get(name)) loop.set(name, moddle.create('bpmn:Property', { id }));
    }
  }
}
