"""`python serve.py [--port N]` from inside this folder: serve Teamboard on 127.0.0.1."""

import importlib.util
import sys
from pathlib import Path

if "demo_app" not in sys.modules:
    # Load this folder as the `demo_app` package, whatever the folder is called.
    here = Path(__file__).resolve().parent
    spec = importlib.util.spec_from_file_location(
        "demo_app", here / "__init__.py", submodule_search_locations=[str(here)])
    package = importlib.util.module_from_spec(spec)
    sys.modules["demo_app"] = package
    spec.loader.exec_module(package)

from demo_app.app import main  # noqa: E402

main()
