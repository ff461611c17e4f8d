"""How ``--help`` names arguments: ``REF`` and ``[REF]``, not Typer's ``{ref}`` and ``<str>``.

Typer 0.2x writes a required argument as ``{ref}`` in the usage line and adds the Python
type (``<str>``, ``<list[str]>``) beside every argument and every option without a
metavar. Help is read by people: each command here names its placeholders (``metavar=``)
and this command class prints them as written, the way ``man`` pages do.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperCommand

__all__ = ["HelpCommand", "argument_label"]


def argument_label(param: Any) -> str:
    """``REF`` (required), ``[REF]`` (optional), ``COMMAND...`` (takes many)."""
    name = param.metavar or (param.name or "").upper()
    if param.nargs != 1 and not name.endswith("..."):
        name += "..."
    return name if param.required else f"[{name}]"


class HelpCommand(TyperCommand):
    """A Typer command whose help shows metavars only, never Python types or braces."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces: list[str] = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                pieces.append(argument_label(param))
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        args: list[tuple[str, str]] = []
        opts: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if isinstance(param, TyperArgument):
                args.append((argument_label(param).strip("[]"), record[1]))
            else:
                opts.append(record)
        if args:
            with formatter.section("Arguments"):
                formatter.write_dl(args)
        if opts:
            with formatter.section("Options"):
                formatter.write_dl(opts)
