// Reading and writing the settings the engine reads from a BPMN element (engine/definitions.py,
// engine/task_rows.py): <spiffworkflow:property name=… value=…/> inside extensionElements.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

export function spiffProperties(element) {
  const extension = getBusinessObject(element).get('extensionElements');
  if (!extension) return null;
  return extension.get('values').find((value) => is(value, 'spiffworkflow:Properties')) || null;
}

export function getProperty(element, name) {
  const properties = spiffProperties(element);
  if (!properties) return '';
  const found = properties.get('properties').find((p) => p.name === name);
  return found ? found.value || '' : '';
}

// One undoable command: create extensionElements and the properties list when missing, then add,
// change or (for an empty value) remove the property.
export function setProperty(injector, element, name, value) {
  const bpmnFactory = injector.get('bpmnFactory');
  const commandStack = injector.get('commandStack');
  const owner = getBusinessObject(element);
  const commands = [];
  const update = (moddleElement, properties) =>
    commands.push({ cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties } });
  const text = (value || '').trim();
  let extension = owner.get('extensionElements');
  let properties = spiffProperties(element);
  const existing = properties ? properties.get('properties').find((p) => p.name === name) : null;
  if (!text) {
    if (existing) update(properties, { properties: properties.get('properties').filter((p) => p !== existing) });
  } else if (existing) {
    update(existing, { value: text });
  } else {
    if (!extension) {
      extension = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
      extension.$parent = owner;
      update(owner, { extensionElements: extension });
    }
    if (!properties) {
      properties = bpmnFactory.create('spiffworkflow:Properties', { properties: [] });
      properties.$parent = extension;
      update(extension, { values: [...extension.get('values'), properties] });
    }
    const property = bpmnFactory.create('spiffworkflow:Property', { name, value: text });
    property.$parent = properties;
    update(properties, { properties: [...properties.get('properties'), property] });
  }
  if (commands.length) commandStack.execute('properties-panel.multi-command-executor', commands);
}
