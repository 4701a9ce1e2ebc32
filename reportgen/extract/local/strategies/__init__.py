"""One module per way the offline engine fills a section; `engine.STRATEGIES` says which fills which.

Each module's `section(index, spec)` returns the section's draft items.
"""
