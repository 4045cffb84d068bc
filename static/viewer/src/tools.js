// Tools and the links between phases (slice, window/level, zoom/pan), each one switchable.
import { utilities as csUtils, metaData } from '@cornerstonejs/core';
import * as csTools from '@cornerstonejs/tools';

const {
  ToolGroupManager, StackScrollTool, WindowLevelTool, ZoomTool, PanTool, LengthTool, addTool, synchronizers,
} = csTools;
const { MouseBindings, KeyboardBindings } = csTools.Enums;

let toolsRegistered = false;

export function createToolGroup(id, renderingEngineId, viewportIds) {
  if (!toolsRegistered) {
    [WindowLevelTool, ZoomTool, PanTool, StackScrollTool, LengthTool].forEach((T) => addTool(T));
    toolsRegistered = true;
  }
  const group = ToolGroupManager.createToolGroup(id);
  [WindowLevelTool, PanTool, ZoomTool, StackScrollTool, LengthTool].forEach((T) => group.addTool(T.toolName));
  group.setToolActive(WindowLevelTool.toolName, { bindings: [{ mouseButton: MouseBindings.Primary }] });
  group.setToolActive(PanTool.toolName, {
    bindings: [{ mouseButton: MouseBindings.Auxiliary },
      { mouseButton: MouseBindings.Primary, modifierKey: KeyboardBindings.Shift }],
  });
  group.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: MouseBindings.Secondary }] });
  group.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: MouseBindings.Wheel }] });
  group.setToolPassive(LengthTool.toolName);
  viewportIds.forEach((viewportId) => group.addViewport(viewportId, renderingEngineId));
  return group;
}

// Left button: window/level, or the length measurement.
export function setMeasureMode(group, measuring) {
  const primary = { bindings: [{ mouseButton: MouseBindings.Primary }] };
  if (measuring) {
    group.setToolPassive(WindowLevelTool.toolName);
    group.setToolActive(LengthTool.toolName, primary);
  } else {
    group.setToolPassive(LengthTool.toolName);
    group.setToolActive(WindowLevelTool.toolName, primary);
  }
}

export function createLinks(prefix, renderingEngineId, viewportIds) {
  const links = {
    slices: synchronizers.createImageSliceSynchronizer(`${prefix}-slices`),
    voi: synchronizers.createVOISynchronizer(`${prefix}-voi`, { syncInvertState: false, syncColormap: false }),
    zoompan: synchronizers.createZoomPanSynchronizer(`${prefix}-zoompan`),
  };
  for (const viewportId of viewportIds) {
    Object.values(links).forEach((sync) => sync.add({ renderingEngineId, viewportId }));
  }
  return links;
}

// Window presets are per phase (liver differs before contrast), so the W/L link (if any) is paused meanwhile.
export function applyPreset(viewports, phases, voiLink, name) {
  const wasEnabled = voiLink ? voiLink._enabled : false;
  voiLink?.setEnabled(false);
  try {
    viewports.forEach((viewport, index) => {
      if (!viewport) return;
      const range = presetRange(viewport, phases[index], name);
      if (range) {
        viewport.setProperties({ voiRange: range });
        viewport.render();
      }
    });
  } finally {
    voiLink?.setEnabled(wasEnabled);
  }
}

function presetRange(viewport, phase, name) {
  if (name === 'dicom') {
    const voi = metaData.get('voiLUTModule', viewport.getCurrentImageId());
    const center = [].concat(voi?.windowCenter ?? [])[0];
    const width = [].concat(voi?.windowWidth ?? [])[0];
    if (center === undefined || width === undefined) return null;
    return csUtils.windowLevel.toLowHighRange(Number(width), Number(center));
  }
  const preset = phase.presets[name];
  return preset ? csUtils.windowLevel.toLowHighRange(preset[0], preset[1]) : null;
}
