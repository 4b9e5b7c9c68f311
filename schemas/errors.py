"""Errors that name where bad input came from."""


class SourceError(Exception):
    """Bad input from one source: says which source, file and line."""

    def __init__(self, source: str, message: str, file: str | None = None, line: int | None = None):
        self.source, self.file, self.line, self.reason = source, file, line, message
        where = source if file is None else f"{source}: {file}" + (f", line {line}" if line else "")
        super().__init__(f"{where}: {message}")

    def __reduce__(self):
        # Pickled with its own arguments (the default would pass the formatted message alone), so
        # that a source failing in a Dask worker process arrives in the flow as the same error.
        return (type(self), (self.source, self.reason, self.file, self.line))


class RegistryError(Exception):
    """A registry file that does not validate: says which file, which field and why."""


class FetchUnavailable(SourceError):
    """A declared file could not be had: absent from the mirror and its origin unreachable.

    Unlike bad content (a checksum mismatch, a malformed file), this skips the source rather than failing the build.
    `kind` says why, for the build's summary: one of UNAVAILABLE_KINDS.
    """

    def __init__(self, source: str, message: str, file: str | None = None, line: int | None = None,
                 kind: str = "unreachable"):
        super().__init__(source, message, file, line)
        self.kind = kind

    def __reduce__(self):
        return (type(self), (self.source, self.reason, self.file, self.line, self.kind))


# Why a file could not be had, as a build's summary groups skipped sources.
UNAVAILABLE_KINDS = {
    "unreachable": "origin unreachable (no network, or its host is down)",
    "offline": "origin not tried (offline)",
    "not found": "not found at its origin (the release moved or is gone)",
    "manual": "manual download missing",
}
