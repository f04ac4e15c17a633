"""The terminal front end: the interview and its result in a terminal (``terminal.chat``).
It never loads discord."""
