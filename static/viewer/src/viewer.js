// 4-phase liver CT viewer: 2x2 hanging protocol, linked slices / window / zoom-pan, presets, HU readout,
// length measurement, background prefetch with progress, and AI overlays in aided reads.
// Started automatically on every element with a data-rs-viewer attribute whose JSON config is in the element
// named by data-rs-viewer-config (see reader_study/viewer/templates/viewer/embed.html).
import {
  init as csInit, RenderingEngine, Enums, imageLoader, eventTarget, cache, metaData, utilities as csUtils,
} from '@cornerstonejs/core';
import { init as loaderInit } from '@cornerstonejs/dicom-image-loader';
import * as csTools from '@cornerstonejs/tools';
import { loadSeriesImageIds } from './dicomweb.js';
import { buildViewerDom, setPressed, setProgress } from './ui.js';
import { createToolGroup, createLinks, applyPreset, setMeasureMode } from './tools.js';
import { loadPhaseOverlays, setOverlayStyle, MASK_ALPHA } from './overlays.js';
import { bindKeyboard, bindToolbar } from './keyboard.js';
import { installHook } from './hook.js';

const PREFETCH_CONCURRENCY = 6;
let cornerstoneReady = null;
let instanceCount = 0;

// WebGL by default: AI labelmaps render only there, and both arms of a study must render alike (reading time is
// an outcome). ?rendering=cpu forces Cornerstone's CPU path (faster 2-D stacks on software-only WebGL machines);
// without WebGL at all Cornerstone falls back to it by itself.
function wantsCpuRendering() {
  return new URLSearchParams(window.location.search).get('rendering') === 'cpu';
}

function initCornerstone(staticBase) {
  cornerstoneReady ??= (async () => {
    const cpu = wantsCpuRendering();
    await csInit(cpu ? { rendering: { useCPURendering: true } } : {});
    window.__viewerRendering = cpu ? 'cpu' : 'gpu';
    const workers = Math.min(4, Math.max(1, (navigator.hardwareConcurrency || 2) - 1));
    loaderInit({ maxWebWorkers: workers, wasmBasePath: new URL(`${staticBase}wasm/`, window.location.href).href });
    csTools.init();
  })();
  return cornerstoneReady;
}

function slicePosition(imageId) {
  const plane = metaData.get('imagePlaneModule', imageId);
  if (!plane?.imagePositionPatient) return null;
  const r = plane.rowCosines || [1, 0, 0];
  const c = plane.columnCosines || [0, 1, 0];
  const normal = [r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]];
  return plane.imagePositionPatient.reduce((sum, v, k) => sum + v * normal[k], 0);
}

// Open every phase at the patient position of the reference phase's middle slice (not at the same index:
// phases cover different ranges), so the four viewports agree before the reader touches anything.
function initialIndices(stacks, reference) {
  const refIds = stacks[reference] || [];
  const target = refIds.length ? slicePosition(refIds[Math.floor(refIds.length / 2)]) : null;
  return stacks.map((ids) => {
    if (target === null || !ids.length) return Math.floor(ids.length / 2);
    let best = 0;
    ids.forEach((id, k) => {
      const p = slicePosition(id);
      if (p !== null && Math.abs(p - target) < Math.abs((slicePosition(ids[best]) ?? Infinity) - target)) best = k;
    });
    return best;
  });
}

class Viewer {
  constructor(container, config) {
    instanceCount += 1;
    this.id = `rsv${instanceCount}`;
    this.config = config;
    this.startedAt = performance.now();
    this.errors = [];
    this.stacks = config.phases.map(() => []);
    this.loaded = config.phases.map(() => 0);
    this.total = config.phases.map((p) => p.slices || 0);
    this.viewports = config.phases.map(() => null);
    this.overlayState = { enabled: Boolean(config.overlays), loaded: {}, mask: true, heatmap: true, alpha: 0.45 };
    this.overlays = {};
    this.active = config.phases.length > 2 ? 2 : 0; // portal-venous first: where most liver lesions show best
    this.dom = buildViewerDom(container, config);
    this.container = container;
    this.hook = installHook(this);
  }

