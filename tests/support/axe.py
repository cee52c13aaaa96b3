"""axe-core accessibility checks in Playwright pages (WCAG 2.1 AA, i.e. BITV 2.0).

axe-core comes installed with the test extra: the PyPI package `axe-playwright-python` ships
`axe.min.js`, which is injected from that file; nothing is downloaded while the tests run.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

AXE_JS = Path(str(files("axe_playwright_python") / "axe.min.js"))
# BITV 2.0 refers to EN 301 549, which requires WCAG 2.1 level A and AA.
WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

# Every rule with one of the tags, including those axe marks experimental and leaves out of a
# plain tag run (label-content-name-mismatch for WCAG 2.5.3, p-as-heading for 1.3.1, ...).
_RUN = """
async ([context, tags]) => {
  const rules = axe.getRules(tags).map((rule) => rule.ruleId);
  const results = await axe.run(context || document, {
    runOnly: {type: 'rule', values: rules}, resultTypes: ['violations']});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, tags: v.tags,
    nodes: v.nodes.map((n) => ({target: n.target, html: n.html, summary: n.failureSummary})),
  }));
}
"""


def axe_violations(page: Any, context: Any = None, tags: tuple[str, ...] = WCAG_21_AA) -> list[dict[str, Any]]:
    """axe-core's violations of the WCAG rules in `tags` on the page (or in `context`)."""
    if not AXE_JS.is_file():
        raise FileNotFoundError(f"axe-core is missing at {AXE_JS} (pip install -e '.[test]')")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    return list(page.evaluate(_RUN, [context, list(tags)]))


def summary(violations: list[dict[str, Any]]) -> dict[str, int]:
    """{rule id: number of elements} for a compact assertion message."""
    return {violation["id"]: len(violation["nodes"]) for violation in violations}


def report(violations: list[dict[str, Any]]) -> str:
    """A readable list of the violations: rule, help text, and each element with axe's reason."""
    lines = [f"{len(violations)} axe rule(s) violated: {summary(violations)}"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html'][:160]}")
            lines.append("      " + (node["summary"] or "").replace("\n", "\n      "))
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)
