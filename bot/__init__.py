"""The Discord front end: the bot, its slash commands and components, on the advisor
service (``advisor``). Only this package imports discord."""
