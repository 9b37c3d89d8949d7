"""Settings from the environment, read once per process.

| variable | meaning | default |
| --- | --- | --- |
| ``API_DRIVER`` / ``API_PROVIDER`` | driver and provider when a request names none | ``mock`` / none |
| ``API_USER`` / ``API_PASSWORD`` | when both are set, used for every request (original behaviour) | unset |
| ``DELTACLOUD_DATA_DIR`` | where local state and the local credential store live | ``~/.local/share/deltacloud`` |
| ``DELTACLOUD_STATE_STORE`` | ``sqlite`` (local) or ``dynamodb`` (deployed) | ``sqlite`` |
| ``DELTACLOUD_STATE_TABLE`` | DynamoDB table name | unset |
| ``DELTACLOUD_CREDENTIALS`` | ``local``, ``passthrough`` or ``secretsmanager`` | ``local`` |
| ``DELTACLOUD_SECRET_PREFIX`` | Secrets Manager name prefix | ``deltacloud`` |
| ``DELTACLOUD_BACKEND_TIMEOUT`` | seconds a driver waits for its cloud | ``20`` |
"""

import os
from dataclasses import dataclass
from pathlib import Path

#: the folder of the data directory holding the drivers' local files
DRIVER_FILES = "driver-files"


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "deltacloud"


@dataclass(frozen=True)
class Settings:
    default_driver: str = "mock"
    default_provider: str | None = None
    forced_user: str | None = None
    forced_password: str | None = None
    data_dir: Path = Path(".")
    state_store: str = "sqlite"
    state_table: str | None = None
    credentials: str = "local"
    secret_prefix: str = "deltacloud"
    backend_timeout: float = 20.0

    @classmethod
    def from_env(cls) -> "Settings":
        env = os.environ
        return cls(
            default_driver=(env.get("API_DRIVER") or "mock").lower(),
            default_provider=(env.get("API_PROVIDER") or "").lower() or None,
            forced_user=env.get("API_USER") or None,
            forced_password=env.get("API_PASSWORD") or None,
            data_dir=Path(env.get("DELTACLOUD_DATA_DIR") or _default_data_dir()),
            state_store=env.get("DELTACLOUD_STATE_STORE", "sqlite"),
            state_table=env.get("DELTACLOUD_STATE_TABLE"),
            credentials=env.get("DELTACLOUD_CREDENTIALS", "local"),
            secret_prefix=env.get("DELTACLOUD_SECRET_PREFIX", "deltacloud"),
            backend_timeout=float(env.get("DELTACLOUD_BACKEND_TIMEOUT", "20")),
        )

    def driver_files(self, driver: str) -> Path:
        """Where a driver keeps local files (the mock's blob contents): under the data directory, so
        ``deltacloud reset`` forgets them with the rest of the local state."""
        return self.data_dir / DRIVER_FILES / driver
