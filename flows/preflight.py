"""Checks the command line makes before it starts a Prefect server (seconds) for a flow (longer): a
routine mistake is refused at once, in one line, with what to do instead."""

from pathlib import Path

from warehouse.layout import current_build
from warehouse.recovery import BuildLock, BuildLocked


class UsageError(Exception):
    """A mistake in how a command was called (exit status 2)."""


def home_problem(home: Path, location: str) -> str | None:
    """Why `home` cannot be a medinst home that others read from, else None."""
    if not home.exists():
        return f"the home {location} does not exist (check --home or MEDINST_HOME)"
    if not home.is_dir():
        return f"the home {location} is a file, not a medinst home folder (check --home or MEDINST_HOME)"
    return None


def published_build(home: Path, location: str) -> Path:
    """The home's published build; a missing home, a file, or a home never built is a UsageError."""
    problem = home_problem(home, location)
    if problem:
        raise UsageError(problem)
    build = current_build(home)
    if build is None:
        raise UsageError(f"no published warehouse under {location}: run `medinst build` first")
    return build


def lock_free(home: Path) -> None:
    """Refuse at once when another build holds the home (for --no-wait: no server is started for nothing)."""
    if not home.is_dir():
        return
    try:
        BuildLock(home, 0).acquire().release()
    except BuildLocked as e:
        raise UsageError(f"{e}; the published warehouse is unchanged") from None


def empty_output(out: str, overwrite: bool) -> None:
    folder = Path(out).expanduser()
    if folder.is_file():
        raise UsageError(f"--out {out} is a file; give a folder")
    if folder.is_dir() and any(folder.iterdir()) and not overwrite:
        raise UsageError(f"--out {out} is not empty; pass --overwrite to replace what is there")
