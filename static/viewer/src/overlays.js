// AI overlays of an aided read: liver/tumour labelmap and the Grad-CAM heat map, both as stack labelmaps
// (the heat map quantised into colour levels through its own colour LUT, so one rendering path serves both).
import { imageLoader } from '@cornerstonejs/core';
import * as csTools from '@cornerstonejs/tools';

const { segmentation } = csTools;
const LABELMAP = csTools.Enums.SegmentationRepresentations.Labelmap;
const MASK_LUT = [[0, 0, 0, 0], [40, 200, 90, 255], [255, 40, 40, 255]];
const HEAT_LEVELS = 15;
export const MASK_ALPHA = 0.35;
const HEAT_THRESHOLD = 26; // below ~10 % of the maximum the heat map stays transparent

function heatLut() {
  const lut = [[0, 0, 0, 0]];
  for (let level = 1; level <= HEAT_LEVELS; level += 1) {
    const t = level / HEAT_LEVELS; // blue -> cyan -> yellow -> red
    const r = Math.round(255 * Math.min(1, Math.max(0, 1.5 * t - 0.25) * 1.4));
    const g = Math.round(255 * Math.max(0, 1 - Math.abs(2 * t - 1.1) * 1.3));
    const b = Math.round(255 * Math.max(0, 1 - 2 * t));
    lut.push([r, g, b, 255]);
  }
  return lut;
}

export function quantiseHeat(value) {
  if (value < HEAT_THRESHOLD) return 0;
  return 1 + Math.min(HEAT_LEVELS - 1, Math.floor(((value - HEAT_THRESHOLD) * HEAT_LEVELS) / (256 - HEAT_THRESHOLD)));
}

async function fetchVolume(url) {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`overlay ${url}: HTTP ${response.status}`);
  const shape = (response.headers.get('X-Overlay-Shape') || '').split(',').map(Number);
  return { data: new Uint8Array(await response.arrayBuffer()), shape };
}

function writeSlices(derivedImages, volume, transform) {
  const [z, y, x] = volume.shape;
  if (z !== derivedImages.length) throw new Error(`overlay has ${z} slices, the series ${derivedImages.length}`);
  const sliceSize = y * x;
  derivedImages.forEach((image, k) => {
    const target = image.voxelManager.getScalarData();
    if (target.length !== sliceSize) throw new Error(`overlay slice ${y}x${x} does not match the image`);
    const source = volume.data.subarray(k * sliceSize, (k + 1) * sliceSize);
    for (let i = 0; i < sliceSize; i += 1) target[i] = transform(source[i]);
  });
}

function tumourSlice(volume) {
  const [z, y, x] = volume.shape;
  let best = -1;
  let bestCount = 0;
  for (let k = 0; k < z; k += 1) {
    let count = 0;
    const slice = volume.data.subarray(k * y * x, (k + 1) * y * x);
    for (let i = 0; i < slice.length; i += 1) if (slice[i] === 2) count += 1;
    if (count > bestCount) { best = k; bestCount = count; }
  }
  return best;
}

function addLabelmap(segmentationId, imageIds, viewportId, lut) {
  segmentation.addSegmentations([{ segmentationId, representation: { type: LABELMAP, data: { imageIds } } }]);
  segmentation.addLabelmapRepresentationToViewport(viewportId, [{ segmentationId, config: { colorLUTOrIndex: lut } }]);
}

export function setOverlayStyle(viewportId, segmentationId, alpha) {
  segmentation.config.style.setStyle({ type: LABELMAP, viewportId, segmentationId }, {
    fillAlpha: alpha, fillAlphaInactive: alpha, renderOutline: false, renderOutlineInactive: false,
  });
}

// Load both overlays of one phase onto its viewport; return what the controller needs for toggles and jumps.
export async function loadPhaseOverlays(phaseConfig, urls, imageIds, viewportId, heatAlpha) {
  const [mask, heat] = await Promise.all([fetchVolume(urls.labelmap), fetchVolume(urls.heatmap)]);
  const maskId = `ai-mask-${phaseConfig.phase}`;
  const heatId = `ai-heat-${phaseConfig.phase}`;
  const maskImages = imageLoader.createAndCacheDerivedLabelmapImages(imageIds,
    { getDerivedImageId: (id) => `${maskId}:${id}` });
  writeSlices(maskImages, mask, (v) => (v <= 2 ? v : 0));
  const heatImages = imageLoader.createAndCacheDerivedLabelmapImages(imageIds,
    { getDerivedImageId: (id) => `${heatId}:${id}` });
  writeSlices(heatImages, heat, quantiseHeat);
  addLabelmap(heatId, heatImages.map((i) => i.imageId), viewportId, heatLut());
  addLabelmap(maskId, maskImages.map((i) => i.imageId), viewportId, MASK_LUT);
  segmentation.config.style.setRenderInactiveSegmentations(viewportId, true);
  setOverlayStyle(viewportId, maskId, MASK_ALPHA);
  setOverlayStyle(viewportId, heatId, heatAlpha);
  return { maskId, heatId, tumourSlice: tumourSlice(mask), shape: mask.shape };
}
