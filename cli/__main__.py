"""``python -m cli ...`` is the same as the ``offering-advisor`` command."""

from cli.main import main

raise SystemExit(main())
