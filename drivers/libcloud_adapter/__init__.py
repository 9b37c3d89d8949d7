"""A generic adapter from apache-libcloud drivers to the core :class:`~deltacloud.driver.Driver`.

Not a driver itself (it registers no entry point): provider packages (openstack, rackspace,
digitalocean, ...) combine its mixins with the libcloud class of their cloud. Importing this
package imports no libcloud module; the mixins import libcloud lazily where they need a type.
"""
