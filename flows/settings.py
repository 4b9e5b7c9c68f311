"""Settings: a command-line flag wins over an environment variable, which wins over the config file.

Config file: the path in MEDINST_CONFIG, else `medinst.toml` in the working directory, e.g.

    home = "/data/medinst"
    sources_root = "/mirror/corpora"
    manual_dir = "/data/manual-downloads"   # files behind a login, laid out <dir>/<source_id>/<file>
    offline = false            # true: never contact an origin (the mirror, manual dir and cache only)
    registry = ["/etc/medinst/sources"]
    sql_timeout = 300          # seconds a `medinst sql` query may run (MEDINST_SQL_TIMEOUT, --timeout); 0: no limit

`home` may be a URL, `s3://bucket/prefix` or any fsspec URL (`AWS_ENDPOINT_URL` points s3fs at an
S3-compatible store): the pipeline then works in a local working copy (`Settings.home`, under
MEDINST_WORKDIR, default ~/.cache/medinst) and keeps the remote home authoritative; see
`warehouse.storage`. `Settings.url` is the remote home, `Settings.location` what to show the user.
"""

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from warehouse.storage import home_path, is_remote, normalise

BUILTIN_REGISTRY = Path(__file__).resolve().parent.parent / "sources"


@dataclass(frozen=True)
class Settings:
    home: Path
    sources_root: str | None = None
    registry: list[Path] = field(default_factory=lambda: [BUILTIN_REGISTRY])
    url: str | None = None  # the remote home (s3://...) whose local working copy `home` is; None for a local home
    manual_root: str | None = None  # where the user put manual downloads: <manual_root>/<source_id>/<path>
    offline: bool = False  # never contact an origin: the mirror, the manual downloads and the raw cache only

    @property
    def location(self) -> str:
        """The home as the user named it: the URL of a remote home, else the local folder."""
        return self.url or str(self.home)


def _config() -> dict:
    path = Path(os.environ.get("MEDINST_CONFIG", "medinst.toml"))
    if not path.exists():
        return {}
    with open(path, "rb") as f:
        return tomllib.load(f)


def _absolute(location: str) -> str:
    """Mirror roots may be URLs; a plain path is made absolute so that fsspec reads it as a file."""
    return location if "://" in location else str(Path(location).expanduser().resolve())


def _flag(value) -> bool:
    """A yes/no setting from the environment or the config file."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise ValueError(f"{value!r} is not a yes/no value (1/0, true/false, yes/no, on/off)")


def resolve(home: str | None = None, sources_root: str | None = None, registry: list[str] | None = None,
            manual_root: str | None = None, offline: bool | None = None) -> Settings:
    config = _config()
    home = home or os.environ.get("MEDINST_HOME") or config.get("home") or "~/.medinst"
    root = sources_root or os.environ.get("MEDINST_SOURCES_ROOT") or config.get("sources_root")
    extra = registry or [p for p in os.environ.get("MEDINST_REGISTRY", "").split(os.pathsep) if p] or config.get("registry", [])
    url = normalise(home) if is_remote(home) else None
    manual = manual_root or os.environ.get("MEDINST_MANUAL_DIR") or config.get("manual_dir")
    if offline is None:
        try:
            offline = _flag(os.environ.get("MEDINST_OFFLINE") or config.get("offline", False))
        except ValueError as e:
            raise ValueError(f"MEDINST_OFFLINE / offline in the config file: {e}") from None
    return Settings(
        home=home_path(home),
        sources_root=_absolute(root) if root else None,
        registry=[BUILTIN_REGISTRY, *(Path(p).expanduser().resolve() for p in extra)],
        url=url,
        manual_root=_absolute(manual) if manual else None,
        offline=offline,
    )


DEFAULT_SQL_TIMEOUT = 300.0


def sql_timeout(flag: float | None = None) -> float:
    """Seconds a `medinst sql` query may run (0: no limit): --timeout, else MEDINST_SQL_TIMEOUT, else the config
    file's `sql_timeout`, else 300. Resolved only where a query runs, so a bad value fails just `medinst sql`."""
    if flag is not None:
        value, name = flag, "--timeout"
    elif os.environ.get("MEDINST_SQL_TIMEOUT"):
        value, name = os.environ["MEDINST_SQL_TIMEOUT"], "MEDINST_SQL_TIMEOUT"
    else:
        value, name = _config().get("sql_timeout", DEFAULT_SQL_TIMEOUT), "sql_timeout in the config file"
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not seconds >= 0:  # NaN too
        raise ValueError(f"{name}: {value!r} is not a number of seconds (0 means no limit)")
    return seconds
