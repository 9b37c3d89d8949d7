"""AWS Lambda entry point of the EC2 Query API: Mangum around the same app the local server mounts."""

from deltacloud.lambda_handler import lambda_handler

from .app import app

handler = lambda_handler(app, frontend="ec2")
