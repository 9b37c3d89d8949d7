from .driver import EC2Driver

__all__ = ["EC2Driver"]
