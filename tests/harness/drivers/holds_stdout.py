"""A misbehaving driver that starts a child holding its output open, then stops answering.

On ``open_store`` it starts a background process that inherits its standard output and
error and sleeps for a minute (the ``--marker=...`` argument is passed on, so a test finds
it too), and never answers. A harness that only waits for end of output would hang until
the child ends. Standard library only.
"""

import subprocess
import sys

from _protocol import serve

NAME = "misbehaving: holds_stdout"


def misbehave(request_id: int) -> None:
    marker = [a for a in sys.argv[1:] if a.startswith("--marker=")]
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", *marker])
    for _ in sys.stdin:  # reads and ignores until the harness closes it
        pass


if __name__ == "__main__":
    sys.exit(serve(NAME, misbehave))
