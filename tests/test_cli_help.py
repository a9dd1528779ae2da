"""Every command's --help: plain text (no RST markup), every option explained with its default.

Each command's parser is caught as it parses ``--help`` (no command body runs).
"""

from __future__ import annotations

import argparse
import contextlib
import io
from collections.abc import Iterator

import pytest

import waefader_cli


def commands() -> Iterator[tuple[str, str]]:
    for name, entry in waefader_cli.COMMANDS.items():
        if isinstance(entry, tuple):
            yield name, entry[0]
        else:
            for sub, (module, _) in entry.items():
                yield f"{name} {sub}", module


COMMANDS = sorted(commands())


def parsers_of(
    words: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, list[argparse.ArgumentParser]]:
    """The help text the command prints and every parser it built (subcommands included)."""
    seen: list[argparse.ArgumentParser] = []
    original = argparse.ArgumentParser.parse_args

    def spy(self: argparse.ArgumentParser, *a: object, **k: object) -> argparse.Namespace:
        seen.append(self)
        return original(self, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", spy)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exc:
        waefader_cli.main([*words.split(), "--help"])
    assert exc.value.code == 0
    subs = [
        p
        for parser in seen
        for a in parser._actions
        if isinstance(a, argparse._SubParsersAction)
        for p in a.choices.values()
    ]
    return out.getvalue(), seen + subs


@pytest.mark.parametrize(("words", "module"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_help_is_plain_and_every_option_says_what_it_does_and_its_default(
    words: str, module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, parsers = parsers_of(words, monkeypatch)
    problems = [f"{words}: RST markup {m}" for m in ("``", ":class:", ":func:") if m in text]
    for parser in parsers:
        for a in parser._actions:
            if not a.option_strings or a.help == argparse.SUPPRESS or "-h" in a.option_strings:
                continue
            flag = a.option_strings[-1]
            if not a.help:
                problems.append(f"{parser.prog} {flag}: no help")
                continue
            if isinstance(a, argparse._StoreTrueAction | argparse._StoreFalseAction):
                continue
            if a.default not in (None, False) and "default" not in a.help:
                problems.append(f"{parser.prog} {flag}: default {a.default!r} not in the help")
        if "``" in parser.format_help():
            problems.append(f"{parser.prog}: RST markup ``")
    assert not problems, "\n".join(problems)
