"""Drop the lines of a page that are not running text.

Page furniture (running headers and footers the profile found, page numbers, running heads
glued to the original page number), URLs printed twice, and numbers left over from charts.
"""

from __future__ import annotations

import re

from ingest.lexicon import PAGE_FOOTER
from ingest.lines import BULLET, ENUMERATION, TIME_ROW, URL_ONLY, normalise_line
from ingest.profile import DocumentProfile

_BARE_NUMBER = re.compile(r"^[-–]?\s*\d{1,4}\s*[-–]?$")
_GLUED_RUNNING_HEAD = re.compile(r"^\d{1,3}[A-ZÄÖÜ][a-zäöüß]{2,}")


def drop_page_furniture(lines: list[str], profile: DocumentProfile) -> list[str]:
    """Drop running headers, footers, page numbers and running heads anywhere on the page."""
    lines = _strip_edges(lines, profile)
    lines = [line for line in lines if normalise_line(line) not in profile.boilerplate]
    return [line for line in lines if not _GLUED_RUNNING_HEAD.match(line)]


def _strip_edges(lines: list[str], profile: DocumentProfile) -> list[str]:
    """Drop running headers/footers and page numbers at the top and bottom of a page."""
    kept = list(lines)
    for _ in range(3):
        if kept and _is_edge_noise(kept[0], profile):
            kept.pop(0)
        if kept and _is_edge_noise(kept[-1], profile):
            kept.pop()
    return [line for line in kept if not PAGE_FOOTER.match(line)]


def _is_edge_noise(line: str, profile: DocumentProfile) -> bool:
    return (
        normalise_line(line) in profile.boilerplate
        or bool(PAGE_FOOTER.match(line))
        or bool(_BARE_NUMBER.match(line))
    )


def drop_duplicate_urls(lines: list[str]) -> list[str]:
    """Keep each URL once per page, re-joining URLs the layout wrapped over two lines."""
    kept: list[str] = []
    seen: set[str] = set()
    for line in lines:
        if (kept and URL_ONLY.match(kept[-1]) and kept[-1].endswith(("-", "/", "_"))
                and " " not in line):
            kept[-1] += line
            continue
        if URL_ONLY.match(line):
            key = line.rstrip("/").lower()
            if any(key.startswith(s) or s.startswith(key) for s in seen):
                continue
            seen.add(key)
        kept.append(line)
    # A wrapped URL can leave an exact duplicate behind once joined.
    result: list[str] = []
    for line in kept:
        if URL_ONLY.match(line) and result and any(
                line.rstrip("/").lower() == r.rstrip("/").lower()
                for r in result if URL_ONLY.match(r)):
            continue
        result.append(line)
    return result


def is_chart_residue(line: str) -> bool:
    """Axis labels and numbers left over from charts ("202320202019 2021 2022")."""
    if TIME_ROW.match(line) or ENUMERATION.match(line) or BULLET.match(line) or line.endswith("."):
        return False  # "2022." ends a sentence
    visible = line.replace(" ", "")
    digits = sum(char.isdigit() for char in visible)
    return len(visible) >= 4 and digits / len(visible) > 0.6
