"""roleswitch: a terminal UI role-switcher for AWS STS.

Importing the package loads nothing heavy: the fast export path depends on it.
"""

__version__ = "0.1.0"
