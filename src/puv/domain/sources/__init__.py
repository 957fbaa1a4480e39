"""Direct-reference sources: where a distribution comes from when it is not on an index.

- :mod:`puv.domain.sources.git`: ``git+URL@ref#subdirectory=...`` requirements (pip's VCS
  URL form), fetched with the ``git`` executable into ``git-v1/`` and checked out once
  per commit; PEP 610 ``vcs_info`` for ``direct_url.json``.
- :mod:`puv.domain.sources.archives`: ``name @ https://.../name-1.0.tar.gz#sha256=...``
  (source archives and wheels at a URL, PEP 440 direct references), downloaded into
  ``url-v1/``, hash-checked; PEP 610 ``archive_info``.

Both hand back a local path (a project directory or an archive file) for the build
frontend or the installer. Nothing is imported here: import the submodule you need.
"""
