"""Stand-in for ``queue`` as the service sees it: Queue, LifoQueue, PriorityQueue, SimpleQueue.

Semantics of the standard library's (docs.python.org, "queue"); blocking
``put``/``get``/``join`` wait under the scheduler, timeouts in virtual
seconds.  ``Empty`` and ``Full`` are the real module's, so ``except
queue.Empty`` works however the name was imported.
"""

from __future__ import annotations

import heapq
from collections import deque
from queue import Empty, Full
from typing import Any, Optional

from . import _sync

__all__ = ["Empty", "Full", "Queue", "LifoQueue", "PriorityQueue", "SimpleQueue"]


class Queue:
    def __init__(self, maxsize: int = 0) -> None:
        self.maxsize = maxsize
        self._r = _sync.run()
        self.name = self._r.new_name("q")
        self.unfinished_tasks = 0
        self._init(maxsize)

    def _init(self, maxsize: int) -> None:
        self.queue: Any = deque()

    def _qsize(self) -> int:
        return len(self.queue)

    def _put(self, item: Any) -> None:
        self.queue.append(item)

    def _get(self) -> Any:
        return self.queue.popleft()

    def qsize(self) -> int:
        return self._qsize()

    def empty(self) -> bool:
        return not self._qsize()

    def full(self) -> bool:
        return 0 < self.maxsize <= self._qsize()

    def put(self, item: Any, block: bool = True, timeout: Optional[float] = None) -> None:
        if timeout is not None and timeout < 0:
            raise ValueError("'timeout' must be a non-negative number")
        ok = self._r.sched.wait_until(lambda: not self.full(), 0 if not block else _sync.timeout_ms(timeout))
        if not ok:
            raise Full
        self._put(item)
        self.unfinished_tasks += 1
        self._r.emit("queue_put", _sync.caller(), queue=self.name, _vars={self.name: self._qsize()})

    def get(self, block: bool = True, timeout: Optional[float] = None) -> Any:
        if timeout is not None and timeout < 0:
            raise ValueError("'timeout' must be a non-negative number")
        ok = self._r.sched.wait_until(lambda: self._qsize() > 0, 0 if not block else _sync.timeout_ms(timeout))
        if not ok:
            raise Empty
        item = self._get()
        self._r.emit("queue_get", _sync.caller(), queue=self.name, _vars={self.name: self._qsize()},
                     _reads=(self.name,))
        return item

    def put_nowait(self, item: Any) -> None:
        self.put(item, block=False)

    def get_nowait(self) -> Any:
        return self.get(block=False)

    def task_done(self) -> None:
        if self.unfinished_tasks <= 0:
            raise ValueError("task_done() called too many times")
        self.unfinished_tasks -= 1
        self._r.sched.pause()

    def join(self) -> None:
        self._r.sched.wait_until(lambda: self.unfinished_tasks == 0)


class LifoQueue(Queue):
    def _init(self, maxsize: int) -> None:
        self.queue = []

    def _get(self) -> Any:
        return self.queue.pop()


class PriorityQueue(Queue):
    def _init(self, maxsize: int) -> None:
        self.queue = []

    def _put(self, item: Any) -> None:
        heapq.heappush(self.queue, item)

    def _get(self) -> Any:
        return heapq.heappop(self.queue)


class SimpleQueue(Queue):
    def __init__(self) -> None:
        super().__init__(0)
