"""`python -m benchmarks.chapter_times [chapter ...]`: each chapter's wall time on both backends.

Executes every notebook in chapters/ once per backend (as nbval and the book build do, default
sizes, no FULL=1) and prints a table of wall seconds. The book's budget is 30 s a chapter on
2 cores; run it on an idle machine, since a loaded one inflates every row."""

import argparse
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

CHAPTERS = Path(__file__).resolve().parent.parent / "chapters"
BUDGET_SECONDS = 30.0


def time_notebook(path, backend):
    """Wall seconds to execute the notebook at `path` with DLBOOK_BACKEND=`backend`."""
    notebook = nbformat.read(path, as_version=4)
    os.environ["DLBOOK_BACKEND"] = backend
    os.environ.setdefault("TQDM_DISABLE", "1")
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as error:
        print(f"{path.stem} failed on {backend}: {str(error).splitlines()[-1]}", flush=True)
        return float("nan")
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("chapters", nargs="*", help="notebook names (default: all)")
    parser.add_argument("--backends", default="numpy,torch")
    args = parser.parse_args()
    paths = sorted(CHAPTERS.glob("*.ipynb"))
    if args.chapters:
        paths = [p for p in paths if any(name in p.name for name in args.chapters)]
    backends = args.backends.split(",")
    print(f"{'chapter':34s}" + "".join(f"{b:>10s}" for b in backends))
    for path in paths:
        seconds = [time_notebook(path, backend) for backend in backends]
        flags = " over budget" if any(s > BUDGET_SECONDS for s in seconds) else ""
        print(f"{path.stem:34s}" + "".join(f"{s:9.1f}s" for s in seconds) + flags, flush=True)


if __name__ == "__main__":
    main()
