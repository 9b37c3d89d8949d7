from .driver import OpenStackDriver

__all__ = ["OpenStackDriver"]
