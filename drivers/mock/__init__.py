from .driver import MockDriver

__all__ = ["MockDriver"]
