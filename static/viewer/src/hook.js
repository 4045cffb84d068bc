// window.__viewer: a read-only window into the viewer's state for the browser tests and the benchmark.
import { cache, metaData } from '@cornerstonejs/core';
import { annotation } from '@cornerstonejs/tools';

function huOfImage(image) {
  if (!image) return null;
  const pixels = image.getPixelData();
  const scaled = image.preScale?.scaled;
  const slope = scaled ? 1 : image.slope ?? 1;
  const intercept = scaled ? 0 : image.intercept ?? 0;
  return Array.from(pixels, (v) => v * slope + intercept);
}

export function installHook(state) {
  const viewports = () => state.viewports;
  const hook = {
    ready: false,
    startedAt: state.startedAt,
    firstImageMs: null,
    allLoadedMs: null,
    errors: state.errors,
    phases: state.config.phases.map((p) => p.phase),
    loaded: state.loaded,
    total: state.total,
    overlays: state.overlayState,
    imageIds: (index) => state.stacks[index] || [],
    current: () => viewports().map((vp, index) => {
      if (!vp) return null;
      const imageId = vp.getCurrentImageId();
      const plane = imageId ? metaData.get('imagePlaneModule', imageId) : null;
      return {
        phase: state.config.phases[index].phase,
        imageId,
        index: vp.getCurrentImageIdIndex(),
        position: plane ? Array.from(plane.imagePositionPatient) : null,
      };
    }),
    voi: () => viewports().map((vp) => {
      if (!vp) return null;
      const { voiRange } = vp.getProperties();
      return voiRange ? [voiRange.lower, voiRange.upper] : null;
    }),
    zoom: () => viewports().map((vp) => (vp ? vp.getZoom() : null)),
    // HU values of a cached image (after the modality LUT), row-major; null when not loaded yet.
    huValues: (imageId) => huOfImage(cache.getImage(imageId)),
    linked: () => Object.fromEntries(Object.entries(state.links || {}).map(([k, s]) => [k, s._enabled])),
    scrollAll: (delta) => state.scrollAndWait(delta),
    rendering: () => window.__viewerRendering,
    measurements: () => annotation.state.getAllAnnotations()
      .filter((a) => a.metadata?.toolName === 'Length')
      .map((a) => ({ length: a.data?.cachedStats ? Object.values(a.data.cachedStats)[0]?.length : null })),
  };
  window.__viewer = hook;
  return hook;
}
