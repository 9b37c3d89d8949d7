from .driver import RhevmDriver

__all__ = ["RhevmDriver"]
