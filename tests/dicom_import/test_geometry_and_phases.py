"""Pure DICOM logic: slice sorting, geometry checks, series triage and phase detection."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from reader_study.dicom_import.errors import ImportFailed
from reader_study.dicom_import.geometry import sort_stack
from reader_study.dicom_import.phases import assign_phases, keyword_phases
from reader_study.dicom_import.records import SliceRecord
from reader_study.dicom_import.series import triage
from reader_study.vocabulary import Phase


def record(z: float, *, name: str = "", series: str = "1.2.3", **changes) -> SliceRecord:
    base = SliceRecord(
        path=Path(name or f"s{z}.dcm"), display=name or f"s{z}.dcm", study_uid="1.2", series_uid=series,
        sop_instance_uid=f"{series}.{z}", sop_class_uid="1.2.840.10008.5.1.4.1.1.2", modality="CT",
        series_number=2, series_description="Venous 5.0", image_type=("ORIGINAL", "PRIMARY", "AXIAL"),
        acquisition_number=1, acquisition_time="100000", series_time="100000", contrast_agent="Iohexol",
        contrast_start_time="", instance_number=1, orientation=(1, 0, 0, 0, 1, 0), position=(0.0, 0.0, z),
        pixel_spacing=(0.8, 0.8), slice_thickness=5.0, rows=16, columns=16, frame_of_reference_uid="1.9",
        patient_id="C1",
    )
    return dataclasses.replace(base, **changes)


def test_slices_sort_along_the_normal_not_by_name():
    stack = sort_stack([record(10), record(0), record(5)], "s")
    assert [r.position[2] for r in stack.slices] == [0, 5, 10]
    assert stack.slice_spacing == pytest.approx(5.0)


def test_negative_row_direction_flips_the_sort_order():
    flipped = (1, 0, 0, 0, -1, 0)  # as in pydicom-data explicit_VR-UN.dcm: normal points to -z
    stack = sort_stack([record(z, orientation=flipped) for z in (0, 10, 5)], "s")
    assert [r.position[2] for r in stack.slices] == [10, 5, 0]
    assert stack.normal == (0, 0, -1)


@pytest.mark.parametrize(
    ("zs", "problem"),
    [
        ((0, 5, 5, 10), "duplicate slice position"),
        ((0, 5, 15, 20), "gap in slice positions: 1 missing"),
        ((0, 5, 10, 13, 18), "inconsistent slice spacing"),
    ],
)
def test_irregular_stacks_are_refused(zs, problem):
    with pytest.raises(ImportFailed, match=problem) as info:
        sort_stack([record(z, name=f"f{i}.dcm") for i, z in enumerate(zs)], "series 2")
    assert info.value.file.startswith("f")


def test_changing_pixel_spacing_or_orientation_is_refused():
    with pytest.raises(ImportFailed, match="pixel spacing"):
        sort_stack([record(0), record(5, pixel_spacing=(0.7, 0.7))], "s")
    with pytest.raises(ImportFailed, match="orientation"):
        sort_stack([record(0), record(5, orientation=(1, 0, 0, 0, 0.9, -0.43))], "s")


@pytest.mark.parametrize(
    ("description", "phase"),
    [
        ("Plain 5.0 B30f", Phase.PRE_CONTRAST), ("ABD NC", Phase.PRE_CONTRAST),
        ("HEAD/BRAIN WO CONTRAST", Phase.PRE_CONTRAST), ("LAP", Phase.ARTERIAL),
        ("Late Arterial 1.0", Phase.ARTERIAL), ("PVP 70s", Phase.PORTAL_VENOUS),
        ("Portal Venous", Phase.PORTAL_VENOUS), ("DELAY 180s", Phase.DELAYED), ("Equilibrium", Phase.DELAYED),
        ("平扫", Phase.PRE_CONTRAST), ("动脉期", Phase.ARTERIAL), ("门脉期", Phase.PORTAL_VENOUS),
        ("静脉期 5mm", Phase.PORTAL_VENOUS), ("延迟期", Phase.DELAYED),
        ("Pre-contrast 5mm", Phase.PRE_CONTRAST), ("Non-contrast", Phase.PRE_CONTRAST),
        ("Arterial Phase 5mm", Phase.ARTERIAL), ("Portal Venous Phase 5mm", Phase.PORTAL_VENOUS),
        ("Delayed 3 min", Phase.DELAYED), ("NC 5.0 Br40", Phase.PRE_CONTRAST), ("PVP 5.0 Br40", Phase.PORTAL_VENOUS),
    ],
)
def test_vendor_wordings_map_to_phases(description, phase):
    assert keyword_phases(description) == {phase}


def test_description_naming_two_phases_is_ambiguous():
    assert keyword_phases("Arterial + Delay") == {Phase.ARTERIAL, Phase.DELAYED}
    candidates, _ = triage("C1", [record(0, series="9.9", series_description="Arterial/Delay")])
    with pytest.raises(ImportFailed, match="ambiguous") as info:
        assign_phases("C1", candidates)
    assert "9.9" in info.value.file


def four_series(descriptions, times=("100000", "100300", "100400", "100700"), agents=("", "I", "I", "I")):
    records = []
    for n, (desc, time, agent) in enumerate(zip(descriptions, times, agents)):
        records += [record(z, series=f"1.{n}", series_number=n + 2, series_description=desc,
                           acquisition_time=time, contrast_agent=agent) for z in (0, 5)]
    return records


def test_unlabelled_series_fall_back_on_contrast_and_acquisition_order():
    candidates, _ = triage("C1", four_series(["Abdomen"] * 4))
    result = assign_phases("C1", candidates)
    assert {p: c.series_uid for p, c in result.series.items()} == {
        Phase.PRE_CONTRAST: "1.0", Phase.ARTERIAL: "1.1", Phase.PORTAL_VENOUS: "1.2", Phase.DELAYED: "1.3"}
    assert result.source[Phase.ARTERIAL] == "acquisition order"
    assert result.source[Phase.PRE_CONTRAST] == "no contrast agent"


def test_manifest_override_by_series_number_wins():
    candidates, _ = triage("C1", four_series(["Abdomen"] * 4, times=("", "", "", "")))
    with pytest.raises(ImportFailed, match="cannot tell the phase"):
        assign_phases("C1", candidates)
    overrides = {Phase.ARTERIAL: "4", Phase.PORTAL_VENOUS: "3", Phase.DELAYED: "1.3"}
    result = assign_phases("C1", candidates, overrides)
    assert result.series[Phase.ARTERIAL].series_uid == "1.2"
    assert result.source[Phase.ARTERIAL] == "manifest override"


def test_missing_phase_and_duplicate_phase_are_errors():
    candidates, _ = triage("C1", four_series(["Plain", "Arterial", "Venous", "Venous"]))
    with pytest.raises(ImportFailed, match="two series claim the portal_venous phase"):
        assign_phases("C1", candidates)
    candidates, _ = triage("C1", four_series(["Plain", "Arterial", "Venous", "Delay"])[:6])
    with pytest.raises(ImportFailed, match="missing phase.*delayed"):
        assign_phases("C1", candidates)


def test_scouts_reformats_dose_reports_and_thin_recons_are_ignored_but_listed():
    records = four_series(["Plain", "Arterial", "Venous", "Delay"])
    records.append(record(0, series="7.1", image_type=("ORIGINAL", "PRIMARY", "LOCALIZER"), series_number=1))
    records.append(record(0, series="7.2", image_type=("DERIVED", "SECONDARY", "REFORMATTED")))
    records.append(record(0, series="7.3", orientation=(1, 0, 0, 0, 0, -1), series_description="COR"))
    records.append(record(0, series="7.4", modality="SR", sop_class_uid="1.2.840.10008.5.1.4.1.1.88.67"))
    records += [record(z, series="7.5", series_description="Venous 1.25", slice_thickness=1.25) for z in (0, 1.25)]
    candidates, ignored = triage("C1", records)
    assert {i.series_instance_uid for i in ignored} == {"7.1", "7.2", "7.3", "7.4"}
    result = assign_phases("C1", candidates)
    assert result.series[Phase.PORTAL_VENOUS].series_uid == "1.2"
    assert [i.series_instance_uid for i in result.ignored] == ["7.5"]
    assert "thin-slice" in result.ignored[0].reason
    chosen = assign_phases("C1", candidates, {Phase.PORTAL_VENOUS: "7.5"})
    assert chosen.series[Phase.PORTAL_VENOUS].series_uid == "7.5"


def test_all_phases_in_one_series_are_split_by_acquisition_number():
    records = [record(z, series="5.5", series_description="LIVER 3 PHASE", acquisition_number=n,
                      acquisition_time=f"1{n}0000", contrast_agent="I" if n > 1 else "")
               for n in (1, 2, 3, 4) for z in (0, 5, 10)]
    candidates, _ = triage("C1", records)
    assert [c.split_label for c in candidates] == ["1", "2", "3", "4"]
    assert len({c.series_uid for c in candidates}) == 4
    result = assign_phases("C1", candidates)
    assert result.series[Phase.DELAYED].split_label == "4"
    assert result.series[Phase.PRE_CONTRAST].split_label == "1"


def test_contrast_timing_decides_when_descriptions_say_nothing():
    records = []
    for n, (time, start) in enumerate([("100000", ""), ("100235", "100200"), ("100310", "100200"),
                                       ("100500", "100200")]):
        records += [record(z, series=f"2.{n}", series_number=n + 2, series_description="Abdomen 5mm",
                           acquisition_time=time, contrast_start_time=start, contrast_agent="I" if n else "")
                    for z in (0, 5)]
    candidates, _ = triage("C1", records)
    result = assign_phases("C1", candidates)
    assert {p: c.series_uid for p, c in result.series.items()} == {
        Phase.PRE_CONTRAST: "2.0", Phase.ARTERIAL: "2.1", Phase.PORTAL_VENOUS: "2.2", Phase.DELAYED: "2.3"}
    assert result.source[Phase.ARTERIAL] == result.source[Phase.DELAYED] == "contrast timing"


def test_pre_contrast_wording_with_a_contrast_agent_is_a_conflict():
    records = four_series(["Plain", "Arterial", "Venous", "Delay"], agents=("Iohexol", "I", "I", "I"))
    candidates, _ = triage("C1", records)
    with pytest.raises(ImportFailed, match="description says pre-contrast but ContrastBolusAgent") as info:
        assign_phases("C1", candidates)
    assert "'Plain'" in info.value.file


def test_a_part_of_a_split_series_is_selectable_by_number_and_acquisition():
    records = [record(z, series="5.5", series_number=7, series_description="LIVER", acquisition_number=n,
                      acquisition_time="", contrast_agent="I" if n > 1 else "")
               for n in (1, 2, 3, 4, 5) for z in (0, 5)]
    candidates, _ = triage("C1", records)
    with pytest.raises(ImportFailed, match="cannot tell the phase"):
        assign_phases("C1", candidates)
    result = assign_phases("C1", candidates, {Phase.ARTERIAL: "7:3", Phase.PORTAL_VENOUS: "7:4",
                                              Phase.DELAYED: "7:5"})
    assert [result.series[p].split_label for p in Phase] == ["1", "3", "4", "5"]
    assert [(i.series_instance_uid, i.reason) for i in result.ignored] == [
        ("5.5", "no phase detected; all four phases already assigned")]
