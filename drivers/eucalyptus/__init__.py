from .driver import EucalyptusDriver

__all__ = ["EucalyptusDriver"]
