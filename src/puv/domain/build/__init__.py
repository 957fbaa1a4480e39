"""Building local projects and source distributions: a PEP 517 / PEP 660 frontend.

- :mod:`.static_metadata`: core metadata without a build (PKG-INFO, PEP 643;
  a static ``[project]`` table, PEP 621);
- :mod:`.source`: a source tree's ``[build-system]`` (PEP 518), unpacking sdists;
- :mod:`.environment`: isolated build environments (a fresh venv filled by
  puv's own resolver and installer, through :class:`.environment.RequirementsInstaller`);
- :mod:`.frontend`: calling the backend's hooks in a subprocess (pyproject-hooks),
  output captured;
- :mod:`.cache`: built wheels and metadata kept in the ``built-v1`` bucket;
- :mod:`.builder`: :class:`~.builder.Builder` ties them together;
- :mod:`.errors`: :class:`~puv.errors.BuildError` subclasses with hints.

Nothing here imports the resolver or the installer: they are reached through
protocols the caller fills in.
"""
