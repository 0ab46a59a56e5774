"""Tests of runner/git. Named git_ops, not git: pytest imports this folder as a top-level
package (tests/runner has no __init__.py), and one named `git` would shadow gitpython."""
