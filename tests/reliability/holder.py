"""A second process holding a database open for writing until its stdin closes."""

from __future__ import annotations

import sys

from tpchart.store import Store

store = Store.open(sys.argv[1])
print("open", flush=True)
sys.stdin.read()
store.close()