  error(message) {
    this.errors.push(String(message));
    this.dom.status.textContent = String(message);
    this.dom.status.classList.add('rsv-error');
  }

  async start() {
    await initCornerstone(this.config.staticBase);
    const { dicomweb, studyUid } = this.config;
    const stacks = await Promise.all(this.config.phases.map((phase) => (phase.seriesUid
      ? loadSeriesImageIds(dicomweb, studyUid, phase.seriesUid).catch((e) => { this.error(e.message); return []; })
      : [])));
    this.stacks = stacks;
    this.total = stacks.map((ids) => ids.length);
    this.hook.total = this.total;
    this.engine = new RenderingEngine(`${this.id}-engine`);
    const present = this.config.phases.map((_, i) => i).filter((i) => stacks[i].length);
    this.engine.setViewports(present.map((i) => ({
      viewportId: this.viewportId(i), type: Enums.ViewportType.STACK, element: this.dom.cells[i].viewport,
      defaultOptions: { background: [0, 0, 0] },
    })));
    present.forEach((i) => { this.viewports[i] = this.engine.getViewport(this.viewportId(i)); });
    this.listen(present);
    this.toolGroup = createToolGroup(`${this.id}-tools`, this.engine.id, present.map((i) => this.viewportId(i)));
    const start = initialIndices(stacks, present.includes(this.active) ? this.active : present[0]);
    await Promise.all(present.map((i) => this.viewports[i].setStack(stacks[i], start[i])));
    applyPreset(this.viewports, this.config.phases, null, 'abdomen');
    this.links = createLinks(this.id, this.engine.id, present.map((i) => this.viewportId(i)));
    this.setActive(present.includes(this.active) ? this.active : present[0] ?? 0);
    bindKeyboard(this);
    bindToolbar(this);
    this.hook.ready = true;
    this.prefetch().catch((e) => this.error(e.message));
    if (this.config.overlays) this.loadOverlays().catch((e) => { console.error(e); this.error(e.message); });
  }

  viewportId(index) { return `${this.id}-vp${index}`; }

  listen(present) {
    const index = new Map();
    present.forEach((i) => this.stacks[i].forEach((id) => index.set(id, i)));
    eventTarget.addEventListener(Enums.Events.IMAGE_LOADED, (event) => this.onLoaded(index.get(event.detail.image.imageId)));
    eventTarget.addEventListener(Enums.Events.IMAGE_LOAD_FAILED, (event) => {
      if (index.has(event.detail.imageId)) this.error(`could not load ${event.detail.imageId}: ${event.detail.error}`);
    });
    present.forEach((i) => {
      const element = this.dom.cells[i].viewport;
      element.addEventListener(Enums.Events.IMAGE_RENDERED, () => {
        this.hook.firstImageMs ??= performance.now() - this.startedAt;
        this.updateInfo(i);
      });
      element.addEventListener('mousemove', (event) => this.showHU(i, event));
      element.addEventListener('mouseleave', () => { this.dom.cells[i].hu.textContent = ''; });
      element.addEventListener('mousedown', () => this.setActive(i));
      element.addEventListener('dblclick', () => { this.setActive(i); this.toggleLayout(); });
    });
  }

  onLoaded(phaseIndex) {
    if (phaseIndex === undefined) return;
    this.loaded[phaseIndex] = Math.min(this.loaded[phaseIndex] + 1, this.total[phaseIndex]);
    this.showProgress(phaseIndex);
  }

  showProgress(phaseIndex) {
    setProgress(this.dom.cells[phaseIndex], this.loaded[phaseIndex], this.total[phaseIndex]);
    const all = this.loaded.reduce((a, b) => a + b, 0);
    const total = this.total.reduce((a, b) => a + b, 0);
    this.dom.status.textContent = all < total ? `Loading ${all} / ${total} images` : '';
  }

