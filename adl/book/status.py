"""The book's execution statistics: what each chapter took to run, and on what.

:func:`adl.book.runner.build_book` times each chapter as papermill runs it. After the last one
it renders those times with :func:`status_page` (the machine from :func:`machine_info`, the
software from :func:`package_versions`, the build's preset and parameters, when it ran) into a
page of the site, ``status.md``, the last entry of its table of contents, as QuantEcon's lectures
do. Every value on the page is measured or read from the machine by the runner; none is typed.

Example::

    from adl.book.status import machine_info, package_versions, status_page
    text = status_page([("01_data_mixing", 83.2)], preset="smoke", parameters={"seeds": [0]},
                       machine=machine_info(), versions=package_versions(),
                       started=start, finished=end)
"""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["PACKAGES", "STATUS_PAGE", "Machine", "format_duration", "git_commit", "machine_info",
           "package_versions", "status_page"]

#: The page's name in the site sources (``<site-src>/status.md``) and its table of contents.
STATUS_PAGE = "status"
#: The distributions whose versions the page lists: the library, the numerics, the executor and
#: the site builder.
PACKAGES: tuple[str, ...] = ("adl", "torch", "transformers", "librosa", "numpy", "papermill",
                             "jupyter-book", "myst-nb")


@dataclass(frozen=True)
class Machine:
    """The machine a book was built on, as :func:`machine_info` reads it."""

    cpu: str
    cores: int | None
    usable_cores: int | None
    memory_bytes: int | None
    gpus: tuple[str, ...]
    system: str
    python: str


def _cpu_model() -> str:
    """The CPU's model name: ``/proc/cpuinfo`` on Linux, else what :mod:`platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _memory_bytes() -> int | None:
    """Physical memory, or the cgroup's limit when a container sets a lower one."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text(encoding="utf-8").strip()
        if limit.isdigit() and 0 < int(limit) < total:
            return int(limit)
    except OSError:
        pass
    return total


def _gpus() -> tuple[str, ...]:
    """``name (memory)`` of each GPU torch sees; empty without one (or without torch)."""
    try:
        import torch
    except ImportError:
        return ()
    if torch.cuda.is_available():
        return tuple(f"{p.name} ({p.total_memory / 2**30:.0f} GiB)"
                     for p in map(torch.cuda.get_device_properties,
                                  range(torch.cuda.device_count())))
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return ("Apple silicon GPU (MPS)",)
    return ()


def machine_info() -> Machine:
    """The CPU model and cores, the memory, the GPUs, the operating system and Python of this
    machine."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return Machine(cpu=_cpu_model(), cores=os.cpu_count(), usable_cores=usable,
                   memory_bytes=_memory_bytes(), gpus=_gpus(), system=platform.platform(),
                   python=f"{platform.python_implementation()} {platform.python_version()}")


def package_versions(names: Sequence[str] = PACKAGES) -> dict[str, str | None]:
    """The installed version of each distribution in ``names`` (None: not installed)."""
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_commit(repo: str | os.PathLike[str]) -> str | None:
    """``<short hash>`` of the repository's HEAD, with ``, with local changes`` when tracked
    files differ from it; None when ``repo`` is no git checkout or git is missing."""
    def git(*args: str) -> str | None:
        try:
            proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True,
                                  text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            return None
        return proc.stdout.strip() if proc.returncode == 0 else None

    head = git("rev-parse", "--short=12", "HEAD")
    if not head:
        return None
    changed = git("status", "--porcelain", "--untracked-files=no")
    return f"{head}, with local changes" if changed else head


def format_duration(seconds: float) -> str:
    """``4.2 s``, ``3 min 07 s`` or ``1 h 02 min``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def _gib(n: int | None) -> str:
    return "unknown" if n is None else f"{n / 2**30:.1f} GiB"


def _utc(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def status_page(timings: Sequence[tuple[str, float]], *, preset: str,
                parameters: Mapping[str, Any], machine: Machine,
                versions: Mapping[str, str | None], started: datetime, finished: datetime,
                data_seconds: float | None = None, commit: str | None = None,
                chapter_dir: str = "notebooks") -> str:
    """The execution-statistics page (MyST Markdown) of one build of the book.

    Args:
        timings: ``(notebook name, wall seconds)`` per executed notebook, in the order run.
        preset: the book preset (``smoke``, ``default``, ``paper``, ``full``).
        parameters: what every chapter received (:func:`adl.book.paths.book_parameters`);
            ``preset`` (the config preset), ``seeds`` and ``device`` are shown.
        machine: :func:`machine_info`. versions: :func:`package_versions`.
        started, finished: when the build began and when its last chapter ended (aware
            datetimes; shown in UTC).
        data_seconds: time spent preparing (or finding) the data; None: not shown.
        commit: :func:`git_commit` of the repository; None: not shown.
        chapter_dir: the folder of the executed notebooks in the site sources.

    Returns:
        The page's text: a title, when and how the book was built, a table of the chapters'
        run times (each linked to its page), the machine and the software.
    """
    total = sum(s for _, s in timings)
    seeds = ", ".join(str(s) for s in parameters.get("seeds", [])) or "none"
    config = parameters.get("preset", preset)
    preset_text = f"`{preset}`" + (f" (config preset `{config}`)" if config != preset else "")
    lines = [
        "# Execution statistics",
        "",
        "The runner (`adl book`) wrote this page while it built the book: it executed every "
        "chapter below with papermill, each in a fresh kernel, in this order, on the machine "
        "described underneath, and timed it. The run times are wall-clock times of that build; "
        "nothing on this page is typed by hand.",
        "",
        f"- **Built**: {_utc(finished)} (started {_utc(started)})",
        f"- **Preset**: {preset_text}; seeds {seeds}; device `{parameters.get('device', '?')}`",
    ]
    if commit:
        head, _, changes = commit.partition(", ")
        lines.append(f"- **Source**: commit `{head}`" + (f", {changes}" if changes else ""))
    lines += ["", "## Chapters", "", "| Chapter | Notebook | Run time | Share |",
              "| --- | --- | ---: | ---: |"]
    for name, seconds in timings:
        share = f"{100 * seconds / total:.0f} %" if total > 0 else "-"
        lines.append(f"| {{doc}}`{chapter_dir}/{name}` | `{name}.ipynb` "
                     f"| {format_duration(seconds)} | {share} |")
    count = f"{len(timings)} notebook{'s' if len(timings) != 1 else ''}"
    lines.append(f"| **Total** | {count} | **{format_duration(total)}** | 100 % |")
    if data_seconds is not None:
        lines += ["", f"Before the first chapter, preparing the data took "
                      f"{format_duration(data_seconds)}. The site was built from the executed "
                      f"notebooks after this page was written: its build time is not here."]
    cores = "unknown" if machine.cores is None else str(machine.cores)
    if machine.usable_cores is not None and machine.usable_cores != machine.cores:
        cores += f" ({machine.usable_cores} available to the build)"
    lines += ["", "## Machine", "",
              f"- **CPU**: {machine.cpu}",
              f"- **Cores**: {cores}",
              f"- **Memory**: {_gib(machine.memory_bytes)}",
              f"- **GPU**: {'; '.join(machine.gpus) if machine.gpus else 'none'}",
              f"- **System**: {machine.system}",
              "", "## Software", "", "| Package | Version |", "| --- | --- |",
              f"| Python | {machine.python} |"]
    lines += [f"| {name} | {version or 'not installed'} |" for name, version in versions.items()]
    return "\n".join(lines) + "\n"
