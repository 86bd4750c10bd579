"""The chapters' apparatus, read from the notebooks' JSON (nothing is executed here).

- Exercise solutions are executed: code lives in code cells between a gated
  ``{solution-start}`` and its ``{solution-end}`` (markdown cells), never in a markdown fence
  that nothing runs; every solution is hidden behind a toggle (``:class: dropdown``).
- Every chapter ends with a summary and exercises; exercises are referred to by label
  ({ref}/{numref}), since sphinx-exercise numbers them across the whole book.
- Chapters and sections in the numbered parts of _toc.yml carry no hand-written numbers
  (Sphinx numbers them), and literature is cited with {cite} roles whose keys are in
  references.bib.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((REPO / "chapters").glob("[0-9][0-9]_*.ipynb"))

SOLUTION = re.compile(r"(`{3,})\{solution\}[ \t]*(\S*)\n(.*?)\n\1[ \t]*$", re.S | re.M)
GATED = re.compile(r"^```\{solution-(start|end)\}[ \t]*(\S*)[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)
EXERCISE_LABEL = re.compile(r"\{exercise(?:-start)?\}[^\n]*\n(?::[^\n]*\n)*?:label:[ \t]*(\S+)")
CODE_FENCE = re.compile(r"^[ \t]*`{3,}[ \t]*(?:python|py|ipython3?|\{code-cell\})", re.M)
PLAIN_EXERCISE_REF = re.compile(r"\b[Ee]xercises? \d+\b")
HAND_NUMBERED_HEADING = re.compile(r"^#{1,6}[ \t]+(?:\d+(?:\.\d+)*\.?|[A-Z]\.\d+)[ \t]", re.M)
SUMMARY_HEADING = re.compile(r"^##[ \t]+Summary[ \t]*$", re.M)
EXERCISES_HEADING = re.compile(r"^##[ \t]+Exercises[ \t]*$", re.M)
CITE_ROLE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
# "He et al. (2016)", "(Cho et al., 2014)", "Glorot and Bengio (2010)", "(Hochreiter, 1991)", outside math and code
UNCITED_LITERATURE = re.compile(r"\b[A-Z][\w'-]+(?: et al\.| (?:and|&) [A-Z][\w'-]+)?(?:,| \()\s?(?:19|20)\d\d\b")
MATH_OR_CODE = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$|`[^`\n]+`", re.S)
BIB_KEY = re.compile(r"^@\w+\{([^,\s]+),", re.M)


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def markdown(path: Path) -> list[str]:
    return ["".join(cell["source"]) for cell in cells(path) if cell["cell_type"] == "markdown"]


def prose(text: str) -> str:
    """Markdown without its cite roles, math and inline code."""
    return MATH_OR_CODE.sub("", CITE_ROLE.sub("", text))


def numbered_files() -> set[str]:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    return {
        chapter["file"]
        for part in toc.get("parts", [])
        if part.get("numbered")
        for chapter in part.get("chapters", [])
    }


def chapter_id(path: Path) -> str:
    return path.stem


@pytest.fixture(params=CHAPTERS, ids=chapter_id)
def chapter(request) -> Path:
    return request.param


def test_there_are_chapters():
    assert len(CHAPTERS) >= 14


def test_no_solution_keeps_code_in_a_markdown_fence(chapter):
    """A solution's code is a code cell, run by nbval and by the book build."""
    texts = markdown(chapter)
    offenders = [m.group(2) for text in texts for m in SOLUTION.finditer(text) if CODE_FENCE.search(m.group(3))]
    # Between a solution-start and its solution-end, the markdown cells hold prose only.
    gated = re.finditer(r"\{solution-start\}[ \t]*(\S*)(.*?)(?:\{solution-end\}|$)", "\n".join(texts), re.S)
    offenders += [m.group(1) for m in gated if CODE_FENCE.search(m.group(2))]
    assert not offenders, f"{chapter.name}: solutions with code in a markdown fence: {offenders}"


def test_every_solution_start_has_its_solution_end(chapter):
    """Gated solutions pair up in order: start, code cells, end; never nested, never left open."""
    problems, open_at = [], None
    for cell in cells(chapter):
        if cell["cell_type"] != "markdown":
            continue
        for match in GATED.finditer("".join(cell["source"])):
            if match.group(1) == "start":
                if open_at:
                    problems.append(f"solution-start in cell {cell['id']} while the one of {open_at} is open")
                open_at = f"{match.group(2)} (cell {cell['id']})"
            elif open_at is None:
                problems.append(f"solution-end in cell {cell['id']} without a solution-start")
            else:
                open_at = None
    if open_at:
        problems.append(f"solution-start {open_at} has no solution-end")
    assert not problems, f"{chapter.name}: " + "; ".join(problems)


