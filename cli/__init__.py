"""The ``offering-advisor`` command: it parses the command line and hands each command to
the terminal front end, the store, or (for ``run`` and ``sync`` only) the Discord bot."""
