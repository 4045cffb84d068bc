// Keyboard shortcuts (listed in the help overlay, ui.js SHORTCUTS) and toolbar buttons.

const PAGE = 10;

function keyAction(viewer, event) {
  const key = event.key;
  const actions = {
    ArrowUp: () => viewer.scroll(-1), ArrowDown: () => viewer.scroll(1),
    PageUp: () => viewer.scroll(-PAGE), PageDown: () => viewer.scroll(PAGE),
    Home: () => viewer.jumpTo(0), End: () => viewer.jumpTo(viewer.stacks[viewer.active].length - 1),
    1: () => viewer.preset('abdomen'), 2: () => viewer.preset('liver'), 3: () => viewer.preset('dicom'),
    r: () => viewer.reset(), m: () => viewer.setMeasuring(!viewer.measuring), f: () => viewer.toggleLayout(),
    '[': () => viewer.cycleActive(-1), ']': () => viewer.cycleActive(1),
    Tab: () => viewer.cycleActive(event.shiftKey ? -1 : 1),
    s: () => viewer.setLink('slices', !viewer.links.slices._enabled),
    v: () => viewer.setLink('voi', !viewer.links.voi._enabled),
    z: () => viewer.setLink('zoompan', !viewer.links.zoompan._enabled),
    '?': () => toggleHelp(viewer), Escape: () => toggleHelp(viewer, false),
  };
  if (viewer.config.overlays) {
    Object.assign(actions, {
      o: () => viewer.setOverlay('mask', !viewer.overlayState.mask),
      h: () => viewer.setOverlay('heatmap', !viewer.overlayState.heatmap),
      t: () => viewer.jumpToTumour(),
    });
  }
  return actions[key.length === 1 ? key.toLowerCase() : key] ?? actions[key];
}

function toggleHelp(viewer, show) {
  const help = viewer.dom.help;
  help.hidden = show === undefined ? !help.hidden : !show;
}

export function bindKeyboard(viewer) {
  // Keys reach the viewer when focus is inside it or nowhere in particular (the page body); never from form fields.
  document.addEventListener('keydown', (event) => {
    const target = event.target;
    if (!(viewer.container.contains(target) || target === document.body || target === document.documentElement)) return;
    if (target.matches('input, textarea, select') || event.ctrlKey || event.metaKey || event.altKey) return;
    const action = keyAction(viewer, event);
    if (!action) return;
    event.preventDefault();
    action();
  });
  // Keys reach the viewer once the reader clicked into it; focus it on entry so the wheel and keys work at once.
  viewer.container.addEventListener('mouseenter', () => {
    if (!viewer.container.contains(document.activeElement)) viewer.container.focus({ preventScroll: true });
  });
}

export function bindToolbar(viewer) {
  const handlers = {
    'sync-slices': () => viewer.setLink('slices', !viewer.links.slices._enabled),
    'sync-voi': () => viewer.setLink('voi', !viewer.links.voi._enabled),
    'sync-zoompan': () => viewer.setLink('zoompan', !viewer.links.zoompan._enabled),
    preset: (button) => viewer.preset(button.dataset.preset),
    length: () => viewer.setMeasuring(!viewer.measuring),
    reset: () => viewer.reset(),
    layout: () => viewer.toggleLayout(),
    help: () => toggleHelp(viewer),
    'ai-mask': () => viewer.setOverlay('mask', !viewer.overlayState.mask),
    'ai-heatmap': () => viewer.setOverlay('heatmap', !viewer.overlayState.heatmap),
    'jump-tumour': () => viewer.jumpToTumour(),
  };
  viewer.dom.toolbar.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (button && handlers[button.dataset.action]) handlers[button.dataset.action](button);
  });
  const slider = viewer.dom.toolbar.querySelector('[data-action="heatmap-opacity"]');
  slider?.addEventListener('input', () => viewer.setHeatmapOpacity(Number(slider.value) / 100));
}
