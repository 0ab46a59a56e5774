"""Everything that happens overnight: sources, triage, routines, containers, agents, the CLI."""
