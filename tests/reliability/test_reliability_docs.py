"""docs/reliability.md names the test behind each guarantee: those tests must exist."""

from __future__ import annotations

import ast
import re

from .conftest import ROOT

DOC = ROOT / "docs" / "reliability.md"


def _tests_in(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    # Hypothesis state machines are exposed as module-level assignments.
    names |= {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
              if isinstance(t, ast.Name)}  # fmt: skip
    return names


def test_every_test_named_in_the_reliability_doc_exists():
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", DOC.read_text(encoding="utf-8"))
    assert len(named) > 40
    missing = [f"{f}::{t}" for f, t in named if t not in _tests_in(ROOT / f)]
    assert missing == []


def test_every_reliability_test_is_in_the_doc():
    text = DOC.read_text(encoding="utf-8")
    for path in sorted((ROOT / "tests" / "reliability").glob("test_*.py")):
        if path.name == "test_reliability_docs.py":
            continue
        for name in _tests_in(path):
            if name.startswith("test_"):
                assert f"{path.relative_to(ROOT)}::{name}" in text, name
