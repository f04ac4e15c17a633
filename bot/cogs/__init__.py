"""One cog module per feature, each ending in ``async def setup(bot)``."""