def test_every_solution_answers_an_exercise_of_its_chapter_and_is_hidden(chapter):
    texts = markdown(chapter)
    labels = {label for text in texts for label in EXERCISE_LABEL.findall(text)}
    problems = []
    for text in texts:
        solutions = [(m.group(2), m.group(3)) for m in SOLUTION.finditer(text)]
        solutions += [(m.group(2), m.group(3)) for m in GATED.finditer(text) if m.group(1) == "start"]
        for label, body in solutions:
            if label not in labels:
                problems.append(f"solution for {label!r}, which is no exercise of this chapter")
            if not re.search(r"^:class:[^\n]*\bdropdown\b", body, re.M):
                problems.append(f"solution for {label!r} is not hidden (:class: dropdown)")
    assert not problems, f"{chapter.name}: " + "; ".join(problems)


def test_every_chapter_has_a_summary_and_exercises(chapter):
    texts = markdown(chapter)
    assert any(SUMMARY_HEADING.search(text) for text in texts), f"{chapter.name} has no '## Summary' section"
    assert any(EXERCISES_HEADING.search(text) for text in texts), f"{chapter.name} has no '## Exercises' section"
    assert any(EXERCISE_LABEL.search(text) for text in texts), f"{chapter.name} has no labelled exercise"


def test_exercises_are_referred_to_by_label(chapter):
    """sphinx-exercise numbers exercises across the book: "exercise 2" in plain text is wrong."""
    plain = [
        match.group(0)
        for text in markdown(chapter)
        for line in text.splitlines()
        if not line.lstrip().startswith(":label:")
        for match in PLAIN_EXERCISE_REF.finditer(CITE_ROLE.sub("", line))
    ]
    assert not plain, f"{chapter.name}: use {{ref}}`label` instead of {plain}"


def test_numbered_chapters_carry_no_hand_numbers(chapter):
    """Sphinx numbers the chapters and sections of a numbered part; a second, typed numbering would clash."""
    if f"chapters/{chapter.stem}" not in numbered_files():
        pytest.skip("not in a numbered part of _toc.yml")
    headings = [m.group(0).strip() for text in markdown(chapter) for m in HAND_NUMBERED_HEADING.finditer(text)]
    assert not headings, f"{chapter.name}: headings with typed numbers {headings}"


def test_literature_is_cited_from_references_bib(chapter):
    keys = set(BIB_KEY.findall((REPO / "references.bib").read_text()))
    texts = markdown(chapter)
    cited = {key.strip() for text in texts for role in CITE_ROLE.findall(text) for key in role.split(",")}
    assert cited <= keys, f"{chapter.name} cites keys missing from references.bib: {sorted(cited - keys)}"
    uncited = [m.group(0) for text in texts for m in UNCITED_LITERATURE.finditer(prose(text))]
    assert not uncited, f"{chapter.name}: literature named in plain text, not with {{cite}}: {uncited}"


def test_notebooks_keep_unique_cell_ids_and_no_outputs(chapter):
    ids = [cell.get("id") for cell in cells(chapter)]
    assert all(ids) and len(ids) == len(set(ids)), f"{chapter.name}: missing or repeated cell ids"
    with_outputs = [
        cell["id"]
        for cell in cells(chapter)
        if cell["cell_type"] == "code" and cell.get("outputs") and not cell["metadata"].get("keep_output")
    ]
    assert not with_outputs, f"{chapter.name}: committed with outputs in cells {with_outputs}"


# The checks themselves, on small hand-made cells, so that a regex that matches nothing cannot pass.

FENCED = (
    "```{exercise}\n:label: ex-a\n\nDo it.\n```\n\n"
    "````{solution} ex-a\n:class: dropdown\n\n```python\nx = 1\n```\n````"
)
GATED_START = "```{solution-start} ex-a\n:class: dropdown\n```\n\nProse."


def test_the_checks_recognise_what_they_look_for():
    match = SOLUTION.search(FENCED)
    assert match and match.group(2) == "ex-a" and CODE_FENCE.search(match.group(3))
    assert EXERCISE_LABEL.findall(FENCED) == ["ex-a"]
    assert [m.group(1) for m in GATED.finditer(GATED_START + "\n\n```{solution-end}\n```")] == ["start", "end"]
    assert PLAIN_EXERCISE_REF.search("as exercise 2 shows") and not PLAIN_EXERCISE_REF.search("{ref}`ex-a`")
    assert HAND_NUMBERED_HEADING.search("# 1. Neurons") and HAND_NUMBERED_HEADING.search("## 3.1 The chain rule")
    assert not HAND_NUMBERED_HEADING.search("## Neurons") and not HAND_NUMBERED_HEADING.search("# 2D data")
    for plain in ("He et al. (2016)", "(Cho et al., 2014)", "Glorot and Bengio (2010)", "(Hochreiter, 1991;"):
        assert UNCITED_LITERATURE.search(plain), plain
    for cited in ("{cite:t}`he2016resnet`", "shape $(N, 2048)$", "`Linear(64, 2048)`", "in 2016"):
        assert not UNCITED_LITERATURE.search(prose(cited)), cited
