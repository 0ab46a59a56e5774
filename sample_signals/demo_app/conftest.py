"""Lets the tests import this package as `demo_app`, whatever its checkout folder is called."""

import importlib
import sys

if __package__ and __package__ != "demo_app":
    sys.modules.setdefault("demo_app", importlib.import_module(__package__))
