from .driver import GoogleDriver

__all__ = ["GoogleDriver"]
