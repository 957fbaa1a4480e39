"""Run one command: build its parser, load settings, call it, render errors."""

from __future__ import annotations

import os
import sys

from puv import __version__
from puv.cli import table
from puv.cli.printer import Printer, use_color
from puv.errors import NotAvailableYet, PuvError, UsageError

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import ModuleType


def _early_printer(rest: Sequence[str]) -> Printer:
    """The printer for errors: it must work before (and when) settings fail to load,
    so it reads ``--color``, ``PUV_COLOR`` and ``-q`` itself."""
    color = os.environ.get("PUV_COLOR", "auto")
    if color not in ("auto", "always", "never"):
        color = "auto"  # the settings loader reports the bad value
    for i, token in enumerate(rest):
        if token.startswith("--color="):
            color = token.split("=", 1)[1]
        elif token == "--color" and i + 1 < len(rest):
            color = rest[i + 1]
    quiet = any(t in ("-q", "--quiet") for t in rest)
    return Printer(verbosity=-1 if quiet else 0, color=use_color(color, sys.stderr, os.environ))


def keep_interrupts() -> None:
    """Make a Ctrl-C that lands inside a callback count.

    Python cannot raise from some callbacks (a weakref callback in the import
    system, a ``__del__``): a KeyboardInterrupt there is printed as "Exception
    ignored" with a traceback and lost, and the run goes on. Deliver it to the
    main thread again instead: from another thread, so that it arrives once the
    callback has returned (if it lands in one again, this repeats).
    """
    import _thread

    previous = sys.unraisablehook

    def resend() -> None:
        import signal
        import time

        time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGINT)

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            _thread.start_new_thread(resend, ())  # does not wait for the thread to start
            return
        previous(unraisable)

    sys.unraisablehook = hook


def run_command(words: tuple[str, ...], rest: list[str]) -> int:
    printer = _early_printer(rest)
    keep_interrupts()
    try:
        return _run(words, rest, printer)
    except PuvError as error:
        printer.error(error)
        return error.code
    except KeyboardInterrupt:
        printer.err.write("error: interrupted\n")
        _leave_lingering_threads(130)
        return 130


def _leave_lingering_threads(code: int) -> None:
    """After Ctrl-C, exit now if worker threads are still busy.

    Every ``finally`` of the main thread has run by now (environment staging
    rolled back, locks released); what may remain are pool threads blocked in a
    network read, which the interpreter would join at exit (up to the HTTP timeout
    times the retries). Their work is disposable: cache entries are written to a
    temporary place and renamed into the cache only when complete.
    """
    threading = sys.modules.get("threading")
    if threading is None:
        return
    current = threading.current_thread()
    if not any(t is not current and t.is_alive() and not t.daemon for t in threading.enumerate()):
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _parse(command: table.Command, module: ModuleType, rest: list[str]) -> object:
    """The command's arguments: read directly when the module offers a quick table
    and the command line is plain (see ``puv.cli.quick_args``), else by argparse."""
    quick = getattr(module, "QUICK_OPTIONS", None)
    if quick is not None:
        from puv.cli.quick_args import Namespace, read_args

        values = read_args(
            rest, quick, module.QUICK_DEFAULTS, module.QUICK_POSITIONAL, getattr(module, "QUICK_EXCLUSIVE", ())
        )
        if values is not None:
            return Namespace(values)
    from puv.cli.options import add_global_options, new_parser

    parser = new_parser(f"puv {command.name}", command.summary)
    module.add_arguments(parser)
    add_global_options(parser)
    return parser.parse_args(rest)


def _run(words: tuple[str, ...], rest: list[str], printer: Printer) -> int:
    command = table.lookup(words)
    if command is None:
        parent = words[:-1]
        known = (
            ", ".join(word for word, _, _ in table.children(parent))
            if parent
            else ", ".join(table.top_level_names())
        )
        raise UsageError(
            f"unrecognized subcommand `{words[-1]}`",
            hints=[f"valid commands here: {known}", "see `puv --help`"],
        )

    if command.module is None:
        if "-h" in rest or "--help" in rest:
            from puv.cli.commands.help import command_help

            sys.stdout.write(command_help(command))
            return 0
        raise NotAvailableYet(
            f"`puv {command.name}` is not available yet in puv {__version__}",
            hints=["see `puv --help` for the commands that work today"],
        )

    __import__(command.module)
    module: ModuleType = sys.modules[command.module]
    args = _parse(command, module, rest)

    from pathlib import Path

    from puv.context import Context
    from puv.settings import load_settings

    cwd = Path.cwd()
    settings = load_settings(vars(args), os.environ, cwd)
    printer = Printer(
        verbosity=settings.verbosity,
        color=use_color(settings.color, sys.stderr, os.environ),
    )
    printer.debug(f"puv {__version__}: `puv {command.name}`")
    for path in settings.config_files:
        printer.debug(f"Read configuration from {path}")
    with Context(settings=settings, printer=printer, environ=os.environ, cwd=cwd,
                 command_line=(tuple(words), tuple(rest))) as ctx:
        result: int = module.run(args, ctx)
    return result
