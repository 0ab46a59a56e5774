"""Dependencies point one way: the store and the runner work without the console or Textual."""

from __future__ import annotations

import json
import subprocess
import sys

import grimp
import pytest


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("store", ["runner", "console", "textual", "podman"]),
        ("runner.cli", ["console", "textual"]),
        ("runner.ingest", ["console", "textual"]),
    ],
)
def test_core_modules_do_not_load_the_ui(module: str, forbidden: list[str]) -> None:
    code = (
        f"import json, sys, {module}; "
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    )
    loaded = json.loads(subprocess.check_output([sys.executable, "-c", code], text=True))
    assert not set(forbidden) & set(loaded)


def test_no_module_imports_one_that_imports_it_back() -> None:
    # A cycle makes the import order matter and the two modules one idea in two files: the
    # sources' package once reached its own readers, and they it (issue 11). Imports for type
    # checking only are left out: they never run.
    graph = grimp.build_graph("runner", "store", "console", exclude_type_checking_imports=True)
    cycles = sorted(
        (module, other)
        for module in graph.modules
        for other in graph.find_upstream_modules(module) & graph.find_downstream_modules(module)
        if module < other
    )
    assert cycles == []
