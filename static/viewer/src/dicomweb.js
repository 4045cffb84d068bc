// WADO-RS client side: fetch a series' metadata once, register it, return imageIds in the server's slice order.
import { wadors } from '@cornerstonejs/dicom-image-loader';

const tagValue = (item, tag) => item[tag]?.Value?.[0];

// The server sorts instances along the slice normal (Instance.index); the order is kept as is, so that the
// AI overlays (stored in the same order) line up slice for slice.
export async function loadSeriesImageIds(root, studyUid, seriesUid) {
  const seriesUrl = new URL(`${root}/studies/${studyUid}/series/${seriesUid}`, window.location.href).href;
  const response = await fetch(`${seriesUrl}/metadata`, {
    headers: { Accept: 'application/dicom+json' },
    credentials: 'same-origin',
  });
  if (!response.ok) throw new Error(`metadata of series ${seriesUid}: HTTP ${response.status}`);
  const instances = await response.json();
  return instances.map((item) => {
    const imageId = `wadors:${seriesUrl}/instances/${tagValue(item, '00080018')}/frames/1`;
    wadors.metaDataManager.add(imageId, item);
    return imageId;
  });
}
