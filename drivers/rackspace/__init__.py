from .driver import RackspaceDriver

__all__ = ["RackspaceDriver"]
