"""Forks writer processes on request, so each kill -9 round skips Python's start-up.

Reads lines ``DB<TAB>SEED<TAB>OUTPUT`` on stdin (DB: a file's path or a clinic
server's address); for each, forks a child running ``writer.write_forever`` with its
acknowledgements going to OUTPUT (a file keeps every flushed line after the child is
killed), prints the child's pid, waits for the child to die (the test kills it with
SIGKILL) and prints ``reaped``. Single-threaded, so forking is safe.
"""

from __future__ import annotations

import os
import sys

from writer import write_forever

# The clinic server's engine too (psycopg, imported by ``open_store`` only for a
# postgresql:// address): else a child would spend its first 0.1-0.25 s importing it,
# and a kill meant to land while it connects would land before. Importing opens no
# connection, so forking stays safe.
import tpchart.store.clinic_server  # noqa: F401


def main() -> None:
    for line in sys.stdin:
        db, seed, output = line.rstrip("\n").split("\t")
        pid = os.fork()
        if pid == 0:
            try:
                with open(output, "w", encoding="utf-8") as out:
                    write_forever(db, int(seed), out)
            finally:
                os._exit(1)
        print(pid, flush=True)
        os.waitpid(pid, 0)
        print("reaped", flush=True)


if __name__ == "__main__":
    main()
