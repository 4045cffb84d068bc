"""The endpoints on cases written by PHANTOM and imported by IMPORT (its pixel offsets and metadata cache)."""
from __future__ import annotations

import json

import pytest
from django.urls import reverse
from pydicom import dcmread
from pydicom.encaps import generate_frames

from reader_study.cases.models import Case, Instance, Series
from reader_study.cases.services import import_cases
from reader_study.phantom import generate_dataset
from reader_study.viewer import dicomweb

from .test_endpoints import parse_multipart

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(tmp_path, media_root, coordinator):
    generate_dataset(tmp_path / "ph", n_cases=1, seed=7, size=32, slices=5, compressed_fraction=0.5)
    import_cases(tmp_path / "ph", tmp_path / "ph" / "manifest.csv")
    case = Case.objects.get()
    from reader_study.studies import services

    services.do_create_study(coordinator, name="imported", cases=[case])
    return case, tmp_path / "ph"


def test_frames_and_metadata_of_imported_series(client, imported, coordinator, media_root):
    case, _ = imported
    client.force_login(coordinator)
    syntaxes = set()
    for series in Series.objects.filter(study__case=case):
        metadata_url = reverse("viewer:series-metadata", args=[series.study.study_instance_uid,
                                                              series.series_instance_uid])
        items = json.loads(client.get(metadata_url).content)
        assert all(item["00020010"]["Value"] for item in items)
        instances = list(series.instances.order_by("index"))
        assert [i["00080018"]["Value"][0] for i in items] == [i.sop_instance_uid for i in instances]
        for inst in instances:
            syntaxes.add(inst.transfer_syntax_uid)
            url = reverse("viewer:frames", args=[series.study.study_instance_uid, series.series_instance_uid,
                                                 inst.sop_instance_uid, 1])
            response = client.get(url)
            assert response.status_code == 200
            [(part_type, data)] = parse_multipart(response["Content-Type"], response.content)
            ds = dcmread(media_root / inst.path)
            assert (str(ds.SOPInstanceUID), str(ds.SeriesInstanceUID)) == (inst.sop_instance_uid,
                                                                            series.series_instance_uid)
            if inst.transfer_syntax_uid in dicomweb.NATIVE_SYNTAXES:
                assert data == ds.PixelData
            else:
                assert data == next(generate_frames(ds.PixelData, number_of_frames=1))
                assert part_type.endswith(f"transfer-syntax={inst.transfer_syntax_uid}")
    assert len(syntaxes) == 2  # both uncompressed and JPEG-LS phases went through
    assert Instance.objects.filter(series__study__case=case, pixel_offset__isnull=False).exists()  # IMPORT's offsets
    assert all(s.metadata_json for s in Series.objects.filter(study__case=case))  # IMPORT's cache was served
