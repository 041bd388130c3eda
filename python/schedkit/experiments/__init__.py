"""The papers' experiments, each runnable with ``python -m schedkit.experiments.<name>``.

- ``uwfq``: the UWFQ paper's closed-loop scenarios replayed with every fair-share policy.
- ``packing``: "Priority Matters": the default kube-scheduler against the CP-SAT fallback on
  the paper's generator (also ``schedkit pack --experiment``).

The experiments import their areas, never the other way round, so importing :mod:`schedkit`
does not load them.
"""
