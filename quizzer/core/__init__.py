"""The bottom layer: typed settings, errors, the shared value types, JSON helpers and bundled resources."""
