from .driver import DigitalOceanDriver

__all__ = ["DigitalOceanDriver"]
