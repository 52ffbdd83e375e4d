"""Ground-truth journal for python emulations: one JSON line per action in $PURPLE_JOURNAL."""

import json
import os
import time


def log(action, details, pid=None, ppid=None):
    """Appends what was done, by which pid, when. A single write keeps lines whole across processes."""
    path = os.environ.get("PURPLE_JOURNAL")
    if not path:
        return
    entry = {
        "time_ms": time.time() * 1000.0,
        "action": action,
        "pid": os.getpid() if pid is None else pid,
        "ppid": os.getppid() if ppid is None else ppid,
        "details": details,
    }
    line = (json.dumps(entry, sort_keys=True) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def sink_destination(url):
    """'127.0.0.1:port' of an http(s)/ws URL."""
    rest = url.split("://", 1)[-1]
    return rest.split("/", 1)[0]
