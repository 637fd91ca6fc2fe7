// The panel's group of settings the engine reads, in plain labelled entries: which role a lane
// means, a user task's form, due rule, urgency and unit, timers, flow conditions, the called process,
// and the English name of any named element (shown on pages drawn in English).
import { h } from '@bpmn-io/properties-panel/preact';
import { SelectEntry, TextFieldEntry, isSelectEntryEdited, isTextFieldEntryEdited } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';
import { getProperty, setProperty } from './properties';

const USER_TASK_PROPERTIES = [
  ['dueDate', 'due', 'due_hint'],
  ['priority', 'priority', null],
  ['candidateUnit', 'candidate_unit', null],
];
const TIMER_KINDS = ['timeDuration', 'timeDate', 'timeCycle'];

function withCurrent(options, current, labels) {
  // A value the lists do not know stays visible (and selected) rather than silently lost.
  const known = options.some((o) => o.value === current);
  const head = [{ value: '', label: labels.none }];
  return current && !known ? [...head, { value: current, label: `${current} ${labels.unknown}` }, ...options] : [...head, ...options];
}

function PropertyText(props) {
  const { element, id, name, label, description } = props;
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  return h(TextFieldEntry, {
    element, id, label, description, debounce,
    getValue: () => getProperty(element, name),
    setValue: (value) => setProperty(injector, element, name, value),
  });
}

function LaneRole(props) {
  const { element, id } = props;
  const config = useService('modelerConfig');
  const modeling = useService('modeling');
  const registry = useService('elementRegistry');
  const { labels } = config;
  const current = element.id;
  const getOptions = () => {
    const roles = config.roles.map((role) => {
      const taken = role.value !== current && registry.get(role.value);
      return taken ? { value: role.value, label: `${role.label} ${labels.role_taken}`, disabled: true } : role;
    });
    return withCurrent(roles, config.roles.some((r) => r.value === current) ? current : '', labels);
  };
  return h(SelectEntry, {
    element, id, label: labels.lane_role, description: labels.lane_role_hint, getOptions,
    getValue: () => (config.roles.some((r) => r.value === current) ? current : ''),
    setValue: (value) => { if (value && !registry.get(value)) modeling.updateProperties(element, { id: value }); },
  });
}

function FormKey(props) {
  const { element, id } = props;
  const config = useService('modelerConfig');
  const injector = useService('injector');
  const { labels } = config;
  return h(SelectEntry, {
    element, id, label: labels.form, description: labels.form_hint,
    getOptions: () => withCurrent(config.forms, getProperty(element, 'formKey'), labels),
    getValue: () => getProperty(element, 'formKey'),
    setValue: (value) => setProperty(injector, element, 'formKey', value),
  });
}

function FormDesignerLink() {
  const config = useService('modelerConfig');
  return h('a', { class: 'modeler-link', href: config.formDesignerUrl, target: '_blank', rel: 'noopener' }, config.labels.form_designer);
}

function timerDefinition(element) {
  const definitions = getBusinessObject(element).get('eventDefinitions') || [];
  return definitions.find((d) => is(d, 'bpmn:TimerEventDefinition')) || null;
}

function timerKind(timer) {
  return TIMER_KINDS.find((kind) => timer.get(kind)) || '';
}

function TimerKind(props) {
  const { element, id } = props;
  const config = useService('modelerConfig');
  const commandStack = useService('commandStack');
  const bpmnFactory = useService('bpmnFactory');
  const { labels } = config;
  const timer = timerDefinition(element);
  const names = { timeDuration: labels.timer_duration, timeDate: labels.timer_date, timeCycle: labels.timer_cycle };
  return h(SelectEntry, {
    element, id, label: labels.timer_kind,
    getOptions: () => [{ value: '', label: labels.none }, ...TIMER_KINDS.map((k) => ({ value: k, label: names[k] }))],
    getValue: () => timerKind(timer),
    setValue: (kind) => {
      const old = timerKind(timer);
      const body = old ? timer.get(old).get('body') : '';
      const properties = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
      if (kind) properties[kind] = bpmnFactory.create('bpmn:FormalExpression', { body });
      commandStack.execute('element.updateModdleProperties', { element, moddleElement: timer, properties });
    },
  });
}

function TimerValue(props) {
  const { element, id } = props;
  const config = useService('modelerConfig');
  const commandStack = useService('commandStack');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  const timer = timerDefinition(element);
  return h(TextFieldEntry, {
    element, id, debounce, label: config.labels.timer_value,
    getValue: () => { const kind = timerKind(timer); return kind ? timer.get(kind).get('body') || '' : ''; },
    setValue: (value) => {
      const kind = timerKind(timer) || 'timeDuration';
      const expression = bpmnFactory.create('bpmn:FormalExpression', { body: value || '' });
      commandStack.execute('element.updateModdleProperties', { element, moddleElement: timer, properties: { [kind]: expression } });
    },
  });
}

