"""The documentation is self-contained: code, tests, notebooks and docs cite docs/, not outside notes.

Every derivation the package relies on is written in docs/ (docs/theory.md, docs/sgd.md,
docs/signsgd.md, ...). A citation of a note that is not part of the repository ("theory note",
"sgd_plrf.md §4.1", "pitfall P1", ...) points to text a reader does not have; this test lists every
such line. Literature citations (paper and equation or section numbers) are not affected.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

#: where citations can hide; generated and installed trees are skipped
SCANNED = [("deterministic_risk", "**/*.py"), ("tests", "**/*.py"), ("benchmarks", "**/*.py"),
           ("notebooks", "*.ipynb"), ("docs", "*.md"), ("docs", "*.py"), (".", "*.md"),
           (".", "*.py")]
SKIPPED_PARTS = {"_build", ".venv", "__pycache__", ".ipynb_checkpoints"}

#: basenames of notes outside the repository that were once cited; a docs page of the same name
#: is fine, a section number it does not have is not
NOTE_NAMES = ("sgd_plrf", "signsgd_plrf", "signsgd", "extensions")

GENERIC = [
    re.compile(r"theory[\s_-]+notes?\b", re.IGNORECASE),
    re.compile(r"\bpitfalls?\s+[PE]?\d", re.IGNORECASE),
    re.compile(r"\bnote(?:'s)?\s*§", re.IGNORECASE),
    re.compile(r"\bthe note(?:'s)?\b", re.IGNORECASE),
    re.compile(r"shared/theory"),
]
NOTE_CITATION = re.compile(r"(?<![\w.-])(?:docs/)?(" + "|".join(NOTE_NAMES)
                           + r")\.md[`'\"]*(?:\s*,?\s*(?:§\s*(\d+)))?")
HEADING_NUMBER = re.compile(r"^#+\s+(\d+)\.", re.MULTILINE)


def _files():
    this = Path(__file__).resolve()
    seen = set()
    for folder, pattern in SCANNED:
        for path in sorted((ROOT / folder).glob(pattern)):
            path = path.resolve()
            if path == this or path in seen or SKIPPED_PARTS & set(path.parts):
                continue
            seen.add(path)
            yield path


def _docs_sections(name: str) -> set[str] | None:
    """Numbers of the numbered top sections of docs/<name>.md, or None if there is no such page."""
    page = DOCS / f"{name}.md"
    if not page.is_file():
        return None
    return set(HEADING_NUMBER.findall(page.read_text(encoding="utf-8")))


def external_citations() -> list[str]:
    """Every line that cites a note outside the repository, as 'path:line: text'."""
    sections = {name: _docs_sections(name) for name in NOTE_NAMES}
    found = []
    for path in _files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            bad = any(p.search(line) for p in GENERIC)
            for m in NOTE_CITATION.finditer(line):
                have = sections[m.group(1)]
                if have is None or (m.group(2) is not None and m.group(2) not in have):
                    bad = True
            if bad:
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:160]}")
    return found


def test_no_citation_of_notes_outside_the_repository():
    found = external_citations()
    assert not found, ("cite docs/ (page and section title) instead of notes outside the "
                       "repository:\n" + "\n".join(found))


def test_the_scanner_finds_each_kind_of_external_citation(tmp_path):
    # the patterns must catch what they are meant to catch and leave docs/ references alone
    cited = ["(theory note ``sgd_plrf.md`` §4.1)", "Theory notes: ``signsgd.md``",
             "(signsgd_plrf.md §3.2)", "pitfall P1", "(note §12.4)", "extensions.md §10.3",
             "as the note states",
             "test_edges_table_of_the_theory_note"]
    fine = ["docs/sgd.md, 'The exact recursion'", "[signSGD](signsgd.md), 'The mode ODE'",
            "``docs/signsgd_plrf.md``, 'Compute-optimal areas'", "[4+3] §6",
            "docs/signsgd_large_d.md §9", "# Theory of the modules", "docs/extensions.md §2"]
    sections = {name: _docs_sections(name) for name in NOTE_NAMES}

    def flagged(line):
        if any(p.search(line) for p in GENERIC):
            return True
        return any(sections[m.group(1)] is None
                   or (m.group(2) is not None and m.group(2) not in sections[m.group(1)])
                   for m in NOTE_CITATION.finditer(line))

    assert [c for c in cited if not flagged(c)] == []
    assert [f for f in fine if flagged(f)] == []
