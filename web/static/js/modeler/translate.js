// diagram-js asks `translate` for every word of its palette, menus and the standard panel groups;
// the page hands over the words it has in its own language (web/admin/modeler_page.py).
export function translateModule(words) {
  function translate(template, replacements) {
    const text = words[template] || template;
    return text.replace(/{([^}]+)}/g, (_, key) => (replacements && key in replacements ? replacements[key] : `{${key}}`));
  }
  return { translate: ['value', translate] };
}
