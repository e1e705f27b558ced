"""Help texts as plain text: reStructuredText markup from docstrings never reaches --help.

Command modules often take a description from their docstring, which is written for Sphinx
(``code``, :func:`name`, `link`_). ``plain_help`` strips that markup from every parser,
subcommand and option of the command tree once it is built.
"""
from __future__ import annotations

import argparse
import re

_MARKUP = (
    (re.compile(r"``([^`]+)``"), r"\1"),                       # ``literal``
    (re.compile(r":[\w:.-]+:`~?([^`<]+?)(?:\s*<[^>]+>)?`"), r"\1"),  # :role:`target` / :role:`text <target>`
    (re.compile(r"`([^`<]+?)(?:\s*<[^>]+>)?`_{1,2}"), r"\1"),  # `link`_
    (re.compile(r"\*\*([^*]+)\*\*"), r"\1"),                   # **strong**
)


def plain(text: str | None) -> str | None:
    if not text:
        return text
    for pattern, repl in _MARKUP:
        text = pattern.sub(repl, text)
    return text


def plain_help(parser: argparse.ArgumentParser) -> None:
    """Strip markup from ``parser`` and every subparser and option below it."""
    parser.description = plain(parser.description)
    parser.epilog = plain(parser.epilog)
    for action in parser._actions:
        if action.help and action.help is not argparse.SUPPRESS:
            action.help = plain(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                choice.help = plain(choice.help)
            for sub in dict.fromkeys(action.choices.values()):
                plain_help(sub)