function Condition(props) {
  const { element, id } = props;
  const config = useService('modelerConfig');
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  const flow = getBusinessObject(element);
  return h(TextFieldEntry, {
    element, id, debounce, label: config.labels.condition, description: config.labels.condition_hint,
    getValue: () => (flow.get('conditionExpression') ? flow.get('conditionExpression').get('body') || '' : ''),
    setValue: (value) => {
      const text = (value || '').trim();
      const expression = text ? bpmnFactory.create('bpmn:FormalExpression', { body: text }) : undefined;
      modeling.updateProperties(element, { conditionExpression: expression });
    },
  });
}

function CalledElement(props) {
  const { element, id } = props;
  const config = useService('modelerConfig');
  const modeling = useService('modeling');
  const canvas = useService('canvas');
  const { labels } = config;
  const getOptions = () => {
    // The processes of this file may be called too, besides those deployed.
    const definitions = getBusinessObject(canvas.getRootElement()).$parent;
    const own = (definitions ? definitions.get('rootElements') : [])
      .filter((e) => is(e, 'bpmn:Process') && !config.processes.some((p) => p.value === e.id))
      .map((e) => ({ value: e.id, label: `${e.name || e.id} (${e.id})` }));
    return withCurrent([...config.processes, ...own], getBusinessObject(element).get('calledElement') || '', labels);
  };
  return h(SelectEntry, {
    element, id, label: labels.called, getOptions,
    getValue: () => getBusinessObject(element).get('calledElement') || '',
    setValue: (value) => modeling.updateProperties(element, { calledElement: value || undefined }),
  });
}

function isConditional(element) {
  if (!is(element, 'bpmn:SequenceFlow')) return false;
  const source = getBusinessObject(element).get('sourceRef');
  return is(source, 'bpmn:ExclusiveGateway') || is(source, 'bpmn:InclusiveGateway') || is(source, 'bpmn:ComplexGateway') ||
    Boolean(getBusinessObject(element).get('conditionExpression'));
}

function settingsEntries(element, config) {
  const text = (name, label, hint) => ({
    // Entries are spread into the component's props: one stable component, its settings as fields.
    id: `spiff-${name}`, component: PropertyText, name, label: config.labels[label],
    description: hint ? config.labels[hint] : undefined, isEdited: isTextFieldEntryEdited,
  });
  const entries = [];
  if (is(element, 'bpmn:Lane')) entries.push({ id: 'spiff-lane-role', component: LaneRole, isEdited: isSelectEntryEdited });
  if (is(element, 'bpmn:UserTask')) {
    entries.push({ id: 'spiff-formKey', component: FormKey, isEdited: isSelectEntryEdited });
    if (config.formDesignerUrl) entries.push({ id: 'spiff-form-designer', component: FormDesignerLink });
    for (const [name, label, hint] of USER_TASK_PROPERTIES) entries.push(text(name, label, hint));
  }
  if (timerDefinition(element)) {
    entries.push({ id: 'spiff-timer-kind', component: TimerKind, isEdited: isSelectEntryEdited });
    entries.push({ id: 'spiff-timer-value', component: TimerValue, isEdited: isTextFieldEntryEdited });
  }
  if (isConditional(element)) entries.push({ id: 'spiff-condition', component: Condition, isEdited: isTextFieldEntryEdited });
  if (is(element, 'bpmn:CallActivity')) entries.push({ id: 'spiff-calledElement', component: CalledElement, isEdited: isSelectEntryEdited });
  return entries;
}

function hasName(element) {
  const bo = getBusinessObject(element);
  return Boolean(bo && bo.$descriptor.propertiesByName.name) && !is(element, 'bpmn:Definitions');
}

export default class DirectivePropertiesProvider {
  constructor(propertiesPanel, modelerConfig) {
    this.config = modelerConfig;
    propertiesPanel.registerProvider(500, this);
  }

  getGroups(element) {
    return (groups) => {
      // The standard timer and condition groups speak of other engines' formats: ours replace them.
      const kept = groups.filter((g) => !['timer', 'CamundaPlatform__Condition', 'condition'].includes(g.id));
      const entries = settingsEntries(element, this.config);
      const extra = [];
      if (entries.length) extra.push({ id: 'spiff-settings', label: this.config.labels.group_settings, entries });
      if (hasName(element)) {
        extra.push({
          id: 'spiff-names', label: this.config.labels.group_names,
          entries: [{
            id: 'spiff-name_en', isEdited: isTextFieldEntryEdited, component: PropertyText,
            name: 'name_en', label: this.config.labels.name_en, description: this.config.labels.name_en_hint,
          }],
        });
      }
      kept.splice(Math.min(1, kept.length), 0, ...extra);
      return kept;
    };
  }
}
DirectivePropertiesProvider.$inject = ['propertiesPanel', 'modelerConfig'];
