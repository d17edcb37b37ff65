"""Named exceptions. Each message says what went wrong and how to fix it."""


class RagError(Exception):
    """Base class for errors the CLI reports as one clean line."""


class DocumentError(RagError):
    """A file could not be read or decoded."""


class IndexNotFound(RagError):
    """There is no index where one was expected."""


class IndexCorrupt(RagError):
    """An index folder exists but cannot be loaded."""


class EmbedderMismatch(RagError):
    """The index was built by a different embedder than the one asked for."""


class EmbedderUnavailable(RagError):
    """An embedder backend cannot be loaded (missing optional package or model)."""


class InvalidQuestion(RagError, ValueError):
    """The question is empty or unusable."""
