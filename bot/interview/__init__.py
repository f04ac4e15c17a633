"""The interview on Discord: the controller that turns clicks, menus and forms into service
calls (``controller``), the restart-proof components it draws (``views``), and switching
off the buttons of a message a newer one replaced (``live_messages``)."""
