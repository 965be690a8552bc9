"""What each mutant that survives benchmarks/mutation.py is (rendered into docs/mutation.md).

A key is ``"<module>: <line before> -> <line after>"`` (both stripped), as
`mutation.Mutant.key` builds it: it survives edits elsewhere in the module. A survivor is
either EQUIVALENT (no test can tell it from the reference; the value says why) or MISSING (a
test should kill it; the value names the requirement and what the test should do).
"""

from __future__ import annotations

EQUIVALENT: dict[str, str] = {}

MISSING: dict[str, str] = {}
