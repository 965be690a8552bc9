"""What a run says: verdicts, reports, the terminal summary, merges and the matrix.

It imports ``seam``, ``endpoints`` and ``spec``, never the running (``run``). Findings become
verdicts in ``_verdicts`` (their examples in one line, ``_example``); a run's JSON report is
``_reports``, rendered as Markdown (``_report_md``), HTML (``_report_html``, timelines drawn
by ``_svg``) and in the terminal (``_terminal``). Reports of shards (``_shard``) and seeds
merge in ``_merge`` (their reports in ``_merged_report``, JUnit in ``_junit``); reports of
several implementations make the matrix (read and checked by ``_matrix_reports``; the
Markdown ``_matrix``, its guide ``_matrix_guide``, its page ``_matrix_html``); ``_diff``
compares two.

>>> from jwkconform.harness.report._shard import parse_shard
>>> parse_shard("2/4")
Shard(index=2, count=4)
"""
