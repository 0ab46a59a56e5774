"""Triage: grouping signals into issues, and deciding which issues an agent may take.

Three independent signals decide whether a signal duplicates an issue: the stack fingerprint
(`fingerprint`), the structure of the envelope (`structure`) and the text (`text`); `decide`
applies two-of-three, `index` keeps the candidates few, `engine` runs it over the store,
`lanes` and `safety` decide what may be dispatched, and `review` applies a person's answers.
"""
