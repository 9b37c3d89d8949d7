"""The backend timeout for libcloud's streamed transfers too.

libcloud sends blob uploads and downloads (``raw=True``) through ``requests`` without the timeout its
other requests carry, so a cloud that stopped answering midway held the caller's request for ever,
where any other call answers 504 after the backend timeout. An opened driver's connections get a
``requests`` adapter whose default is that timeout. Importing this module imports no libcloud.
"""

from functools import cache
from typing import Any

#: how many backend timeouts a streamed upload may wait for the cloud's answer after sending its last bytes
UPLOAD_ANSWER_FACTOR = 3


@cache
def _timed_connection_class() -> Any:
    from libcloud.http import LibcloudConnection
    from requests.adapters import HTTPAdapter

    class DefaultTimeout(HTTPAdapter):
        def __init__(self, timeout: float | None) -> None:
            super().__init__()
            self.default_timeout = timeout

        def send(self, request: Any, stream: bool = False, timeout: Any = None, verify: Any = True,
                 cert: Any = None, proxies: Any = None) -> Any:
            if timeout is None and self.default_timeout is not None:
                timeout = self.default_timeout
                if request.body is not None and not isinstance(request.body, bytes | str):
                    # a streamed upload: the wait for the answer starts once the last bytes are in the socket's
                    # buffer, not once the cloud has them; a slow link still drains those meanwhile
                    timeout = (timeout, timeout * UPLOAD_ANSWER_FACTOR)
            return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)

    class TimedConnection(LibcloudConnection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            session: Any = self.session
            adapter = DefaultTimeout(session.timeout)
            session.mount("https://", adapter)
            session.mount("http://", adapter)

    return TimedConnection


def with_stream_timeouts(sdk_driver: Any) -> Any:
    """``sdk_driver``, its HTTP connection (if it has one: libvirt's has none) timing out streamed transfers."""
    from libcloud.common.base import Connection

    connection = getattr(sdk_driver, "connection", None)
    if isinstance(connection, Connection):
        connection.conn_class = _timed_connection_class()
        if connection.connection is not None:  # connected while opening (DigitalOcean, vSphere): again, timed
            connection.connect()
    return sdk_driver
