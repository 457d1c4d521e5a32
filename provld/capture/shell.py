"""``provld capture``: record the provenance of a program not written in Python.

::

    provld capture --role-in raw=dl0/run042.fits.fz --role-out dl1=dl1/run042.h5 \\
        --param threshold=5.0 --name calibrate -- ctapipe-process --input ... --output ...

runs the command (its standard streams are the terminal's), records its command line,
start and end, exit status (non-zero is a failure) and the files it was told about, and
exits with the command's own exit code, so that a workflow engine sees no difference.
``provld capture --flush`` sends the documents waiting in the spool.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import Any

from provld.errors import InputError

#: Exit code when the command cannot be run at all (as a shell says it).
NOT_FOUND, NOT_EXECUTABLE = 127, 126


#: Options given once per file or value: (flag, destination, metavar, help).
_REPEATABLE = [
    ("--in", "inputs", "FILE", "an input file"),
    ("--role-in", "role_inputs", "ROLE=FILE", "an input file and its role"),
    ("--out", "outputs", "FILE", "an output file"),
    ("--role-out", "role_outputs", "ROLE=FILE", "an output file and its role"),
    ("--config", "configs", "FILE", "a configuration file the command reads"),
    (
        "--param",
        "params",
        "NAME=VALUE",
        "a parameter, its VALUE read as JSON when it parses, else as text",
    ),
]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``provld capture`` on the command line's subparsers."""
    p = sub.add_parser(
        "capture",
        help="run a command and record its provenance",
        description="Run COMMAND, recording its provenance (inputs, outputs, command line, "
        "exit status) where PROVLD_CAPTURE says; exits with the command's exit code.",
    )
    for flag, dest, metavar, what in _REPEATABLE:
        p.add_argument(
            flag,
            dest=dest,
            action="append",
            default=[],
            metavar=metavar,
            help=f"{what} (repeatable)",
        )
    p.add_argument("--name", help="name of the activity (default: the command's name)")
    p.add_argument(
        "--description", metavar="FILE", help="activity description (JSON, YAML or OPUS VOTable)"
    )
    p.add_argument(
        "--derived", action="store_true", help="the outputs are derived from all the inputs"
    )
    p.add_argument(
        "--to",
        dest="target",
        metavar="DIR_OR_URL",
        help="where the document goes (default: $PROVLD_CAPTURE)",
    )
    p.add_argument("--format", help="document format (default: $PROVLD_CAPTURE_FORMAT or turtle)")
    p.add_argument(
        "--flush",
        action="store_true",
        help="send the documents waiting in the spool, and run no command",
    )
    # "argv", not "command": the main parser keeps the subcommand's name in args.command
    p.add_argument(
        "argv",
        nargs=argparse.REMAINDER,
        metavar="-- COMMAND ARGS",
        help="the command to run, after --",
    )
    p.set_defaults(func=main)
    return p


def _pair(text: str, option: str) -> tuple[str, str]:
    role, sep, path = text.partition("=")
    if not sep or not role or not path:
        raise InputError(f"{option} {text!r}: expected ROLE=FILE")
    return role, path


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def main(args: argparse.Namespace) -> int:
    from provld import capture
    from provld.capture.environment import Agent

    overrides: dict[str, Any] = {}
    if args.target:
        overrides["target"] = args.target
    if args.format:
        overrides["format"] = args.format
    if overrides:
        capture.configure(**overrides)
    if args.flush:
        outcome = capture.flush()
        print(f"provld capture: {outcome}", file=sys.stderr)
        return 0 if outcome.pending == 0 else 1
    command = list(args.argv)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise InputError("give the command to run after --, or --flush")
    inputs: list[tuple[str | None, str]] = [(None, f) for f in args.inputs]
    inputs += [_pair(t, "--role-in") for t in args.role_inputs]
    outputs: list[tuple[str | None, str]] = [(None, f) for f in args.outputs]
    outputs += [_pair(t, "--role-out") for t in args.role_outputs]
    params = [_pair(t, "--param") for t in args.params]
    name = args.name or os.path.basename(command[0])

    with capture.activity(name, description=args.description) as act:
        if act is not None:
            act.command = command
            act._software = Agent(os.path.basename(command[0]), kind="software")
            for role, path in inputs:
                act.used(path, role=role)
            for path in args.configs:
                act.config_file(path)
            for key, text in params:
                act.parameter(key, _value(text))
        code = _run(command)
        if act is not None:
            act.exit_code = code
            if code != 0:
                act.error = f"exit status {code}"
            for role, path in outputs:
                act.generated(path, role=role, derived_from=True if args.derived else None)
    capture.wait(capture.settings().exit_wait)
    return code


def _run(command: list[str]) -> int:
    """Run the command in the foreground; its exit code, shell-style for signals."""
    try:
        proc = subprocess.Popen(command)
    except FileNotFoundError:
        print(f"provld capture: {command[0]}: command not found", file=sys.stderr)
        return NOT_FOUND
    except PermissionError:
        print(f"provld capture: {command[0]}: permission denied", file=sys.stderr)
        return NOT_EXECUTABLE
    while True:
        try:
            code = proc.wait()
            break
        except KeyboardInterrupt:
            # The terminal sent SIGINT to the command as well: wait for it to end.
            continue
    if code < 0:
        return 128 - code  # killed by signal N: 128 + N, as a shell reports it
    return code
