"""Front ends of Offering Advisor: the command line, the terminal interview and (later)
the Discord adapter. Only the Discord modules import discord, so the terminal starts
without loading it.
"""
