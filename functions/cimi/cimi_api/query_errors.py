"""The error of a malformed CIMI query parameter, apart from the parser (:mod:`cimi_api.query`): every
operation catches it, and importing it must not cost each cold start the whole query parser."""


class QueryError(ValueError):
    """A malformed query parameter. The message is meant for the API user (HTTP 400)."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position  # 1-based character position in the parameter, when known
