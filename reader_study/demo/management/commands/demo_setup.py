"""``manage.py demo_setup``: the demo model, phantom cases, accounts and a pilot study (idempotent)."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from reader_study.demo.setup import COORDINATOR, READERS, build


class Command(BaseCommand):
    help = "Prepare the one-command demo on embedded defaults; safe to run twice."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/")
        parser.add_argument("--cases", type=int, default=12)
        parser.add_argument("--size", type=int, default=256)
        parser.add_argument("--slices", type=int, default=48)

    def handle(self, *args, **options) -> None:
        def log(message: str) -> None:
            self.stdout.write(f"  {message}")
            self.stdout.flush()

        world = build(Path(settings.VAR_DIR), log, n_cases=options["cases"], size=options["size"],
                      slices=options["slices"])
        url = options["url"]
        lines = [
            "",
            "The demo is ready. SYNTHETIC DATA - NOT FOR CLINICAL USE.",
            f"  Open {url}",
            f"  Coordinator: {COORDINATOR[0]} / {COORDINATOR[1]}",
            *(f"  Reader ({experience}): {name} / {password}" for name, password, experience, _ in READERS),
            f"  Study ({world.n_cases} cases, model: {world.model_label}):",
            f"    coordinator: {url}studies/{world.study_pk}/   readers: {url}my/studies/{world.study_pk}/",
            "  As a reader: open the study, read every case unaided (the AI is hidden), then open the aided",
            "  session (pilot washout) and read again with the AI panel and overlays.",
            "  As the coordinator: watch progress, then open Statistics to see the aided-vs-unaided analysis.",
            "",
        ]
        self.stdout.write("\n".join(lines))
