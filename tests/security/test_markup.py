"""Issue 7, finding 1 as a class: user data never becomes markup.

Templates never use |safe (JSON goes through json_script); each mark_safe / innerHTML in
our code carries a comment right above it saying why the value is safe.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "pinggu"
RISKY = re.compile(r"mark_safe\(|\.innerHTML\s*=|insertAdjacentHTML|\|safe\b|autoescape off|safeseq")


def _ours():
    for path in ROOT.rglob("*"):
        if path.suffix in {".py", ".html", ".js"} and "vendor" not in path.parts and "migrations" not in path.parts:
            yield path


def test_templates_never_mark_values_safe():
    offenders = [f"{p}:{n}" for p in _ours() if p.suffix == ".html"
                 for n, line in enumerate(p.read_text().splitlines(), 1) if re.search(r"\|safe\b|autoescape off", line)]
    assert offenders == []


def test_every_raw_markup_sink_says_why_it_is_safe():
    unexplained = []
    for path in _ours():
        lines = path.read_text().splitlines()
        for n, line in enumerate(lines):
            if not RISKY.search(line) or line.lstrip().startswith(("import", "from")):
                continue
            context = " ".join(lines[max(0, n - 3):n + 1])
            if not re.search(r"(#|//).*\b(Safe|safe)\b|(#|//).*(escape|autoescape|nh3)", context):
                unexplained.append(f"{path.relative_to(ROOT)}:{n + 1}: {line.strip()[:80]}")
    assert unexplained == []
