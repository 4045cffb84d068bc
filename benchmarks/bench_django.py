"""Django set-up shared by the benchmarks: a throwaway media folder and database.

With ``DATABASE_URL`` set, a ``<prefix>_<pid>`` database is created next to it (Django test-runner style) and
dropped afterwards; otherwise SQLite in the benchmark's temporary folder. Not a benchmark itself.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def configure_django(work: Path) -> None:
    """Point Django at a throwaway media folder and database, then set it up."""
    # Drop benchmarks/ from the path: benchmarks/statistics.py would shadow the standard library's statistics
    # module, which Django's SQLite backend imports when it connects.
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    sys.path.insert(0, str(REPO))
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ["READER_STUDY_VAR"] = str(work / "var")
    os.environ.setdefault("SECRET_KEY", "benchmark-secret-key-not-for-production")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "reader_study.settings"
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    import django

    django.setup()


def create_database(prefix: str = "bench") -> tuple[str, bool]:
    """Create and migrate the throwaway database; return (original name, whether it must be destroyed)."""
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        call_command("migrate", verbosity=0)
        return connection.settings_dict["NAME"], False
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{prefix}_{os.getpid()}"
    original = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return original, True


def destroy_database(original: str, created: bool) -> None:
    from django.db import connection

    if created:
        connection.creation.destroy_test_db(original, verbosity=0)
