"""``python -m bot ...`` is the same as the ``offering-advisor`` command."""

from bot.cli import main

raise SystemExit(main())
