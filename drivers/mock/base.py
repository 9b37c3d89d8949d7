"""What every part of the mock driver shares: its credentials check and its state."""

from deltacloud.driver import Driver
from deltacloud.errors import AuthenticationFailure
from deltacloud.state import ScopedState

from .state import ensure_seeded

USERNAME = "mockuser"
PASSWORD = "mockpassword"


class MockBase(Driver):
    def _authorize(self) -> str:
        """Check the caller's mock credentials; returns the mock user name."""
        credentials = self.context.credentials()
        if (credentials.username, credentials.password) != (USERNAME, PASSWORD):
            raise AuthenticationFailure()
        return USERNAME

    def _state(self) -> ScopedState:
        self._authorize()
        state = self.context.state()
        ensure_seeded(state)
        return state
