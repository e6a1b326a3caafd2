"""What every part needs of the machine it runs on, and nothing of the others.

- :mod:`runtime.ports`: free TCP ports on loopback, and whether something listens;
- :mod:`runtime.processes`: a project command line as a child process (started, waited
  for until ready, stopped by pid), for the demo, the tests and the benches;
- :mod:`runtime.state`: where the project keeps its state on this machine;
- :mod:`runtime.logs` and :mod:`runtime.commands`: one log format, and one way for every
  command line to end (0, or 2 with one ``error:`` line);
- :mod:`runtime.pins`: the versions of libraries whose internals the fast paths patch,
  checked at start-up.

It imports none of the project's other packages, so they may import it (all but the twin,
which stays free of every other part).
"""

from runtime.commands import run_command
from runtime.logs import configure_logging
from runtime.pins import check_asyncua_version
from runtime.ports import free_port, port_is_free, port_open
from runtime.processes import ROOT, Process, ProcessExited, answers, wait_for
from runtime.state import default_state_dir

__all__ = [
    "ROOT",
    "Process",
    "ProcessExited",
    "answers",
    "check_asyncua_version",
    "configure_logging",
    "default_state_dir",
    "free_port",
    "port_is_free",
    "port_open",
    "run_command",
    "wait_for",
]
