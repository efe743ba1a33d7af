"""Shell completion for the ``custbridge`` command, read from its argument parser.

The scripts printed by ``custbridge completion SHELL`` are thin: on each TAB they run
``custbridge __complete WORD...`` (the words typed so far, the last one possibly empty),
which answers one candidate per line. Commands, options and ``choices`` (formats, shells,
log levels) come from the parser, so a new command completes with no change here;
provider names come from the installed providers. A single line ``__files__`` asks the
shell to complete file names.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

__all__ = ["FILES", "candidates", "script"]

FILES = "__files__"
"""The answer that asks the shell for file-name completion."""

_PROVIDER_DESTS = frozenset({"provider", "providers"})
_FILE_DESTS = frozenset({"output", "html"})


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {s: a for a in parser._actions for s in a.option_strings}


def _positionals(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [
        a for a in parser._actions
        if not a.option_strings and not isinstance(a, argparse._SubParsersAction)
    ]


def _takes_value(action: argparse.Action) -> bool:
    return action.nargs != 0 and not isinstance(
        action, (argparse._StoreTrueAction, argparse._StoreFalseAction, argparse._CountAction,
                 argparse._HelpAction, argparse._VersionAction)
    )


def _provider_names() -> list[str]:
    from .registry import providers

    try:
        return providers()
    except Exception:  # completion must never print a traceback into the shell
        return []


def _values(action: argparse.Action, current: str) -> list[str]:
    if action.choices is not None:
        return [str(c) for c in action.choices]
    if action.dest in _PROVIDER_DESTS:
        names = _provider_names()
        if action.dest == "providers":  # a comma-separated list: complete the last item
            head, _, _ = current.rpartition(",")
            chosen = set(head.split(",")) if head else set()
            prefix = head + "," if head else ""
            return [prefix + n for n in names if n not in chosen]
        return names
    if action.dest in _FILE_DESTS:
        return [FILES]
    return []


def candidates(parser: argparse.ArgumentParser, words: Sequence[str]) -> list[str]:
    """Completions of the last of ``words`` (the words after the program name)."""
    typed = list(words) or [""]
    done, current = typed[:-1], typed[-1]
    expecting: argparse.Action | None = None
    position = 0
    for word in done:
        if expecting is not None:
            expecting = None
            continue
        if word.startswith("-"):
            action = _options(parser).get(word.split("=", 1)[0])
            if action is not None and _takes_value(action) and "=" not in word:
                expecting = action
            continue
        children = _subparsers(parser)
        if word in children:
            parser, position = children[word], 0
            continue
        position += 1
    if expecting is not None:
        found = _values(expecting, current)
    elif current.startswith("--") and "=" in current:
        name, _, value = current.partition("=")
        action = _options(parser).get(name)
        found = [] if action is None else [f"{name}={v}" for v in _values(action, value) if v != FILES]
    elif current.startswith("-"):
        found = [*sorted(s for s in _options(parser) if s.startswith("--")), "-h"]
    else:
        children = _subparsers(parser)
        positionals = _positionals(parser)
        if children:
            found = sorted(children)
        elif position < len(positionals):
            found = _values(positionals[position], current)
        else:
            found = []
    if found == [FILES]:
        return found
    return [c for c in found if c.startswith(current)]


_BASH = r"""# bash completion for custbridge; load with: eval "$(custbridge completion bash)"
_custbridge_complete() {
    local IFS=$'\n' cur="${COMP_WORDS[COMP_CWORD]}" out
    out=$(PROG __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return 0
    if [ "$out" = "__files__" ]; then
        COMPREPLY=($(compgen -f -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$out" -- "$cur"))
    fi
}
complete -o bashdefault -F _custbridge_complete PROG
"""

_ZSH = r"""#compdef PROG
# zsh completion for custbridge; load with: eval "$(custbridge completion zsh)" (after compinit)
_custbridge_complete() {
    local -a reply
    reply=("${(@f)$(PROG __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    if [[ "${reply[1]}" == "__files__" ]]; then
        _files
    else
        compadd -- "${reply[@]}"
    fi
}
compdef _custbridge_complete PROG
"""

_FISH = r"""# fish completion for custbridge; save as ~/.config/fish/completions/PROG.fish
function __custbridge_complete
    set -l words (commandline -opc) (commandline -ct)
    set -e words[1]
    set -l out (PROG __complete $words 2>/dev/null)
    if test "$out" = "__files__"
        __fish_complete_path (commandline -ct)
    else
        printf '%s\n' $out
    end
end
complete -c PROG -f -a '(__custbridge_complete)'
"""

_SCRIPTS = {"bash": _BASH, "zsh": _ZSH, "fish": _FISH}


def script(shell: str, prog: str = "custbridge") -> str:
    """The completion script for ``shell`` (bash, zsh or fish), calling ``prog``."""
    return _SCRIPTS[shell].replace("PROG", prog)
