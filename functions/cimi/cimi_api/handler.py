"""AWS Lambda entry point of the CIMI API: Mangum around the same app the local server mounts."""

from deltacloud.lambda_handler import lambda_handler

from .app import app

handler = lambda_handler(app, frontend="cimi")
