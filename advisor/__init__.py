"""The advisor as a service, transport-free: what the terminal and the Discord bot both call
to take an interview, keep it in the store and finish it (``advisor.service``), the
process's settings (``advisor.settings``), and the bits of presentation both front ends
share (``advisor.presentation``)."""
