"""civicdesk: customer-care (311) software that holds a city to its own service standards."""

__version__ = "0.1.0"
