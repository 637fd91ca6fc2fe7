// The modeler page (web/admin/templates/admin/modeler.html): bpmn-js Modeler with its properties
// panel and our provider, the lists it offers fetched from the server, the toolbar's actions.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import spiffworkflow from './spiffworkflow.json';
import DirectivePropertiesProvider from './provider';
import { translateModule } from './translate';
import { wireActions } from './actions';
import { loopReferences, restoreLoopReferences } from './loop_refs';

const EMPTY = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="definitions_new_process" targetNamespace="urn:directive-flow:bpmn">
  <bpmn:process id="new_process" isExecutable="true">
    <bpmn:startEvent id="start" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram_new_process">
    <bpmndi:BPMNPlane id="plane_new_process" bpmnElement="new_process">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="180" y="160" width="36" height="36" /></bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>`;

async function json(url) {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

async function start() {
  const root = document.getElementById('modeler');
  if (!root) return;
  const labels = JSON.parse(root.dataset.labels);
  const status = root.querySelector('#modeler-status');
  try {
    const [roles, forms, processes, xml] = await Promise.all([
      json(root.dataset.rolesUrl),
      json(root.dataset.formsUrl),
      json(root.dataset.processesUrl),
      root.dataset.xmlUrl ? fetch(root.dataset.xmlUrl, { credentials: 'same-origin' }).then((r) => r.text()) : EMPTY,
    ]);
    const config = { labels, roles, forms, processes, formDesignerUrl: root.dataset.formDesignerUrl };
    const modeler = new BpmnModeler({
      container: root.querySelector('#modeler-canvas'),
      propertiesPanel: { parent: root.querySelector('#modeler-panel') },
      additionalModules: [
        BpmnPropertiesPanelModule,
        BpmnPropertiesProviderModule,
        { __init__: ['directivePropertiesProvider'], directivePropertiesProvider: ['type', DirectivePropertiesProvider], modelerConfig: ['value', config] },
        translateModule(labels.ui || {}),
      ],
      moddleExtensions: { spiffworkflow },
    });
    await modeler.importXML(xml);
    restoreLoopReferences(modeler, loopReferences(xml));
    modeler.get('canvas').zoom('fit-viewport');
    root.dataset.ready = 'true';
    wireActions(modeler, root, labels);
    window.directiveModeler = modeler;
  } catch (error) {
    status.textContent = `${labels.load_failed} ${error.message || ''}`;
    status.classList.add('error');
  }
}

document.addEventListener('DOMContentLoaded', start);
