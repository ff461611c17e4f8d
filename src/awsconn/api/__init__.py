"""The HTTP entry point: Harness NG wire shapes, the error mapping and the route table.

Importing this package loads pydantic and nothing else heavy (no FastAPI, boto3 or
SQLAlchemy): the shapes and the route table are data that the server, its tests and
clients read. The server itself imports FastAPI in its own modules.
"""
