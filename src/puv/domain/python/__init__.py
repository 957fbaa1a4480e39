"""Python interpreters: parsing ``--python`` requests, finding interpreters, querying them.

Modules: ``request`` (pure parsing), ``probe`` (the script run inside an
interpreter), ``tags`` (PEP 425 tags for a target interpreter), ``interpreter``
(the Interpreter value and the cached query), ``pyenv`` (shim resolution),
``discovery`` (the search order).
"""
