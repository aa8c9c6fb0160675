"""The case kernel every support process is built on: the visible record of a case, activity
option presets, failure reasons, the approval step and the customer-input step.

Deterministic like the workflows that use it: no I/O, clocks or randomness except workflow APIs.
"""
