"""`phonebank init`: a working starter that `check` passes as written."""

from __future__ import annotations

import shutil
from pathlib import Path

from phonebank.errors import PhonebankError

FILES = Path(__file__).parent / "starter_files"
LAYOUT = {
    "campaigns.yaml": "campaigns.yaml",
    "tenant-vote.j2": "scripts/tenant-vote.j2",
    "contacts.csv": "contacts.csv",
}


def write_starter(directory: Path, force: bool = False) -> list[Path]:
    """Copy the starter files into `directory`; refuse to overwrite unless forced."""
    targets = {directory / dest: FILES / src for src, dest in LAYOUT.items()}
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        names = ", ".join(str(t) for t in existing)
        raise PhonebankError(
            f"Error: {names} already exist. Use --force to overwrite, or pick "
            "another directory."
        )
    for target, source in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return list(targets)
