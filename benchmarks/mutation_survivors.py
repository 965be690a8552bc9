"""What each mutant that survives benchmarks/mutation.py is (rendered into docs/mutation.md).

A key is ``"<module>: <line before> -> <line after>"`` (both stripped), as
`mutation.Mutant.key` builds it, so it outlives edits elsewhere in the module. A survivor is
EQUIVALENT (no caller can tell it from the reference), UNSPECIFIED (it changes only what no
requirement or decision fixes: a message's wording, a choice the specification leaves to each
implementation, an entry point the adapter seam does not reach), or MISSING (a test should
kill it: the value names the requirement and what the test does).
"""

from __future__ import annotations

EQUIVALENT: dict[str, str] = {}

UNSPECIFIED: dict[str, str] = {}

MISSING: dict[str, str] = {}
