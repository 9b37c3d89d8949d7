from .driver import VSphereDriver

__all__ = ["VSphereDriver"]
