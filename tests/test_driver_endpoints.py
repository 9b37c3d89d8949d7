"""The drivers of clouds named by URL (vSphere, Eucalyptus, OpenNebula, RHEV-M) read their provider
the same way: a provider that is no URL is a 400 saying what is expected, before any credential is used."""

import httpx
import pytest
from deltacloud.drivers.endpoints import UrlProvider
from deltacloud.registry import load_driver

URL_DRIVERS = ["vsphere", "eucalyptus", "opennebula", "rhevm"]


@pytest.mark.parametrize("name", URL_DRIVERS)
def test_a_provider_that_is_no_url_is_refused_with_what_is_expected(api: httpx.Client, name: str) -> None:
    driver = load_driver(name)
    assert issubclass(driver, UrlProvider)
    for provider in ("engine.example.com", "ftp://cloud.example.com", "https://cloud.example.com/a b"):
        response = api.get("/api/realms", headers={"X-Deltacloud-Driver": name, "X-Deltacloud-Provider": provider},
                           params={"format": "json"})
        assert response.status_code == 400, (provider, response.text)
        message = response.json()["message"]
        assert f"Provider '{provider}' is not available for driver '{name}'" in message
        assert f"{driver.endpoint_is}, e.g. {driver.endpoint_example}" in message
    driver.check_provider(driver.endpoint_example)  # the example given is one the driver takes