  // Load every slice in the background, nearest to the displayed slice first, phases interleaved.
  async prefetch() {
    const queue = [];
    const longest = Math.max(...this.stacks.map((s) => s.length));
    const centre = (i) => this.viewports[i]?.getCurrentImageIdIndex() ?? 0;
    for (let step = 0; step < 2 * longest; step += 1) {
      this.stacks.forEach((ids, i) => {
        const offset = step % 2 ? -Math.ceil(step / 2) : step / 2;
        const k = centre(i) + offset;
        if (k >= 0 && k < ids.length) queue.push(ids[k]);
      });
    }
    // Every id goes through loadAndCacheImage: cached or in-flight images return their existing promise, so
    // "all loaded" below means every image is in the cache, whoever started its load.
    const pending = queue.slice();
    const worker = async () => {
      while (pending.length) {
        const imageId = pending.shift();
        await imageLoader.loadAndCacheImage(imageId, { requestType: Enums.RequestType.Prefetch, priority: 5 })
          .catch((e) => this.error(`prefetch ${imageId}: ${e?.message || e}`));
      }
    };
    await Promise.all(Array.from({ length: PREFETCH_CONCURRENCY }, worker));
    this.stacks.forEach((ids, i) => {
      this.loaded[i] = ids.filter((id) => cache.getImage(id)).length;
      this.showProgress(i);
    });
    if (this.loaded.every((n, i) => n === this.total[i])) this.hook.allLoadedMs ??= performance.now() - this.startedAt;
  }

  updateInfo(i) {
    const vp = this.viewports[i];
    const { voiRange } = vp.getProperties();
    const lines = [`Slice ${vp.getCurrentImageIdIndex() + 1} / ${this.stacks[i].length}`];
    if (voiRange) {
      const { windowWidth, windowCenter } = csUtils.windowLevel.toWindowLevel(voiRange.lower, voiRange.upper);
      lines.push(`W ${Math.round(windowWidth)}  L ${Math.round(windowCenter)}`);
    }
    this.dom.cells[i].info.textContent = lines.join('\n');
    this.dom.cells[i].info.style.whiteSpace = 'pre';
  }

  showHU(i, event) {
    const vp = this.viewports[i];
    const image = cache.getImage(vp.getCurrentImageId());
    if (!image) return;
    const rect = this.dom.cells[i].viewport.getBoundingClientRect();
    const world = vp.canvasToWorld([event.clientX - rect.left, event.clientY - rect.top]);
    const { imageData } = vp.getImageData();
    const [col, row] = csUtils.transformWorldToIndex(imageData, world).map(Math.round);
    if (col < 0 || row < 0 || col >= image.columns || row >= image.rows) {
      this.dom.cells[i].hu.textContent = '';
      return;
    }
    const raw = image.getPixelData()[row * image.columns + col];
    const hu = image.preScale?.scaled ? raw : raw * (image.slope ?? 1) + (image.intercept ?? 0);
    this.dom.cells[i].hu.textContent = `${Math.round(hu)} HU  (${col}, ${row})`;
  }

  setActive(i) {
    if (!this.viewports[i]) return;
    this.active = i;
    this.dom.cells.forEach((cell, k) => cell.cell.classList.toggle('rsv-cell--active', k === i));
    this.hook.active = i;
  }

  cycleActive(step) {
    const present = this.viewports.map((vp, i) => (vp ? i : -1)).filter((i) => i >= 0);
    const at = present.indexOf(this.active);
    this.setActive(present[(at + step + present.length) % present.length]);
    if (this.container.classList.contains('rsv--single')) this.engine.resize(true, true);
  }

  toggleLayout() {
    const single = this.container.classList.toggle('rsv--single');
    setPressed(this.dom, 'layout', single);
    this.engine.resize(true, true);
  }

  scroll(delta) {
    const vp = this.viewports[this.active];
    if (vp) csUtils.scroll(vp, { delta });
  }

  jumpTo(index) {
    const vp = this.viewports[this.active];
    if (vp) csUtils.jumpToSlice(vp.element, { imageIndex: index });
  }

