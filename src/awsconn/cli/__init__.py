"""The ``awsconn`` command line: translates arguments to service calls and results to output.

Import cost matters here: ``awsconn --help`` must not import boto3, botocore,
SQLAlchemy or FastAPI, so every command module imports those inside its functions.
"""

from __future__ import annotations

import sys

from awsconn.errors import AwsconnError

__all__ = ["main"]


def _wants_json(args: list[str]) -> bool:
    """Whether the command line asked for ``-o json`` / ``--output json`` (any spelling)."""
    for i, arg in enumerate(args):
        if arg == "--":
            return False
        if arg in ("-o", "--output") and i + 1 < len(args) and args[i + 1] == "json":
            return True
        if arg in ("-ojson", "--output=json"):
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; awsconn errors become a message on stderr and an exit code, no traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:  # answered before the CLI framework is even imported
        from awsconn.cli.version import version_line

        print(version_line())
        return 0
    from awsconn.cli.credential_process import parse_plain
    from awsconn.cli.output import print_error

    try:
        plain = parse_plain(args)
        if plain is not None:  # credential_process runs this before every AWS CLI call
            from awsconn.cli.credential_process import run

            run(plain)
            return 0
        from awsconn.cli.app import build_app

        rv = build_app(args)(args=args, standalone_mode=False, prog_name="awsconn")
        if isinstance(rv, int) and not isinstance(rv, bool):  # typer.Exit(code) lands here
            return rv
    except AwsconnError as exc:
        from awsconn.cli.advice import advise

        exc = advise(exc)
        print_error(exc)
        if _wants_json(args):  # scripts parsing stdout get the error as data too
            from awsconn.cli.output import print_json

            print_json({"error": exc.to_dict()})
        return exc.exit_code
    except SystemExit as exc:  # typer.Exit inside standalone_mode=False, or sys.exit
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a usage error from the CLI framework, or a bug
        import typer

        if isinstance(exc, typer.Abort):
            print("aborted", file=sys.stderr)
            return 1
        if isinstance(exc, typer.Exit):
            return int(getattr(exc, "exit_code", 1))
        show = getattr(exc, "show", None)
        if isinstance(exc, typer.TyperException) and callable(show):
            show()  # usage errors: "Usage: ... Error: Invalid value for '--timeout' ..."
            return int(getattr(exc, "exit_code", 2))
        print(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in awsconn; run with AWSCONN_DEBUG=1 for the traceback.",
            file=sys.stderr,
        )
        import os

        if os.environ.get("AWSCONN_DEBUG"):
            raise
        return 1
    return 0
