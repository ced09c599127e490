"""One exception root: every exception class farside defines derives from FarsideError and keeps a stdlib base.

(Warning categories such as the device plugins' PluginWarning are not errors and are left out.)
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

from firmware_sim.errors import SimError
from hil.cli import main
from hil.errors import HilError
from protocols.errors import FarsideError, ProtocolError

PACKAGES = ("protocols", "firmware_sim", "hil")
PRIVATE = {"firmware_sim.scenario.locate._StopError"}
"""Control flow inside one function, never raised to a caller."""


def _exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if info.name.endswith(".__main__"):
                continue  # runs the CLI when imported
            module = importlib.import_module(info.name)
            for _, value in inspect.getmembers(module, inspect.isclass):
                if (issubclass(value, BaseException) and not issubclass(value, Warning)
                        and value.__module__.split(".")[0] in PACKAGES and value is not FarsideError):
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


EXCEPTIONS = _exception_classes()


def test_the_walk_finds_the_trees() -> None:
    assert {ProtocolError, SimError, HilError} <= set(EXCEPTIONS.values())


@pytest.mark.parametrize("name", sorted(set(EXCEPTIONS) - PRIVATE))
def test_every_farside_exception_derives_from_the_root_and_keeps_a_stdlib_base(name: str) -> None:
    cls = EXCEPTIONS[name]
    assert issubclass(cls, FarsideError)
    stdlib = [base for base in cls.__mro__ if base.__module__ == "builtins" and base not in (
        Exception, BaseException, object)]
    assert stdlib, f"{name} keeps no stdlib base (ValueError, RuntimeError, OSError …)"


def test_the_cli_turns_any_farside_error_into_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--until", "T+99999999999d"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("farside: error: ")
