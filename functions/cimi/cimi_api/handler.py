"""AWS Lambda entry point of the CIMI API: Mangum around the same app the local server mounts."""

from deltacloud import cold_start

cold_start.pause_collector()  # before the heavy imports below: see deltacloud/cold_start.py

from deltacloud.lambda_handler import lambda_handler  # noqa: E402

from .app import app  # noqa: E402

handler = lambda_handler(app, frontend="cimi")
