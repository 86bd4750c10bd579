"""The Makefile's reader-facing targets do what the README says on the machines readers have."""

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def dry_run(target):
    """The commands `make target` would run (make -n), as text."""
    return subprocess.run(["make", "-n", target], cwd=REPO, capture_output=True, text=True, check=True).stdout


def test_make_lab_passes_allow_root_exactly_when_run_as_root():
    # Jupyter refuses to start as root without --allow-root: every container runs as root.
    lab_line = next(line for line in dry_run("lab").splitlines() if "jupyter lab" in line)
    assert ("--allow-root" in lab_line) == (os.geteuid() == 0), lab_line
    assert lab_line.rstrip().endswith("chapters/")
