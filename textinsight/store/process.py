"""Which process runs a run, and whether it is still alive.

A ``running`` run whose process has ended (killed, crashed, or unable even to record
its failure) is reported as ``abandoned`` with the reason, instead of ``running``
forever. Only processes on this host can be checked; a run started elsewhere keeps
its stored status.
"""

from __future__ import annotations

import os
import socket


def this_process() -> tuple[int, str]:
    """(pid, host name) of the calling process."""
    return os.getpid(), socket.gethostname()


def alive(pid: int) -> bool:
    """Whether a process with this id exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def abandoned(pid: int | None, host: str | None) -> str | None:
    """Why a ``running`` run is abandoned, or ``None`` when it may still be running."""
    if pid is None or pid <= 0 or host != socket.gethostname() or alive(pid):
        return None
    return (
        f"abandoned: its process (pid {pid} on {host}) ended without recording a result; "
        "start a new run"
    )
