"""``manage.py export_nnunet_dataset --out DIR [--cohort train]``: imported cases with reference masks
in nnU-Net's raw layout, one single-channel sample per (case, phase) (see ``inference.segmentation``)."""
from __future__ import annotations

import re
from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from inference.segmentation import DATASET_ID, SegmentationSample, export_dataset
from reader_study.cases.models import ReferenceMask


def samples(masks, progress: bool) -> Iterator[SegmentationSample]:
    from reader_study.cases.volumes import load_mask, load_series_volume

    for mask in tqdm(masks, desc="export", unit="phase", disable=not progress):
        series = mask.case.imaging_study.series.get(phase=mask.phase)
        volume = load_series_volume(series)
        labelmap = load_mask(mask)
        identifier = re.sub(r"[^A-Za-z0-9-]", "-", f"{mask.case.case_id}") + f"_{mask.phase}"
        yield SegmentationSample(identifier, volume.hu, tuple(volume.spacing_zyx), labelmap)


class Command(BaseCommand):
    help = "Export imported cases that have reference masks as an nnU-Net v2 raw data set."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", required=True, help="nnUNet_raw root; DatasetNNN_LiverTumour is created in it.")
        parser.add_argument("--cohort", default="train", help="Case cohort to export (default: train); 'all' for all.")
        parser.add_argument("--dataset-id", type=int, default=DATASET_ID)

    def handle(self, *args, **options) -> None:
        masks = ReferenceMask.objects.select_related("case").order_by("case__case_id", "phase")
        if options["cohort"] != "all":
            masks = masks.filter(case__cohort=options["cohort"])
        if not masks.exists():
            raise CommandError(f"no reference masks in cohort {options['cohort']!r}: import cases with masks first")
        try:
            folder = export_dataset(samples(list(masks), options["verbosity"] > 0), options["out"],
                                    dataset_id=options["dataset_id"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"wrote {masks.count()} phase samples to {folder}")
