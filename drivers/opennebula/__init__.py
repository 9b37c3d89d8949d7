from .driver import OpenNebulaDriver

__all__ = ["OpenNebulaDriver"]
