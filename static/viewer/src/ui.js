// DOM of the viewer: toolbar, 2x2 grid of labelled viewports, help overlay. No Cornerstone here.

export const SHORTCUTS = [
  ['Mouse wheel, ↑ ↓', 'Previous / next slice (all phases follow when slice sync is on)'],
  ['Page Up / Page Down', '10 slices back / forward'],
  ['Home / End', 'First / last slice'],
  ['Left drag', 'Window / level (or measure, in length mode)'],
  ['Right drag', 'Zoom'],
  ['Middle drag, Shift + left drag', 'Pan'],
  ['1', 'Abdomen window 400 / 50'],
  ['2', 'Liver window 150 / 90 (150 / 50 on pre-contrast)'],
  ['3', "The image's own window (from the DICOM)"],
  ['R', 'Reset zoom, pan and window'],
  ['M', 'Length measurement on / off'],
  ['F or double-click', 'One viewport / 2 × 2'],
  ['[ ] or Tab', 'Previous / next phase (one-viewport mode) or active viewport'],
  ['S / V / Z', 'Link slices / window / zoom-pan on or off'],
  ['O / H / T', 'AI masks on or off / heat map on or off / jump to tumour (aided reads only)'],
  ['?', 'This help'],
];

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'text') node.textContent = value;
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children) node.append(child);
  return node;
}

function toggle(name, label, pressed, title) {
  return el('button', { type: 'button', 'data-action': name, 'aria-pressed': String(pressed), title, text: label });
}

function buildToolbar(config) {
  const links = el('span', { class: 'rsv-group', role: 'group', 'aria-label': 'Links between phases' }, [
    toggle('sync-slices', 'Link slices', true, 'S'),
    toggle('sync-voi', 'Link W/L', true, 'V'),
    toggle('sync-zoompan', 'Link zoom/pan', true, 'Z'),
  ]);
  const presets = el('span', { class: 'rsv-group', role: 'group', 'aria-label': 'Window presets' }, [
    el('button', { type: 'button', 'data-action': 'preset', 'data-preset': 'abdomen', text: 'Abdomen', title: '1' }),
    el('button', { type: 'button', 'data-action': 'preset', 'data-preset': 'liver', text: 'Liver', title: '2' }),
    el('button', { type: 'button', 'data-action': 'preset', 'data-preset': 'dicom', text: 'DICOM', title: '3' }),
  ]);
  const tools = el('span', { class: 'rsv-group' }, [
    toggle('length', 'Length', false, 'M'),
    el('button', { type: 'button', 'data-action': 'reset', text: 'Reset', title: 'R' }),
    toggle('layout', '1 viewport', false, 'F'),
    el('button', { type: 'button', 'data-action': 'help', text: '?', title: 'Keyboard shortcuts' }),
  ]);
  const children = [links, presets, tools];
  if (config.overlays) {
    children.push(el('span', { class: 'rsv-group rsv-ai', role: 'group', 'aria-label': 'AI output' }, [
      toggle('ai-mask', 'AI masks', true, 'O'),
      toggle('ai-heatmap', 'Heat map', true, 'H'),
      el('label', {}, ['Opacity ', el('input', { type: 'range', min: '0', max: '100', value: '45',
        'data-action': 'heatmap-opacity', 'aria-label': 'Heat map opacity' })]),
      el('button', { type: 'button', 'data-action': 'jump-tumour', text: 'Jump to tumour', title: 'T' }),
    ]));
  }
  children.push(el('span', { class: 'rsv-status', role: 'status', 'aria-live': 'polite' }));
  return el('div', { class: 'rsv-toolbar' }, children);
}

function buildHelp() {
  const rows = SHORTCUTS.map(([keys, what]) => el('tr', {}, [el('td', {}, [el('kbd', { text: keys })]),
    el('td', { text: what })]));
  return el('div', { class: 'rsv-help', hidden: true, role: 'dialog', 'aria-label': 'Keyboard shortcuts' }, [
    el('h3', { text: 'Keyboard shortcuts' }), el('table', {}, [el('tbody', {}, rows)]),
    el('p', { text: 'Press ? or Esc to close.' }),
  ]);
}

// Build the viewer inside `container`; return handles to the parts the controller updates.
export function buildViewerDom(container, config) {
  container.classList.add('rsv');
  container.tabIndex = 0;
  container.replaceChildren();
  const toolbar = buildToolbar(config);
  const grid = el('div', { class: 'rsv-grid' });
  const cells = config.phases.map((phase, index) => {
    const viewport = el('div', { class: 'rsv-viewport', 'data-viewport-index': String(index) });
    const progress = el('div', { class: 'rsv-progress', 'aria-label': `${phase.label} loading` }, [el('span')]);
    const cell = el('div', { class: 'rsv-cell', 'data-phase': phase.phase }, [
      viewport, el('div', { class: 'rsv-label', text: phase.label }), el('div', { class: 'rsv-info' }),
      el('div', { class: 'rsv-hu' }), progress,
    ]);
    if (!phase.seriesUid) cell.append(el('div', { class: 'rsv-missing', text: `No ${phase.label} series` }));
    viewport.addEventListener('contextmenu', (event) => event.preventDefault());
    grid.append(cell);
    return { cell, viewport, info: cell.querySelector('.rsv-info'), hu: cell.querySelector('.rsv-hu'), progress };
  });
  const help = buildHelp();
  container.append(toolbar, grid, help);
  return { toolbar, grid, cells, help, status: toolbar.querySelector('.rsv-status') };
}

export function setPressed(dom, action, pressed) {
  const button = dom.toolbar.querySelector(`[data-action="${action}"]`);
  if (button) button.setAttribute('aria-pressed', String(pressed));
}

export function setProgress(cell, loaded, total) {
  const done = total > 0 && loaded >= total;
  cell.progress.dataset.done = String(done);
  cell.progress.firstChild.style.width = total ? `${Math.round((100 * loaded) / total)}%` : '0';
  cell.progress.title = `${loaded} / ${total} slices loaded`;
}
