from .driver import AzureDriver

__all__ = ["AzureDriver"]
