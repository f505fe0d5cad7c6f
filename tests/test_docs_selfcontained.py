"""The project's documentation stands alone (issue 14, item 4).

Design notes kept beside the project (outside the repository) must never be cited as a
reference by the code, tests, benchmarks or pages, and every relative link in README.md and
docs/*.md must point to a file in the repository. Paths to the public recordings under
``../shared/data/real`` are data, not documentation, and stay allowed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
THIS = Path(__file__).resolve()

#: Folders and top-level files whose text is checked.
SCANNED_DIRS = ("docs", "gait", "devices", "firmware_profiles", "benchmarks", "tests")
SCANNED_FILES = ("README.md", "Makefile", "pyproject.toml")
TEXT_SUFFIXES = {
    ".py",
    ".md",
    ".toml",
    ".txt",
    ".html",
    ".js",
    ".css",
    ".json",
    ".cfg",
    ".ini",
    ".yml",
    ".yaml",
}

#: A reference to the outside notes: by file name, by section ("METRICS §2"), by a quoted
#: section title ('DESIGN "Summaries"'), or any ``../shared/`` path other than the data.
OUTSIDE_DOC = re.compile(
    r"\b(?:METRICS|DESIGN|PROTOCOLS)\.md\b"
    r"|\b(?:METRICS|DESIGN|PROTOCOLS)\s*§"
    r"|\bDESIGN\s+\""
    r"|(?:\.\./)+shared/(?!data/real\b)"
    r"|/work/shared\b"
)

#: Inline Markdown links and images: ``[text](target)``.
LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.S | re.M)
CODE_SPAN = re.compile(r"`[^`\n]*`")


def outside_doc_refs(text: str) -> list[str]:
    """Every line of ``text`` that cites the outside notes, as ``'line N: ...'``."""
    return [
        f"line {i}: {line.strip()}"
        for i, line in enumerate(text.splitlines(), 1)
        if OUTSIDE_DOC.search(line)
    ]


def relative_links(markdown: str) -> list[str]:
    """Relative link targets of ``markdown`` (code blocks and code spans left out)."""
    prose = CODE_SPAN.sub("", FENCE.sub("", markdown))
    out = []
    for target in LINK.findall(prose):
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a URL (https:, mailto: ...) or an anchor on the same page
        out.append(target.split("#", 1)[0])
    return out


def _scanned() -> list[Path]:
    files = [ROOT / f for f in SCANNED_FILES if (ROOT / f).is_file()]
    for d in SCANNED_DIRS:
        for p in sorted((ROOT / d).rglob("*")):
            if (
                p.is_file()
                and p.suffix in TEXT_SUFFIXES
                and "__pycache__" not in p.parts
                and p.resolve() != THIS
            ):
                files.append(p)
    return files


def test_the_patterns_catch_outside_references_and_allow_data_paths() -> None:
    bad = [
        "see METRICS.md for the thresholds",
        "(DESIGN.md, section 4)",
        "the byte layout is in ../shared/PROTOCOLS.md",
        "Contacts → step table (METRICS §2).",
        'summaries (DESIGN "Summaries")',
        "notes in ../../shared/notes.txt",
        "/work/shared/DESIGN.md",
    ]
    ok = [
        "recordings in ../shared/data/real/mobgap_lowerback_walk",
        "thresholds: docs/metrics.md; devices: docs/protocols.md",
        "from gait.contract.metric_defs import METRICS",
        "REAL = ROOT.parent / 'shared' / 'data' / 'real'",
    ]
    assert all(outside_doc_refs(s) for s in bad), [s for s in bad if not outside_doc_refs(s)]
    assert not any(outside_doc_refs(s) for s in ok), [s for s in ok if outside_doc_refs(s)]


def test_link_parser_skips_urls_anchors_and_code() -> None:
    md = (
        'A [page](docs/a.md#part), an ![image](img/b.png "title"), a [site](https://x.org/y),\n'
        "an [anchor](#top), `[code](not/a/link.md)`.\n\n```python\nf[0](x)\n```\n"
    )
    assert relative_links(md) == ["docs/a.md", "img/b.png"]


def test_no_file_cites_the_notes_outside_the_repository() -> None:
    hits = {}
    for path in _scanned():
        found = outside_doc_refs(path.read_text(encoding="utf-8", errors="replace"))
        if found:
            hits[path.relative_to(ROOT).as_posix()] = found
    assert not hits, f"files citing documents outside the repository: {hits}"


def test_scan_covers_the_documentation_and_the_code() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in _scanned()}
    for must in (
        "README.md",
        "docs/architecture.md",
        "docs/protocols.md",
        "docs/extending.md",
        "docs/metrics.md",
        "gait/analysis/pipeline.py",
        "devices/profiles.py",
    ):
        assert must in names, must
    assert "tests/test_docs_selfcontained.py" not in names


@pytest.mark.parametrize(
    "page",
    ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))],
)
def test_relative_links_point_to_files_in_the_repository(page: str) -> None:
    path = ROOT / page
    broken = []
    for target in relative_links(path.read_text(encoding="utf-8")):
        if not target:
            continue
        dest = (path.parent / target).resolve()
        if not dest.exists() or not dest.is_relative_to(ROOT):
            broken.append(target)
    assert not broken, f"{page} links to missing or outside files: {broken}"
