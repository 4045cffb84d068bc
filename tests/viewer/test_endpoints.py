"""DICOMweb and overlay endpoints: permissions per role, caching, byte-exact content, slice order."""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import random
import re

import numpy as np
import pytest
from django.urls import reverse
from pydicom import dcmread
from pydicom.encaps import generate_frames
from pydicom.uid import JPEGLSLossless

from reader_study.cases.models import Instance, Series
from reader_study.viewer import services
from reader_study.vocabulary import Phase

pytestmark = pytest.mark.django_db


def _urls(case, phase: Phase):
    series = Series.objects.get(study__case=case, phase=phase.value)
    inst = series.instances.order_by("index").first()
    base = [series.study.study_instance_uid, series.series_instance_uid]
    return {
        "metadata": reverse("viewer:series-metadata", args=base),
        "instance": reverse("viewer:instance", args=[*base, inst.sop_instance_uid]),
        "frames": reverse("viewer:frames", args=[*base, inst.sop_instance_uid, 1]),
    }, series, inst


def parse_multipart(content_type: str, body: bytes) -> list[tuple[str, bytes]]:
    """Split a multipart/related body into (part content type, bytes)."""
    boundary = re.search(r"boundary=([^;]+)", content_type).group(1).strip('"').encode()
    parts = []
    for chunk in body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.lstrip(b"\r\n").partition(b"\r\n\r\n")
        part_type = head.decode().split(":", 1)[1].strip()
        parts.append((part_type, data[:-2] if data.endswith(b"\r\n") else data))
    return parts


@pytest.mark.parametrize("kind", ["metadata", "instance", "frames"])
def test_outsider_and_anonymous_are_refused(client, study, outsider, kind):
    urls, _, _ = _urls(study[0], Phase.ARTERIAL)
    assert client.get(urls[kind]).status_code == 403
    client.force_login(outsider)
    response = client.get(urls[kind])
    assert response.status_code == 403
    assert "Cache-Control" not in response or "immutable" not in response["Cache-Control"]