  // Scroll the active viewport; resolve with the milliseconds until every viewport rendered its new slice
  // (a new image set on the stack, then rendered), or null after 10 s. Used by the benchmark.
  scrollAndWait(delta) {
    const started = performance.now();
    const waits = this.viewports.filter(Boolean).map((vp) => new Promise((resolve) => {
      const { element } = vp;
      let fresh = false;
      const onNew = () => { fresh = true; };
      const onRendered = () => {
        if (!fresh) return;
        element.removeEventListener(Enums.Events.STACK_NEW_IMAGE, onNew);
        element.removeEventListener(Enums.Events.IMAGE_RENDERED, onRendered);
        resolve();
      };
      element.addEventListener(Enums.Events.STACK_NEW_IMAGE, onNew);
      element.addEventListener(Enums.Events.IMAGE_RENDERED, onRendered);
    }));
    const timeout = new Promise((resolve) => { setTimeout(() => resolve(null), 10000); });
    this.scroll(delta);
    return Promise.race([Promise.all(waits).then(() => performance.now() - started), timeout]);
  }

  preset(name) { applyPreset(this.viewports, this.config.phases, this.links.voi, name); }

  reset() {
    this.viewports.forEach((vp) => vp?.resetCamera());
    this.preset('abdomen');
    this.engine.render();
  }

  setLink(name, enabled) {
    this.links[name].setEnabled(enabled);
    setPressed(this.dom, { slices: 'sync-slices', voi: 'sync-voi', zoompan: 'sync-zoompan' }[name], enabled);
  }

  setMeasuring(on) {
    this.measuring = on;
    setMeasureMode(this.toolGroup, on);
    setPressed(this.dom, 'length', on);
  }

  async loadOverlays() {
    const { phases } = this.config.overlays;
    await Promise.all(this.config.phases.map(async (phase, i) => {
      const urls = phases[phase.phase];
      if (!urls || !this.viewports[i]) return;
      this.overlays[i] = await loadPhaseOverlays(phase, urls, this.stacks[i], this.viewportId(i),
        this.overlayState.alpha);
      this.overlayState.loaded[phase.phase] = { labelmap: true, heatmap: true, tumourSlice: this.overlays[i].tumourSlice };
    }));
    this.applyOverlayStyles();
  }

  // Overlays are hidden through their fill opacity: the representation-visibility switch of Cornerstone 5.14 did
  // not hide the second (inactive) labelmap of a stack viewport, while the style applies to both alike.
  applyOverlayStyles() {
    const { mask, heatmap, alpha } = this.overlayState;
    Object.entries(this.overlays).forEach(([i, o]) => {
      setOverlayStyle(this.viewportId(i), o.maskId, mask ? MASK_ALPHA : 0);
      setOverlayStyle(this.viewportId(i), o.heatId, heatmap ? alpha : 0);
    });
    this.engine.render();
  }

  setOverlay(kind, visible) {
    this.overlayState[kind] = visible;
    setPressed(this.dom, kind === 'mask' ? 'ai-mask' : 'ai-heatmap', visible);
    this.applyOverlayStyles();
  }

  setHeatmapOpacity(alpha) {
    this.overlayState.alpha = alpha;
    this.applyOverlayStyles();
  }

  jumpToTumour() {
    const order = [this.active, ...Object.keys(this.overlays).map(Number)];
    const i = order.find((k) => this.overlays[k] && this.overlays[k].tumourSlice >= 0);
    if (i === undefined) return;
    this.setActive(i);
    this.jumpTo(this.overlays[i].tumourSlice);
  }
}

export async function startViewer(container, config) {
  const viewer = new Viewer(container, config);
  try {
    await viewer.start();
  } catch (e) {
    viewer.error(e?.message || String(e));
  }
  return viewer;
}

function boot() {
  document.querySelectorAll('[data-rs-viewer]').forEach((container) => {
    if (container.dataset.rsViewerStarted) return;
    container.dataset.rsViewerStarted = '1';
    const source = document.getElementById(container.dataset.rsViewerConfig);
    startViewer(container, JSON.parse(source.textContent));
  });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
