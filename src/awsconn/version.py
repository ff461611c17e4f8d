"""awsconn's version: one constant at the bottom of the house, so every layer (the client
too, which ``awsconn/__init__`` itself imports on first use) can name it."""

__version__ = "0.1.0"
