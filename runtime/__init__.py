"""What every part needs of the machine it runs on, and nothing of the others.

- :mod:`runtime.ports`: free TCP ports on loopback, and whether something listens;
- :mod:`runtime.processes`: a project command line as a child process (started, waited
  for until ready, stopped by pid), for the demo, the tests and the benches;
- :mod:`runtime.state`: where the project keeps its state on this machine;
- :mod:`runtime.logs` and :mod:`runtime.commands`: one log format, and one way for every
  command line to end (0, or 2 with one ``error:`` line);
- :mod:`runtime.pins`: the versions of libraries whose internals the fast paths patch,
  checked at start-up;
- :mod:`runtime.tcp_proxy`: a loopback TCP relay to cut and restore (a broken network path,
  for the fault bench and tests).

It imports none of the project's other packages, so they may import it (all but the twin,
which stays free of every other part).
"""

# Nothing is imported here: a part that needs a free port should not pay for urllib,
# subprocess and importlib.metadata at start-up. Import the modules themselves.
__all__: list[str] = []
