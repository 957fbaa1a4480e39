"""`python -m puv`."""

from puv.cli.main import main

raise SystemExit(main())
