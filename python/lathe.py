"""Lathe's zero-dependency helper for training scripts.

    import lathe
    p = lathe.params(lr=0.01, epochs=5)      # defaults, overridden by the run's parameters
    for epoch in range(p["epochs"]):
        ...
        lathe.log(step=epoch, loss=loss, val_acc=acc)
        if lathe.should_prune():
            break

Outside a Lathe run (no LATHE_RUN_DIR) log() does nothing and params() returns the defaults, so the script
runs unchanged on its own.
"""

import json
import math
import os
import sys
import time

__all__ = ["params", "log", "should_prune", "run_id", "run_dir"]

_next_step = 0


def run_dir():
    """The run's folder, or None when the script is not running under Lathe."""
    return os.environ.get("LATHE_RUN_DIR") or None


def run_id():
    """The run's id, or None when the script is not running under Lathe."""
    return os.environ.get("LATHE_RUN_ID") or None


def params(**defaults):
    """The run's parameters (LATHE_PARAMS) on top of `defaults`."""
    text = os.environ.get("LATHE_PARAMS")
    merged = dict(defaults)
    if text:
        given = json.loads(text)
        if not isinstance(given, dict):
            raise ValueError("LATHE_PARAMS is not a JSON object: %r" % text[:80])
        merged.update(given)
    return merged


def _number(name, value):
    # bool is an int in Python, but True is not a metric value
    if isinstance(value, bool) or not hasattr(value, "__float__"):
        raise TypeError("metric %r must be a number, got %r" % (name, value))
    return float(value) if not isinstance(value, int) else value


def log(step=None, **metrics):
    """Append one line to $LATHE_RUN_DIR/metrics.jsonl: {"step": step, "ts": ms, metric: value, ...}.

    `step` defaults to one more than the previous call's. NaN and infinite values are written as they are and
    Lathe leaves them out of the series with a warning in the run record; a warning is printed here too.
    """
    global _next_step
    if step is None:
        step = _next_step
    if isinstance(step, bool) or not isinstance(step, int):
        raise TypeError("step must be an integer, got %r" % (step,))
    _next_step = step + 1
    values = {name: _number(name, v) for name, v in metrics.items()}
    directory = run_dir()
    if directory is None or not values:
        return
    bad = [name for name, v in values.items() if isinstance(v, float) and not math.isfinite(v)]
    if bad:
        sys.stderr.write("lathe: warning: %s not a finite number at step %d\n" % (", ".join(bad), step))
    record = {"step": step, "ts": int(time.time() * 1000)}
    record.update(values)
    line = (json.dumps(record) + "\n").encode("utf-8")
    # O_APPEND and a single write per line: concurrent writers (the script, Lathe's stdout capture) never interleave
    fd = os.open(os.path.join(directory, "metrics.jsonl"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        written = os.write(fd, line)
        if written != len(line):
            raise OSError("short write to metrics.jsonl (%d of %d bytes)" % (written, len(line)))
    finally:
        os.close(fd)


def should_prune():
    """Whether Lathe asked this trial to stop early (a sweep pruner left the `prune` request file)."""
    directory = run_dir()
    return directory is not None and os.path.exists(os.path.join(directory, "prune"))