def test_metadata_is_dicom_json_sorted_along_the_slice_normal(client, study, coordinator):
    client.force_login(coordinator)
    urls, series, _ = _urls(study[0], Phase.ARTERIAL)
    response = client.get(urls["metadata"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/dicom+json"
    items = json.loads(response.content)
    positions = [item["00200032"]["Value"][2] for item in items]
    assert positions == sorted(positions) and len(set(positions)) == 12
    instance_numbers = [item["00200013"]["Value"][0] for item in items]
    assert instance_numbers == sorted(instance_numbers, reverse=True)  # files count down: order is by position
    expected = list(series.instances.order_by("index").values_list("sop_instance_uid", flat=True))
    assert [item["00080018"]["Value"][0] for item in items] == expected
    assert all(item["00020010"]["Value"][0] == "1.2.840.10008.1.2.1" for item in items)
    assert all("7FE00010" not in item for item in items)


def test_metadata_uses_the_importers_cached_json_in_index_order(client, study, coordinator, media_root):
    urls, series, _ = _urls(study[0], Phase.DELAYED)
    items = [services.dicomweb.instance_metadata(media_root / i.path) for i in series.instances.order_by("index")]
    for item in items:
        item["00081030"] = {"vr": "LO", "Value": ["from the import cache"]}
    shuffled = items[:]
    random.Random(1).shuffle(shuffled)
    (media_root / "meta.json").write_text(json.dumps(shuffled))
    Series.objects.filter(pk=series.pk).update(metadata_json="meta.json")
    client.force_login(coordinator)
    served = json.loads(client.get(urls["metadata"]).content)
    assert [i["00080018"] for i in served] == [i["00080018"] for i in items]
    assert served[0]["00081030"]["Value"] == ["from the import cache"]


@pytest.mark.parametrize("kind", ["metadata", "instance", "frames"])
def test_cache_headers_etag_and_304(client, study, coordinator, kind):
    client.force_login(coordinator)
    urls, _, _ = _urls(study[0], Phase.PRE_CONTRAST)
    response = client.get(urls[kind])
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    etag = response["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    again = client.get(urls[kind], HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    assert client.get(urls[kind], HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_304_still_requires_permission(client, study, outsider, coordinator):
    client.force_login(coordinator)
    urls, _, _ = _urls(study[0], Phase.PRE_CONTRAST)
    etag = client.get(urls["instance"])["ETag"]
    client.force_login(outsider)
    assert client.get(urls["instance"], HTTP_IF_NONE_MATCH=etag).status_code == 403


def test_instance_is_the_stored_file_byte_for_byte(client, study, coordinator, media_root):
    client.force_login(coordinator)
    urls, _, inst = _urls(study[0], Phase.PORTAL_VENOUS)
    response = client.get(urls["instance"])
    assert response["Content-Type"] == "application/dicom"
    body = b"".join(response.streaming_content)
    assert body == (media_root / inst.path).read_bytes()
    assert hashlib.sha256(body).hexdigest() == inst.sha256


def test_native_frame_is_the_pixel_data(client, study, coordinator, media_root):
    client.force_login(coordinator)
    urls, _, inst = _urls(study[0], Phase.ARTERIAL)
    response = client.get(urls["frames"])
    assert response["Content-Type"].startswith("multipart/related")
    [(part_type, data)] = parse_multipart(response["Content-Type"], response.content)
    assert part_type == "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1"
    assert data == dcmread(media_root / inst.path).PixelData


@pytest.mark.parametrize("recorded_offsets", [False, True])
def test_jpegls_frame_passes_through_compressed(client, study, coordinator, media_root, recorded_offsets):
    urls, _, inst = _urls(study[0], Phase.PORTAL_VENOUS)
    ds = dcmread(media_root / inst.path)
    if recorded_offsets:  # the importer's offsets are used without parsing the file
        path = media_root / inst.path
        location = services.dicomweb.locate_pixel_data(path)
        Instance.objects.filter(pk=inst.pk).update(pixel_offset=location.offset,
                                                   pixel_length=path.stat().st_size - location.offset)
    client.force_login(coordinator)
    response = client.get(urls["frames"])
    [(part_type, data)] = parse_multipart(response["Content-Type"], response.content)
    assert part_type == f"image/jls; transfer-syntax={JPEGLSLossless}"
    assert data == next(generate_frames(ds.PixelData, number_of_frames=1))
    assert len(data) < 64 * 64 * 2  # still compressed
    import jpeg_ls

    decoded = jpeg_ls.decode(np.frombuffer(data, dtype=np.uint8)).astype(np.int16)
    assert np.array_equal(decoded, ds.pixel_array)


def test_missing_frame_and_foreign_series_are_404(client, study, coordinator):
    client.force_login(coordinator)
    urls, _, _ = _urls(study[0], Phase.ARTERIAL)
    assert client.get(urls["frames"][:-1] + "2").status_code == 404
    other, _, _ = _urls(study[0], Phase.DELAYED)
    wrong = urls["instance"].rsplit("/instances/", 1)[0] + "/instances/" + other["instance"].rsplit("/", 1)[1]
    assert client.get(wrong).status_code == 404


def _overlay(client, result, phase="arterial", kind="labelmap", **headers):
    return client.get(reverse("viewer:overlay", args=[result.pk, phase, kind]), **headers)


@pytest.mark.parametrize("kind", ["labelmap", "heatmap"])
def test_overlay_is_the_npz_array_gzip_encoded(client, ai_result, coordinator, media_root, kind):
    client.force_login(coordinator)
    response = _overlay(client, ai_result, kind=kind, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    shape = tuple(int(n) for n in response["X-Overlay-Shape"].split(","))
    array = np.frombuffer(gzip.decompress(response.content), dtype=np.uint8).reshape(shape)
    with np.load(media_root / ai_result.storage_dir / "overlays" / "arterial.npz") as npz:
        assert np.array_equal(array, npz[kind])
    assert _overlay(client, ai_result, kind=kind, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    plain = _overlay(client, ai_result, kind=kind)
    assert "Content-Encoding" not in plain and np.array_equal(np.frombuffer(plain.content, np.uint8), array.ravel())


def test_overlay_refused_without_ai_permission(client, ai_result, coordinator, outsider, monkeypatch):
    assert _overlay(client, ai_result).status_code == 403
    client.force_login(outsider)
    assert _overlay(client, ai_result).status_code == 403
    client.force_login(coordinator)
    monkeypatch.setattr("reader_study.studies.access.ai_elements_for", lambda user, case: frozenset())
    assert _overlay(client, ai_result, kind="heatmap").status_code == 403


def test_overlay_of_unknown_phase_or_unfinished_result_is_404(client, ai_result, coordinator):
    client.force_login(coordinator)
    assert _overlay(client, ai_result, phase="venous").status_code == 404
    ai_result.status = "running"
    ai_result.save()
    assert _overlay(client, ai_result).status_code == 404


def _config(response) -> dict | None:
    match = re.search(rb'<script id="rs-viewer-config" type="application/json">(.*?)</script>', response.content)
    return json.loads(match.group(1)) if match else None


def test_preview_page_for_coordinators_only(client, ai_result, coordinator, outsider):
    case = ai_result.case
    url = reverse("viewer:preview", args=[case.pk])
    client.force_login(outsider)
    assert client.get(url).status_code == 302
    client.force_login(coordinator)
    response = client.get(url)
    assert response.status_code == 200
    config = _config(response)
    assert [p["phase"] for p in config["phases"]] == ["pre_contrast", "arterial", "portal_venous", "delayed"]
    assert config["phases"][0]["presets"] == {"abdomen": [400, 50], "liver": [150, 50]}
    assert config["phases"][1]["presets"]["liver"] == [150, 90]
    assert set(config["overlays"]["phases"]) == {"pre_contrast", "arterial", "portal_venous", "delayed"}
    assert case.case_id.encode() in response.content  # page heading only: URLs carry UIDs and pks
    assert all(case.case_id not in json.dumps(v) for v in config["overlays"]["phases"].values())


def test_embed_leaves_out_overlays_without_ai_permission(client, ai_result, coordinator, monkeypatch):
    monkeypatch.setattr("reader_study.studies.access.ai_elements_for", lambda user, case: frozenset())
    client.force_login(coordinator)
    response = client.get(reverse("viewer:preview", args=[ai_result.case.pk]))
    config = _config(response)
    assert config["overlays"] is None
    assert b"/dicomweb/overlays/" not in response.content


def test_embed_says_no_when_images_are_not_allowed(rf, study, outsider):
    from django.template import Context, Template

    request = rf.get("/")
    request.user = outsider
    html = Template('{% include "viewer/embed.html" with case=case %}').render(
        Context({"case": study[0], "request": request}))
    assert "data-rs-viewer" not in html and "may not view" in html


def test_locate_pixel_data_matches_pydicom(study, media_root):
    for item in study[1].values():
        path = item.files[0]
        location = services.dicomweb.locate_pixel_data(path)
        raw = path.read_bytes()
        value = dcmread(io.BytesIO(raw)).PixelData
        if location.length is not None:
            assert raw[location.offset:location.offset + location.length] == value
        else:
            assert raw[location.offset:].startswith(value[:32])


def test_reader_sees_images_but_no_overlays_in_the_unaided_read(client, ai_result, unaided_read, reader):
    """PROTOCOL's real rules: enrolled reader with an open session, unaided read not locked yet."""
    client.force_login(reader)
    urls, _, _ = _urls(unaided_read.case, Phase.ARTERIAL)
    assert client.get(urls["metadata"]).status_code == 200
    assert client.get(urls["frames"]).status_code == 200
    assert _overlay(client, ai_result).status_code == 403
    assert _overlay(client, ai_result, kind="heatmap").status_code == 403


def test_reader_gets_overlays_once_the_unaided_read_is_locked(client, ai_result, aided_read, reader):
    client.force_login(reader)
    assert _overlay(client, ai_result).status_code == 200
    assert _overlay(client, ai_result, phase="delayed", kind="heatmap").status_code == 200


def test_each_overlay_needs_its_element_in_the_study_settings(client, ai_result, aided_read, reader):
    """A study that shows heat maps but not masks: the labelmap URL is refused, the heat map served."""
    from reader_study.studies.models import ReaderStudy

    ReaderStudy.objects.filter(pk=aided_read.study_id).update(ai_elements=["probabilities", "heatmaps"])
    client.force_login(reader)
    assert _overlay(client, ai_result).status_code == 403
    assert _overlay(client, ai_result, kind="heatmap").status_code == 200


def test_reader_before_opening_a_session_is_refused(client, study, reader):
    client.force_login(reader)
    urls, _, _ = _urls(study[0], Phase.ARTERIAL)
    assert client.get(urls["metadata"]).status_code == 403


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("wasm/charlswasm_decode.wasm", "application/wasm"), ("wasm/openjpegwasm_decode.wasm", "application/wasm"),
     ("esm/decodeImageFrameWorker.js", "text/javascript"), ("esm/viewer.js", "text/javascript")],
)
def test_bundle_worker_and_codecs_are_served_same_origin_with_their_mime_types(settings, path, content_type):
    """WhiteNoise (as deployed) serves the built bundle (``npm ci && npm run build``) with the right types."""
    from django.test import Client

    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get(f"/static/viewer/dist/{path}")
    assert response.status_code == 200, "build the viewer first: npm ci && npm run build"
    assert response["Content-Type"].split(";")[0] == content_type
